"""What each layer of the request path costs, measured in process by switching it off.

Every request of the final app passes through layers registered as Flask hooks: request ids, the
input guard, the rate limiter, CORS, metrics, the access line, the security headers. This script
builds the app once per variant, with one layer's hooks taken out (or its switch turned off), and
times ``/healthz``, a cached read and the same read right after a write with Flask's test client
against a bare Flask route. It counts CPU time, not wall time, so another process on the machine
moves the figures less; each variant keeps its best of several rounds.

It also counts the round trips one request makes, as the figures above cannot show them: SQL
statements (SQLAlchemy's ``before_cursor_execute`` event) and Redis commands or pipelines (each
write redis-py makes to its socket, counted by wrapping ``send_packed_command`` here only).

Run it from final/: ``python benchmarks/layers.py`` (``make bench`` runs it and records the table).
"""

from __future__ import annotations

import argparse
import io
import math
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, redirect_stderr
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest.mock import patch

import redis.connection
from flask import Flask
from sqlalchemy import event

FINAL = Path(__file__).resolve().parent.parent
LIST = "/api/v1/books?per_page=20"
HEALTH = "/healthz"
# Not a path: the list timed with a new catalogue version before each request, as after a write,
# so every request misses the cache (the served benchmark's uncached row does the same).
UNCACHED_LIST = "uncached list"
# The limiter still counts every request, but never refuses one (as in run.py).
UNREACHABLE_LIMIT = "100000000 per minute"
# In process, at most this many times the bare route's CPU time per request.
TARGETS = {HEALTH: 1.5, LIST: 2.5}
# At most this many Redis round trips for a cached read.
REDIS_TARGET = 2


@dataclass(frozen=True)
class Layer:
    """A layer of the request path: the modules whose hooks make it, or the switch that stops it."""

    name: str
    modules: tuple[str, ...] = ()
    environment: Mapping[str, str] = field(default_factory=dict)


LAYERS = (
    Layer("request id", ("app.request_id",)),
    Layer("input guard", ("app.input_guard", "app.nul_guard")),
    Layer("rate limiter", environment={"RATELIMIT_ENABLED": "false"}),
    Layer("CORS", ("flask_cors.extension",)),
    Layer("metrics", environment={"METRICS_ENABLED": "false"}),
    Layer("access line", ("app.logging_setup",)),
    Layer("security headers", ("app.security_headers",)),
)


@contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for the block, then put the old values back."""
    saved = dict(os.environ)
    os.environ.update(values)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def without_hooks(app: Flask, modules: tuple[str, ...]) -> None:
    """Take out every before/after-request hook defined in one of ``modules``."""
    for registry in (app.before_request_funcs, app.after_request_funcs):
        for scope, hooks in registry.items():
            registry[scope] = [hook for hook in hooks if hook.__module__ not in modules]


def build(base: Mapping[str, str], layer: Layer | None) -> Flask:
    """The final app as the benchmark serves it, with ``layer`` switched off (None: all on)."""
    with environment({**base, **(layer.environment if layer else {})}):
        sys.path.insert(0, str(FINAL))
        from app import create_app
        from app.extensions import db
        from app.services.seed import seed_database

        app = create_app()
        app.debug = False
        with app.app_context():
            db.create_all()
            seed_database()
    if layer is not None:
        without_hooks(app, layer.modules)
    return app


def cpu_microseconds(app: Flask, path: str, requests: int) -> float:
    """CPU time per request of ``requests`` GETs of ``path``, after one to warm the cache.

    For ``UNCACHED_LIST``, each GET of the list follows a new catalogue version, whose cost is
    counted with the request's, as a write's would be.
    """
    from app.caching import invalidate_catalog

    client = app.test_client()
    uncached = path == UNCACHED_LIST
    url = LIST if uncached else path
    client.get(url)
    started = time.process_time()
    for _ in range(requests):
        if uncached:
            with app.app_context():
                invalidate_catalog()
        client.get(url)
    return (time.process_time() - started) / requests * 1e6


@dataclass
class Timings:
    """Best CPU microseconds per request of each variant, per path."""

    best: dict[tuple[str, str], float] = field(default_factory=dict)

    def keep(self, variant: str, path: str, value: float) -> None:
        """Remember ``value`` when it beats the variant's best so far."""
        key = (variant, path)
        self.best[key] = min(self.best.get(key, value), value)

    def __getitem__(self, key: tuple[str, str]) -> float:
        return self.best[key]


def measure(base: Mapping[str, str], requests: int, rounds: int) -> Timings:
    """Time the bare route, the whole app and the app without each layer, ``rounds`` times."""
    sys.path.insert(0, str(FINAL / "benchmarks"))
    from bare import app as bare_app

    variants: dict[str, Callable[[], Any]] = {"all layers": lambda: build(base, None)}
    for layer in LAYERS:
        variants[f"without {layer.name}"] = lambda layer=layer: build(base, layer)
    apps = {name: make() for name, make in variants.items()}
    timings = Timings()
    # The access line goes to stderr: keep the terminal for the results.
    with redirect_stderr(io.StringIO()):
        for _ in range(rounds):
            timings.keep("bare route", "/", cpu_microseconds(bare_app, "/", requests))
            for name, app in apps.items():
                for path in (HEALTH, LIST):
                    timings.keep(name, path, cpu_microseconds(app, path, requests))
            # A layer's share of a 2 ms request is within the noise: time the whole one only.
            whole = cpu_microseconds(apps["all layers"], UNCACHED_LIST, requests)
            timings.keep("all layers", UNCACHED_LIST, whole)
    return timings


def view_split(app: Flask, requests: int, rounds: int) -> dict[str, float]:
    """CPU µs per uncached list request: in all, in its two statements and in its dump.

    The parts are timed inside real requests: the service call and the dump are wrapped, for the
    measurement only, with a timer that adds up the CPU time spent in them. The round whose
    requests took least in all is kept, as the other tables keep their best.
    """
    from app.blueprints.books import routes

    spent = {"the two statements (the count and the page)": 0.0, "the dump (marshmallow)": 0.0}

    def timed(part: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                spent[part] += time.process_time() - started

        return wrapper

    statements, serialisation = spent
    best: dict[str, float] = {"in all": math.inf}
    with (
        patch.object(routes.books, "list_books", timed(statements, routes.books.list_books)),
        patch.object(routes, "dump", timed(serialisation, routes.dump)),
    ):
        for _ in range(rounds):
            for part in spent:
                spent[part] = 0.0
            whole = cpu_microseconds(app, UNCACHED_LIST, requests)
            if whole < best["in all"]:
                # cpu_microseconds made one request more, to warm up, than it divides by.
                parts = {part: seconds / (requests + 1) * 1e6 for part, seconds in spent.items()}
                best = {"in all": whole, **parts}
    return best


def view_table(timings: Timings, split: dict[str, float]) -> list[str]:
    """The Markdown table: where the list right after a write spends its time."""
    bare = timings["bare route", "/"]
    whole = split["in all"]
    parts = {part: value for part, value in split.items() if part != "in all"}
    rows = ["| the uncached list, per request | CPU µs | x bare |", "|---|---:|---:|"]
    rows += [f"| {part} | {value:.0f} | {value / bare:.2f} |" for part, value in parts.items()]
    rest = whole - sum(parts.values())
    rows += [
        f"| everything else: the layers, the JSON answer, storing it | {rest:.0f}"
        f" | {rest / bare:.2f} |",
        f"| **in all** (rounds of their own, with the parts timed) | **{whole:.0f}**"
        f" | {whole / bare:.2f} |",
    ]
    return rows


@dataclass(frozen=True)
class RoundTrips:
    """What one request sent to the database and to Redis."""

    row: str
    sql_statements: int
    redis_round_trips: int


@contextmanager
def counted_round_trips() -> Iterator[list[int]]:
    """Count, for the block, SQL statements and Redis writes: yields [statements, redis]."""
    from app.extensions import db

    counts = [0, 0]
    send = redis.connection.AbstractConnection.send_packed_command

    def count_statement(_connection: object, _cursor: object, statement: str, *_: object) -> None:
        # SQLite's transactions start with our own BEGIN (see extensions.py): not a query.
        if not statement.startswith("BEGIN"):
            counts[0] += 1

    def counted_send(
        connection: redis.connection.AbstractConnection, command: Any, check_health: bool = True
    ) -> None:
        counts[1] += 1
        send(connection, command, check_health)

    event.listen(db.engine, "before_cursor_execute", count_statement)
    redis.connection.AbstractConnection.send_packed_command = counted_send  # type: ignore[method-assign]
    try:
        yield counts
    finally:
        redis.connection.AbstractConnection.send_packed_command = send  # type: ignore[method-assign]
        event.remove(db.engine, "before_cursor_execute", count_statement)


def round_trips(app: Flask) -> list[RoundTrips]:
    """The round trips of a cached list, the list right after a write, and a cached book."""
    from app.caching import invalidate_catalog

    client = app.test_client()
    book = client.get(LIST).get_json()["items"][0]["id"]
    found = []
    for row, path, bust in (
        ("cached list", LIST, False),
        ("uncached list", LIST, True),
        ("single book", f"/api/v1/books/{book}", False),
    ):
        client.get(path)  # warm: the cache holds the answer, the limiter its script
        with app.app_context():
            if bust:
                invalidate_catalog()  # as a write does, before the read is counted
            with counted_round_trips() as counts:
                client.get(path)
        found.append(RoundTrips(row, *counts))
    return found


def round_trips_table(found: list[RoundTrips]) -> list[str]:
    """The Markdown table of round trips per request."""
    rows = ["| request | SQL statements | Redis round trips |", "|---|---:|---:|"]
    rows += [f"| {t.row} | {t.sql_statements} | {t.redis_round_trips} |" for t in found]
    return rows


def layer_table(timings: Timings) -> list[str]:
    """The Markdown table: what each layer costs on /healthz and on the cached list."""
    bare = timings["bare route", "/"]
    health, cached = timings["all layers", HEALTH], timings["all layers", LIST]
    rows = [
        "| layer | µs on /healthz | µs on the cached list |",
        "|---|---:|---:|",
    ]
    for layer in LAYERS:
        saved_health = health - timings[f"without {layer.name}", HEALTH]
        saved_list = cached - timings[f"without {layer.name}", LIST]
        rows.append(f"| {layer.name} | {saved_health:.0f} | {saved_list:.0f} |")
    rows += [
        f"| **whole request** | **{health:.0f}** ({health / bare:.2f}x bare) "
        f"| **{cached:.0f}** ({cached / bare:.2f}x bare) |",
        f"| bare Flask route | {bare:.0f} | {bare:.0f} |",
        "",
    ]
    for path, goal in TARGETS.items():
        ratio = timings["all layers", path] / bare
        verdict = "met" if ratio <= goal else f"MISSED by {ratio - goal:.2f}x"
        rows.append(f"- `{path}` takes {ratio:.2f}x the bare route: target ≤ {goal}x, {verdict}")
    uncached = timings["all layers", UNCACHED_LIST]
    rows.append(
        f"- The list right after a write takes {uncached / bare:.2f}x the bare route:"
        f" {uncached - cached:.0f} µs more than the cached list, for the view's work, its answer"
        " and storing it (the next table)"
    )
    return rows


def trips_verdict(found: list[RoundTrips]) -> str:
    """Whether the cached reads stay within the Redis round trips they are allowed."""
    worst = max(t.redis_round_trips for t in found if t.row != "uncached list")
    verdict = "met" if worst <= REDIS_TARGET else f"MISSED by {worst - REDIS_TARGET}"
    return (
        f"- Redis round trips per cached read: at most {worst}, target ≤ {REDIS_TARGET}, {verdict}"
    )


def main() -> None:
    """Measure and print the table of layers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500, help="requests per measurement")
    parser.add_argument("--rounds", type=int, default=5, help="rounds; each keeps its best")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="layers-") as scratch, redirect_stderr(io.StringIO()):
        base = {
            "APP_CONFIG": "development",
            "DATABASE_URL": f"sqlite:///{scratch}/layers.db",
            # The default limit would refuse most of the rounds with 429: time the answer instead.
            "RATELIMIT_DEFAULT": UNREACHABLE_LIMIT,
        }
        timings = measure(base, options.requests, options.rounds)
        app = build(base, None)
        split = view_split(app, options.requests, options.rounds)
        found = round_trips(app)
    tables = [*layer_table(timings), "", *view_table(timings, split), "", *round_trips_table(found)]
    print("\n".join(tables))


if __name__ == "__main__":
    main()
