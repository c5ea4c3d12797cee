"""Real servers for the proofs: the app under gunicorn, and throwaway PostgreSQL and Redis.

The proofs talk HTTP to gunicorn with several worker processes, as production runs, because
races between processes and state shared through Redis cannot be shown in one process. The
fault proofs stop and restart the database and Redis, so they start their own throwaway ones
(on free ports, in temporary folders) and never touch the shared services.
"""

from __future__ import annotations

import glob
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import Any

import flask_migrate
import pytest
from flask import Flask

from app import create_app
from app.extensions import db
from app.signing_keys import generate_key, private_pem

FINAL = Path(__file__).resolve().parents[1]
MIGRATIONS = str(FINAL / "migrations")
START_SECONDS = 20.0
STOP_SECONDS = 10.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def wait_for(check: Callable[[], bool], *, seconds: float, what: str) -> None:
    """Poll ``check`` until it holds; fail the test after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up after {seconds} s waiting for {what}")
        time.sleep(0.05)


@dataclass(frozen=True)
class Answer:
    """One HTTP response: status, headers, raw body, and which worker process sent it."""

    status: int
    headers: Message
    body: bytes
    seconds: float

    @property
    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)

    @property
    def pid(self) -> str | None:
        """The gunicorn worker that answered (``X-Worker-Pid``, see worker_wsgi.py)."""
        return self.headers.get("X-Worker-Pid")


def call(
    method: str,
    url: str,
    *,
    body: Any = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = 15.0,
) -> Answer:
    """Send one request on a new connection (so any worker may take it) and read the answer."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers=dict(headers or {}))  # noqa: S310
    if data is not None:
        request.add_header("Content-Type", "application/json")
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return Answer(response.status, response.headers, response.read(), _since(started))
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.headers, error.read(), _since(started))


def _since(started: float) -> float:
    return time.monotonic() - started


def is_listening(url: str) -> bool:
    """True when something answers HTTP at ``url``."""
    try:
        call("GET", url, timeout=2)
    except OSError:
        return False
    return True


@dataclass
class Server:
    """A running gunicorn: its URL, log file and process."""

    url: str
    log: Path
    process: subprocess.Popen[bytes]
    workers: int
    pids_seen: set[str] = field(default_factory=set)

    def output(self) -> str:
        """What the server has logged so far."""
        return self.log.read_text(errors="replace")


def production_environment(*, database_url: str, redis_url: str | None) -> dict[str, str]:
    """The variables of a production deployment on these services, with fresh secrets."""
    environment = {
        "APP_CONFIG": "production",
        "DATABASE_URL": database_url,
        "SECRET_KEY": secrets.token_urlsafe(48),
        "JWT_SECRET_KEY": secrets.token_urlsafe(48),
        "JWT_PRIVATE_KEY": private_pem(generate_key()),
        "FLASK_SKIP_DOTENV": "1",
        "LOG_LEVEL": "WARNING",
    }
    if redis_url:
        environment["REDIS_URL"] = redis_url
    return environment


@contextmanager
def gunicorn(
    environment: Mapping[str, str],
    *,
    log_dir: Path,
    workers: int = 2,
    options: tuple[str, ...] = (),
    port: int | None = None,
) -> Iterator[Server]:
    """Start the app as the Dockerfile does (gunicorn.conf.py), wait for every worker, stop it.

    ``options`` go to gunicorn's command line after the configuration file. The database must
    be migrated before: workers never create tables themselves. A ``port`` is for a server that
    restarts where a proxy expects it; by default any free port serves.
    """
    port = port or free_port()
    env = {
        **os.environ,
        **environment,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": str(workers),
    }
    for variable in ("TEST_DATABASE_URL", "TEST_REDIS_URL", "PROMETHEUS_MULTIPROC_DIR"):
        env.pop(variable, None)
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        "gunicorn.conf.py",
        "--no-control-socket",
        *options,
        "--pythonpath",
        "tests",
        "worker_wsgi:app",
    ]
    log = log_dir / f"gunicorn-{port}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603  (a fixed command)
            command,
            cwd=FINAL,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, which the teardown kills
        )
    server = Server(url=f"http://127.0.0.1:{port}", log=log, process=process, workers=workers)
    try:

        def every_worker_answers() -> bool:
            if process.poll() is not None:
                pytest.fail(f"gunicorn exited early:\n{server.output()}")
            try:
                server.pids_seen.add(str(call("GET", f"{server.url}/healthz", timeout=2).pid))
            except OSError:
                return False
            return len(server.pids_seen) >= workers

        wait_for(every_worker_answers, seconds=START_SECONDS, what="every gunicorn worker")
        yield server
    finally:
        kill_group(process)


def kill_group(process: subprocess.Popen[Any]) -> None:
    """Kill a server and its workers at once, for a teardown that has no shutdown to watch.

    gunicorn's own shutdown waits up to a second for its main loop to notice the signal, and
    then for its workers: a second or more per server, on every proof that starts one.
    """
    with suppress(ProcessLookupError):  # gone already: it exited, or a test stopped it
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def stop(process: subprocess.Popen[Any]) -> None:
    """Ask a process to stop, and kill it if it has not after ``STOP_SECONDS``."""
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def migrated_app(database_url: str, environment: Mapping[str, str]) -> Iterator[Flask]:
    """Migrate the database as a deploy step would, and yield an in-process app on it.

    The app shares the server's signing key, so it can create users and mint their tokens.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TEST_DATABASE_URL", database_url)
        patch.setenv("JWT_SECRET_KEY", environment["JWT_SECRET_KEY"])
        patch.setenv("JWT_PRIVATE_KEY", environment["JWT_PRIVATE_KEY"])
        patch.delenv("REDIS_URL", raising=False)
        app = create_app("testing")
    with app.app_context():
        flask_migrate.upgrade(directory=MIGRATIONS)
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def require_binary(name: str, *candidates: str) -> str:
    """The path of a server binary, or a skip (a failure under REQUIRE_SERVICES=1)."""
    paths = [path for pattern in candidates for path in sorted(glob.glob(pattern))]
    found = shutil.which(name) or (paths[-1] if paths else None)
    if found:
        return found
    message = f"{name} is not installed"
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(message)
    pytest.skip(message)


@dataclass
class ThrowawayPostgres:
    """A PostgreSQL cluster of its own, in a temporary folder, that a test may stop and start."""

    bindir: Path
    data: Path
    port: int
    run_as: str | None

    @property
    def url(self) -> str:
        """The URL of its ``postgres`` database."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def pg_ctl(self, *arguments: str) -> None:
        """Run pg_ctl on this cluster (as the postgres user when we are root)."""
        command = [str(self.bindir / "pg_ctl"), "-D", str(self.data), "-w", *arguments]
        subprocess.run(  # noqa: S603  (a fixed command)
            command, check=True, capture_output=True, timeout=60, user=self.run_as
        )

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.data} -c fsync=off"
        self.pg_ctl("-l", str(self.data / "server.log"), "-o", options, "start")

    def stop(self) -> None:
        """Stop the server at once (fast shutdown: open sessions are cut)."""
        self.pg_ctl("-m", "fast", "stop")


@contextmanager
def throwaway_postgres() -> Iterator[ThrowawayPostgres]:
    """Create, start and finally delete a PostgreSQL cluster on a free port."""
    initdb = Path(require_binary("initdb", "/usr/lib/postgresql/*/bin/initdb"))
    run_as = "postgres" if os.geteuid() == 0 else None  # initdb refuses to run as root
    folder = Path(tempfile.mkdtemp(prefix="proof-postgres-"))
    if run_as:
        shutil.chown(folder, user=run_as)
    cluster = ThrowawayPostgres(initdb.parent, folder / "data", free_port(), run_as)
    try:
        subprocess.run(  # noqa: S603  (a fixed command)
            [str(initdb), "-D", str(cluster.data), "-U", "postgres", "-A", "trust", "-N"],
            check=True,
            capture_output=True,
            timeout=120,
            user=run_as,
        )
        cluster.start()
        yield cluster
    finally:
        if (cluster.data / "postmaster.pid").exists():
            # A stale pid file means it was not running after all; the folder goes either way.
            with suppress(subprocess.CalledProcessError):
                cluster.pg_ctl("-m", "immediate", "stop")
        shutil.rmtree(folder, ignore_errors=True)


@dataclass
class ThrowawayRedis:
    """A redis-server of its own, without persistence, that a test may stop and start."""

    binary: str
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Its URL, database 0."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start the server and wait until it answers."""
        command = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(  # noqa: S603  (a fixed command)
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )

        def answers() -> bool:
            with socket.socket() as probe:
                return probe.connect_ex(("127.0.0.1", self.port)) == 0

        wait_for(answers, seconds=START_SECONDS, what="redis-server")

    def stop(self) -> None:
        """Stop the server."""
        if self.process is not None:
            stop(self.process)
            self.process = None


@contextmanager
def throwaway_redis() -> Iterator[ThrowawayRedis]:
    """Start and finally stop a redis-server on a free port."""
    server = ThrowawayRedis(require_binary("redis-server"), free_port())
    try:
        server.start()
        yield server
    finally:
        server.stop()
