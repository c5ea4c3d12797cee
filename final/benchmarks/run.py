"""Measure the final app under gunicorn against a bare Flask route, and write benchmarks/latest.md.

Run from final/ (``make bench`` does): ``python benchmarks/run.py [--duration 10]``. With
TEST_DATABASE_URL and TEST_REDIS_URL set, the app runs its production configuration on them (in a
schema and a Redis database of its own); otherwise the development configuration with debug off,
on a SQLite file and in-memory cache and limits. Every row is measured twice: with plain,
identical gunicorn flags for every server (2 sync workers, no configuration file), which is what
the targets are set for, and with gunicorn.conf.py as production runs it. One load generator,
outside the servers, drives every row: wrk when it is on PATH, else a Python generator in its own
processes. Before the servers start, the request path is measured in process, layer by layer
(benchmarks/layers.py), with the Redis round trips and SQL statements each request makes.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import io
import json
import multiprocessing
import os
import platform
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

FINAL = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(FINAL))

# The same throwaway schema and leased Redis database the test suite uses, so runs never collide,
# and the proofs' helpers for ports, migrations and stopping a server.
from tests.isolation import leased_redis_database, postgres_schema  # noqa: E402
from tests.served import free_port, migrated_app, stop  # noqa: E402

from app.signing_keys import generate_key, private_pem  # noqa: E402

BOOKS = 200
AUTHORS = 40
LIST = "/api/v1/books?per_page=20"
BUST_HEADER = "X-Bench-Bust"
# The production limits would refuse a benchmark; the limiter still counts every request.
UNREACHABLE_LIMIT = "100000000 per minute"
LIBRARIES = (
    "flask",
    "werkzeug",
    "sqlalchemy",
    "flask-sqlalchemy",
    "marshmallow",
    "flask-caching",
    "flask-limiter",
    "flask-jwt-extended",
    "gunicorn",
    "psycopg",
    "redis",
)
# (row, minimum ratio to the bare route) per backend and server set; rows not named have none.
TARGETS = {
    ("plain", "embedded"): {"cached list": 0.75, "single book": 0.75, "uncached list": 0.35},
    ("plain", "services"): {"cached list": 0.6},
    ("production", "embedded"): {"cached list": 0.75, "uncached list": 0.4, "single book": 0.6},
    ("production", "services"): {"cached list": 0.6, "uncached list": 0.3},
}
# Plain flags: the same for the bare app and the real one, nothing tuned.
PLAIN_WORKERS = 2


@dataclass(frozen=True)
class ServerSet:
    """How gunicorn runs both servers: plain identical flags, or the production configuration."""

    name: str
    label: str
    arguments: tuple[str, ...]


SERVER_SETS = (
    ServerSet(
        "plain",
        f"plain flags for both apps: {PLAIN_WORKERS} sync workers, no configuration file",
        ("--workers", str(PLAIN_WORKERS), "--worker-class", "sync"),
    ),
    ServerSet("production", "gunicorn.conf.py as production runs it", ("-c", "gunicorn.conf.py")),
)


@dataclass(frozen=True)
class Row:
    """One measured scenario: what was sent, and what came back."""

    name: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int


@dataclass(frozen=True)
class Scenario:
    """What a row sends: a path and headers, or the borrow-and-return loop."""

    name: str
    base_url: str
    path: str = "/"
    headers: tuple[tuple[str, str], ...] = ()
    loans_of_book: int | None = None


@dataclass(frozen=True)
class Backend:
    """Where the app keeps its data, and the environment that says so."""

    name: str
    label: str
    environment: dict[str, str]
    database_url: str


# --- backends ----------------------------------------------------------------------------------


@contextmanager
def chosen_backend(scratch: Path) -> Iterator[Backend]:
    """PostgreSQL + Redis when both test URLs are set, else SQLite and memory."""
    secrets_env = {
        "SECRET_KEY": secrets.token_urlsafe(48),
        "JWT_SECRET_KEY": secrets.token_urlsafe(48),
        "JWT_PRIVATE_KEY": private_pem(generate_key()),
        "FLASK_SKIP_DOTENV": "1",
        "METRICS_ENABLED": "0",
        "LOG_LEVEL": "INFO",
        "RATELIMIT_DEFAULT": UNREACHABLE_LIMIT,
    }
    database_url = os.environ.get("TEST_DATABASE_URL", "")
    redis_url = os.environ.get("TEST_REDIS_URL", "")
    if database_url.startswith("postgres") and redis_url:
        with (
            postgres_schema(database_url, prefix="bench") as in_schema,
            leased_redis_database(redis_url) as leased,
        ):
            environment = {
                **secrets_env,
                "APP_CONFIG": "production",
                "DATABASE_URL": in_schema,
                "REDIS_URL": leased,
            }
            yield Backend(
                "services", "PostgreSQL + Redis (production config)", environment, in_schema
            )
        return
    sqlite_url = f"sqlite:///{scratch / 'bench.db'}"
    environment = {**secrets_env, "APP_CONFIG": "development", "DATABASE_URL": sqlite_url}
    yield Backend(
        "embedded", "SQLite + memory (development config, debug off)", environment, sqlite_url
    )


def seed(backend: Backend, connections: int) -> tuple[int, list[str]]:
    """Migrate and fill the database; return a book id and one access token per connection."""
    from app.services import auth, authors, books, users

    with (
        migrated_app(backend.database_url, backend.environment) as app,
        app.app_context(),
    ):
        author_ids = [
            authors.create_author(name=f"Author {n}", birth_year=1800 + n).id
            for n in range(AUTHORS)
        ]
        first = None
        for number in range(BOOKS):
            book = books.create_book(
                title=f"Book {number}",
                isbn=isbn13(number),
                author_id=author_ids[number % AUTHORS],
                published_year=1850 + number % 150,
                copies_total=connections * 2,
            )
            first = first or book.id
        tokens = [
            auth.issue_tokens(
                users.create_user(
                    email=f"reader{n}@example.org",
                    password="a-long-password",  # noqa: S106  (throwaway benchmark readers)
                    name=f"R{n}",
                )
            ).access_token
            for n in range(connections)
        ]
    assert first is not None
    return first, tokens


def isbn13(number: int) -> str:
    """A valid ISBN-13 built from ``number``."""
    twelve = f"978{number:09d}"
    weighted = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(twelve))
    return twelve + str((10 - weighted % 10) % 10)


# --- servers -----------------------------------------------------------------------------------


@contextmanager
def gunicorn(
    app: str, environment: Mapping[str, str], log: Path, servers: ServerSet
) -> Iterator[str]:
    """Serve ``app`` (module:variable) as ``servers`` says, on a free port; yield its URL."""
    port = free_port()
    env = {**os.environ, **environment, "GUNICORN_BIND": f"127.0.0.1:{port}"}
    for name in ("TEST_DATABASE_URL", "TEST_REDIS_URL", "PROMETHEUS_MULTIPROC_DIR"):
        env.pop(name, None)
    command = [sys.executable, "-m", "gunicorn", *servers.arguments, "--no-control-socket"]
    command += ["--bind", f"127.0.0.1:{port}", "--pythonpath", "benchmarks", app]
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603  (a fixed command)
            command, cwd=FINAL, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while not answers(url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.1)
        yield url
    finally:
        stop(process)


def answers(url: str) -> bool:
    """True when the server answers /healthz (the bare app answers 404 there, which is enough)."""
    connection = http.client.HTTPConnection(url.removeprefix("http://"), timeout=2)
    try:
        connection.request("GET", "/healthz")
        connection.getresponse().read()
    except OSError:
        return False
    finally:
        connection.close()
    return True


# --- load generators ---------------------------------------------------------------------------


def run_wrk(scenario: Scenario, seconds: float, connections: int, tokens_file: Path) -> Row:
    """Drive ``scenario`` with wrk, one thread per connection, and read its report."""
    command = ["wrk", "-t", str(connections), "-c", str(connections), "-d", f"{seconds:g}s"]
    command += ["--latency", "--timeout", "10s"]
    for name, value in scenario.headers:
        command += ["-H", f"{name}: {value}"]
    if scenario.loans_of_book is not None:
        script = str(FINAL / "benchmarks" / "loans.lua")
        command += [
            "-s",
            script,
            scenario.base_url,
            "--",
            str(tokens_file),
            str(scenario.loans_of_book),
        ]
    else:
        command.append(scenario.base_url + scenario.path)
    output = subprocess.run(  # noqa: S603  (a fixed command)
        command, capture_output=True, text=True, check=True, timeout=seconds + 60
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
    errors += sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    if statuses := re.search(r"^statuses (.*)$", output, re.M):
        print(f"  {scenario.name}: answers by status {statuses.group(1)}", flush=True)
    return Row(
        scenario.name, rate, wrk_percentile(output, "50"), wrk_percentile(output, "99"), errors
    )


def wrk_percentile(output: str, percent: str) -> float:
    """A latency percentile from wrk's --latency table, in milliseconds."""
    value, unit = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def python_client(job: tuple[Scenario, float, str]) -> tuple[list[float], int]:
    """One generator process: a keep-alive connection sending requests until the deadline."""
    scenario, deadline, token = job
    host = scenario.base_url.removeprefix("http://")
    connection = http.client.HTTPConnection(host, timeout=10)
    latencies: list[float] = []
    errors = 0
    headers = dict(scenario.headers)
    loan: str | None = None
    while time.monotonic() < deadline:
        method, path, body = "GET", scenario.path, None
        if scenario.loans_of_book is not None:
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            method = "POST"
            path = f"/api/v1/loans/{loan}/return" if loan else "/api/v1/loans"
            body = None if loan else json.dumps({"book_id": scenario.loans_of_book})
        started = time.perf_counter()
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        payload = response.read()
        latencies.append(time.perf_counter() - started)
        if response.status >= 300:
            errors += 1
        if scenario.loans_of_book is not None:
            loan = str(json.loads(payload)["id"]) if not loan and response.status == 201 else None
    connection.close()
    return latencies, errors


def run_python(scenario: Scenario, seconds: float, tokens: list[str]) -> Row:
    """Drive ``scenario`` from one process per connection and merge their latencies."""
    deadline = time.monotonic() + seconds
    jobs = [(scenario, deadline, token) for token in tokens]
    with multiprocessing.get_context("spawn").Pool(len(jobs)) as pool:
        # Spawning takes a moment: count from when the first process can send, not from now.
        results = pool.map(python_client, jobs)
    latencies = sorted(value for result in results for value in result[0])
    errors = sum(result[1] for result in results)
    elapsed = seconds
    quantiles = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return Row(
        scenario.name, len(latencies) / elapsed, quantiles[49] * 1000, quantiles[98] * 1000, errors
    )


# --- report ------------------------------------------------------------------------------------


def machine() -> list[str]:
    """Cores, CPU model and memory of this machine."""
    model = platform.processor() or platform.machine()
    memory = "unknown"
    cpuinfo, meminfo = Path("/proc/cpuinfo"), Path("/proc/meminfo")
    if cpuinfo.is_file():
        found = re.search(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), re.M)
        model = found.group(1) if found else model
    if meminfo.is_file():
        found = re.search(r"^MemTotal:\s+(\d+) kB", meminfo.read_text(), re.M)
        memory = f"{int(found.group(1)) / 1024**2:.1f} GiB" if found else memory
    return [f"{os.cpu_count()} cores", model, f"{memory} memory", platform.platform()]


def versions() -> str:
    """Python's version and the key libraries'."""
    found = []
    for name in LIBRARIES:
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            continue
    return f"Python {platform.python_version()}; " + ", ".join(found)


def table(rows: list[Row], backend: Backend, servers: ServerSet) -> list[str]:
    """The rows as a Markdown table, each rate also as a ratio to the bare route."""
    bare = rows[0].requests_per_second
    targets = TARGETS[servers.name, backend.name]
    lines = [
        "| row | requests/s | ratio to bare | p50 ms | p99 ms | non-2xx/errors | target |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        ratio = row.requests_per_second / bare if bare else 0.0
        goal = targets.get(row.name)
        verdict = "" if goal is None else f"≥ {goal:.2f} {'met' if ratio >= goal else 'MISSED'}"
        lines.append(
            f"| {row.name} | {row.requests_per_second:,.0f} | {ratio:.2f} | {row.p50_ms:.2f}"
            f" | {row.p99_ms:.2f} | {row.errors} | {verdict} |"
        )
    return lines


def write_section(output: Path, backend: Backend, body: list[str]) -> None:
    """Replace this backend's section of ``output`` (between markers), keeping everything else."""
    start, end = f"<!-- bench:{backend.name} -->", f"<!-- /bench:{backend.name} -->"
    section = "\n".join([start, *body, end])
    text = (
        output.read_text()
        if output.is_file()
        else "# Benchmark: the final app against a bare Flask route\n"
    )
    if start in text and end in text:
        text = text[: text.index(start)] + section + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    output.write_text(text)


def profile(base_env: Mapping[str, str], requests: int) -> None:
    """Profile the uncached and cached list in-process with pyinstrument, and print the trees."""
    from pyinstrument import Profiler

    saved = dict(os.environ)
    os.environ.update(base_env)
    try:
        sys.path.insert(0, str(FINAL / "benchmarks"))
        from bench_wsgi import app
    finally:
        os.environ.clear()
        os.environ.update(saved)
    client = app.test_client()
    for name, headers in (("uncached list", {BUST_HEADER: "1"}), ("cached list", {})):
        client.get(LIST, headers=headers)
        profiler = Profiler(interval=0.0005)
        with profiler:
            for _ in range(requests):
                client.get(LIST, headers=headers)
        print(f"\n=== {name}: {requests} requests in process ===")
        print(profiler.output_text(unicode=True, color=False, show_all=False))


def in_process(backend: Backend, requests: int, rounds: int) -> list[str]:
    """The layer-by-layer table and the round trips per request, measured in process."""
    sys.path.insert(0, str(FINAL / "benchmarks"))
    import layers

    # Metrics are one of the layers: on here, whatever the servers below run with.
    base = {**backend.environment, "METRICS_ENABLED": "1"}
    with contextlib.redirect_stderr(io.StringIO()):
        timings = layers.measure(base, requests, rounds)
        app = layers.build(base, None)
        split = layers.view_split(app, requests, rounds)
        found = layers.round_trips(app)
    return [
        "### In process: what each layer adds to a request",
        "",
        f"Flask's test client, CPU µs per request, best of {rounds} rounds of {requests} requests;"
        " each layer's figure is the whole request minus the request with that layer off.",
        "",
        *layers.layer_table(timings),
        "",
        *layers.view_table(timings, split),
        "",
        *layers.round_trips_table(found),
        "",
        layers.trips_verdict(found),
    ]


def measure_rows(
    servers: ServerSet,
    backend: Backend,
    scratch: Path,
    book_id: int | str,
    phases: list[list[str]],
    options: argparse.Namespace,
    generator: str,
) -> list[Row]:
    """Serve both apps as ``servers`` says and measure every row, each keeping its best round."""
    tokens_files = [scratch / f"{servers.name}-readers-{n}.txt" for n in range(len(phases))]
    for phase, path in zip(phases, tokens_files, strict=True):
        path.write_text("\n".join(phase) + "\n")
    with ExitStack() as stack:
        log = scratch / f"{servers.name}-bare.log"
        bare = stack.enter_context(gunicorn("bare:app", backend.environment, log, servers))
        log = scratch / f"{servers.name}-app.log"
        real = stack.enter_context(gunicorn("bench_wsgi:app", backend.environment, log, servers))
        scenarios = [
            Scenario("bare route", bare),
            Scenario("cached list", real, LIST),
            Scenario("uncached list", real, LIST, ((BUST_HEADER, "1"),)),
            Scenario("single book", real, f"/api/v1/books/{book_id}"),
            Scenario("loan + return", real, loans_of_book=book_id),
        ]
        # Each round measures every row once; a row keeps its best round, which filters out the
        # moments another process on the machine took the CPU (compare ratios, not absolutes).
        best: dict[str, Row] = {}
        for round_number in range(1, options.rounds + 1):
            for scenario in scenarios:
                first = 2 * (round_number - 1)
                for seconds, phase, path in zip(
                    (options.warmup, options.duration),
                    phases[first : first + 2],
                    tokens_files[first : first + 2],
                    strict=True,
                ):
                    if generator == "wrk":
                        row = run_wrk(scenario, seconds, options.connections, path)
                    else:
                        row = run_python(scenario, seconds, phase)
                kept = best.get(row.name)
                if kept is None or row.requests_per_second > kept.requests_per_second:
                    best[row.name] = row
                print(
                    f"{servers.name}, round {round_number}, {row.name}:"
                    f" {row.requests_per_second:,.0f}/s",
                    flush=True,
                )
    return [best[scenario.name] for scenario in scenarios]


def main() -> None:
    """Measure in process, seed, serve both apps under each server set, print and record."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per row")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds before each row")
    parser.add_argument("--connections", type=int, default=8, help="concurrent connections")
    parser.add_argument("--rounds", type=int, default=3, help="measure every row this often")
    parser.add_argument("--generator", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--output", type=Path, default=FINAL / "benchmarks" / "latest.md")
    parser.add_argument("--profile", type=int, default=0, help="also profile N requests in process")
    parser.add_argument("--layer-requests", type=int, default=200, help="in process, per round")
    parser.add_argument("--layer-rounds", type=int, default=10, help="in process, rounds")
    options = parser.parse_args()
    generator = options.generator
    if generator == "auto":
        generator = "wrk" if shutil.which("wrk") else "python"

    with ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-")))
        backend = stack.enter_context(chosen_backend(scratch))
        # Fresh readers for every warm-up and measurement: one cut off between a borrow and
        # its return leaves its readers holding a loan.
        count = options.connections
        phases_per_set = 2 * options.rounds
        book_id, tokens = seed(backend, phases_per_set * count * len(SERVER_SETS))
        phases = [tokens[start : start + count] for start in range(0, len(tokens), count)]
        # In process, on the database just migrated and filled, before any server starts.
        layer_lines = in_process(backend, options.layer_requests, options.layer_rounds)
        print("\n".join(layer_lines), flush=True)
        tables: list[str] = []
        for number, servers in enumerate(SERVER_SETS):
            mine = phases[number * phases_per_set : (number + 1) * phases_per_set]
            rows = measure_rows(servers, backend, scratch, book_id, mine, options, generator)
            tables += [f"### {servers.label}", "", *table(rows, backend, servers), ""]
        if options.profile:
            profile(backend.environment, options.profile)

    workers = os.environ.get("WEB_CONCURRENCY") or str(min(2 * (os.cpu_count() or 1) + 1, 8))
    body = [
        f"## {backend.label}",
        "",
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {'; '.join(machine())}; load average {load_average()} at the end",
        f"- Versions: {versions()}",
        f"- Servers: first {SERVER_SETS[0].label}; then {SERVER_SETS[1].label}"
        f" ({workers} gthread workers x {os.environ.get('GUNICORN_THREADS', '2')} threads)",
        f"- Load: {generator}, {options.connections} connections, {options.warmup:g} s warm-up then"
        f" {options.duration:g} s per row, on the same machine; {options.rounds} rounds, each row"
        " keeps its best",
        "- Rows: `GET /` of a bare Flask app; `GET /api/v1/books?per_page=20` from the cache; the"
        " same with a new catalogue version before each request (the cache misses, as after a"
        " write); `GET /api/v1/books/{id}` (cached); `POST /api/v1/loans` then its return,"
        " per request",
        "",
        *tables,
        *layer_lines,
    ]
    print("\n".join(body))
    write_section(options.output, backend, body)
    print(f"\nWritten to {options.output.name}")


def load_average() -> str:
    """The machine's 1, 5 and 15 minute load averages (other jobs share its cores)."""
    return ", ".join(f"{value:.1f}" for value in os.getloadavg())


if __name__ == "__main__":
    main()
