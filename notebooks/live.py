"""Run the final app for real and execute the class notebooks against it.

The notebooks in ``notebooks/`` talk to a running API over HTTP, the way a client would, so
testing them takes a real server: a subprocess serving ``final/`` on a free port with a fresh
database. ``serve_final`` starts one, ``execute_notebook`` runs one notebook against it, and
``execute_all`` does both for every notebook (the docs build uses it to publish executed copies).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import nbformat
import zmq
from nbclient import NotebookClient
from nbclient.exceptions import CellControlSignal, CellExecutionError, DeadKernelError

ROOT = Path(__file__).resolve().parent.parent
FINAL = ROOT / "final"
NOTEBOOKS = ROOT / "notebooks"
API_URL_VARIABLE = "LIBRARY_API_URL"
# Where the served app writes its log, for the notebook that looks for one request's line in it.
API_LOG_VARIABLE = "LIBRARY_API_LOG"
# Where the served app keeps its signing keys, and the folder it runs in, for the notebook that
# rotates them with the app's own command.
KEYS_DIR_VARIABLE = "JWT_KEYS_DIR"
APP_FOLDER_VARIABLE = "LIBRARY_API_FOLDER"
KERNEL = "python3"

# The notebooks run on the final app's default limits, as `make run` serves it: only failed
# sign-ins count (5 per 10 minutes per email, 100 per address), so a class behind one address
# signs in freely. The one classroom setting shortens the per-email window, so that the
# login-limit notebook sees a locked account open again in seconds rather than ten minutes.
# `make notebooks` sets the same value; tests/test_notebooks.py checks that they agree.
CLASSROOM_SETTINGS: Mapping[str, str] = {"RATELIMIT_LOGIN_ACCOUNT": "5 per 10 seconds"}
STARTUP_SECONDS = 30.0
STOP_SECONDS = 10.0
SOURCE_HEAD_LINES = 3


class LiveError(RuntimeError):
    """The app would not start, or a notebook failed; the message says where and why."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now.

    The operating system picks it (port 0); another process could take it before we bind it
    again, but on a test machine that window is too small to matter.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _flask(*arguments: str) -> list[str]:
    """``python -m flask --app wsgi ...`` with this interpreter, so the venv's Flask runs."""
    return [sys.executable, "-m", "flask", "--app", "wsgi", *arguments]


def _tail(path: Path, lines: int = 20) -> str:
    """The last lines of a log file, to put in an error message."""
    text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
    return "\n".join(text.splitlines()[-lines:])


def _wait_until_healthy(base_url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    """Poll ``/healthz`` until it answers 200; fail fast if the server exits, or after a bound."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise LiveError(
                f"the final app exited with code {server.returncode} before answering"
                f" /healthz:\n{_tail(log)}"
            )
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass  # Not listening yet: try again shortly.
        time.sleep(0.1)
    raise LiveError(
        f"the final app did not answer {base_url}/healthz within {STARTUP_SECONDS:.0f} s:"
        f"\n{_tail(log)}"
    )


def _stop(server: subprocess.Popen[bytes]) -> None:
    """Ask the server to stop (SIGTERM), and kill it if it has not stopped in a few seconds."""
    if server.poll() is not None:
        return
    server.terminate()
    try:
        server.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


@contextmanager
def serve_final(
    port: int, database_url: str, *, settings: Mapping[str, str] = CLASSROOM_SETTINGS
) -> Iterator[str]:
    """Serve ``final/`` on 127.0.0.1:``port`` with the database at ``database_url``; yield its URL.

    It does what ``make run`` does, step by step: migrate the database (``db upgrade``), fill it
    with the demo data (``seed``), then ``run`` Flask's development server. ``settings`` are extra
    environment variables (by default the classroom rate limits). The server is stopped when the
    ``with`` block ends, also when it ends with an error, so no test leaves a server behind.
    While it serves, ``LIBRARY_API_LOG`` names the file its log goes to, ``JWT_KEYS_DIR`` its
    signing keyring and ``LIBRARY_API_FOLDER`` the folder it runs in.
    """
    environment = {
        **os.environ,
        **settings,
        "APP_CONFIG": "development",
        "DATABASE_URL": database_url,
    }
    for command in (["db", "upgrade"], ["seed"]):
        done = subprocess.run(  # noqa: S603 - our own interpreter and arguments
            _flask(*command), cwd=FINAL, env=environment, capture_output=True, check=False
        )
        if done.returncode != 0:
            printed = (done.stdout + done.stderr).decode(errors="replace").strip()[-3000:]
            raise LiveError(f"flask {' '.join(command)} failed ({done.returncode}):\n{printed}")
    base_url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="final-app-") as folder:
        log = Path(folder) / "server.log"
        # A throwaway signing keyring, so a notebook that rotates keys leaves the checkout's own
        # development keys alone; `flask keys rotate` in a kernel finds it in the environment.
        exported = {
            API_LOG_VARIABLE: str(log),
            KEYS_DIR_VARIABLE: str(Path(folder) / "jwt-keys"),
            APP_FOLDER_VARIABLE: str(FINAL),
        }
        with log.open("wb") as output, _exported(exported):
            # --no-reload: one process, so stopping it stops the server (the reloader would fork).
            server = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                _flask("run", "--port", str(port), "--no-reload"),
                cwd=FINAL,
                env={**environment, **exported},
                stdout=output,
                stderr=subprocess.STDOUT,
            )
            try:
                _wait_until_healthy(base_url, server, log)
                yield base_url
            finally:
                _stop(server)


@contextmanager
def _exported(variables: Mapping[str, str]) -> Iterator[None]:
    """Set ``variables`` in this process's environment, which the notebooks' kernels inherit
    (see execute_notebook), and put back what was there before."""
    previous = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _describe_cell(path: Path, notebook: Any, index: int | None) -> str:
    """Name the notebook and the cell (its index and first lines) for an error message."""
    if index is None:
        return f"{path.name}: failed before its first cell"
    source_lines = str(notebook.cells[index].source).splitlines()
    head = "\n".join(f"    {line}" for line in source_lines[:SOURCE_HEAD_LINES])
    more = "\n    ..." if len(source_lines) > SOURCE_HEAD_LINES else ""
    return f"{path.name}: cell {index} failed; it starts with:\n{head}{more}"


def execute_notebook(path: Path, base_url: str, timeout: int = 60) -> nbformat.NotebookNode:
    """Run every cell of the notebook at ``path`` against the API at ``base_url``; return it.

    The kernel is the venv's ``python3`` and gets ``LIBRARY_API_URL`` through its environment,
    exactly as a notebook opened by ``make notebooks`` does. ``timeout`` bounds each cell, so a
    hung request fails the run instead of freezing it. On a failure the ``LiveError`` names the
    notebook and the failing cell's index (0-based, counting markdown cells) and first lines.
    """
    # nbformat ships type hints but leaves read() and write() unannotated.
    notebook: nbformat.NotebookNode = nbformat.read(path, as_version=4)  # type: ignore[no-untyped-call]
    started: list[int] = []

    def record_start(cell: Any, cell_index: int) -> None:  # noqa: ARG001 - nbclient's signature
        started.append(cell_index)

    client = NotebookClient(
        notebook,
        kernel_name=KERNEL,
        timeout=timeout,
        resources={"metadata": {"path": str(path.parent)}},
        on_cell_start=record_start,
    )
    environment = {**os.environ, API_URL_VARIABLE: base_url}
    # Encrypt the kernel's local sockets when ZeroMQ can: it is safer, and the kernel then does
    # not print a warning about plain-text TCP into the first cell's output.
    encryption = "auto" if zmq.has("curve") else "disabled"
    try:
        client.execute(env=environment, transport_encryption=encryption)
    except CellExecutionError as error:
        where = _describe_cell(path, notebook, started[-1] if started else None)
        raise LiveError(f"{where}\n{error.ename}: {error.evalue}") from error
    except (CellControlSignal, DeadKernelError, TimeoutError, RuntimeError) as error:
        where = _describe_cell(path, notebook, started[-1] if started else None)
        raise LiveError(f"{where}\n{type(error).__name__}: {error}") from error
    return notebook


def notebook_paths(folder: Path = NOTEBOOKS) -> list[Path]:
    """The class notebooks, in the order they are taught (their names start with a number)."""
    return sorted(folder.glob("*.ipynb"))


def execute_all(out_dir: Path, notebooks: Path = NOTEBOOKS, timeout: int = 60) -> list[Path]:
    """Execute every notebook against a fresh final app and write the copies to ``out_dir``.

    This is what the docs build calls: the site shows the notebooks with real outputs, while
    the repository keeps them without any. The app gets its own port and a throwaway SQLite
    database, so the build never touches a server or a database someone is using.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="notebooks-db-") as folder:
        database_url = f"sqlite:///{Path(folder) / 'library.db'}"
        with serve_final(free_port(), database_url) as base_url:
            for path in notebook_paths(notebooks):
                executed = execute_notebook(path, base_url, timeout=timeout)
                target = out_dir / path.name
                nbformat.write(executed, target)  # type: ignore[no-untyped-call]
                written.append(target)
    return written
