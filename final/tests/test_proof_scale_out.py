"""Proof: two instances of the app behind Debian's nginx, with the shipped config, on the services.

This is how the app scales out: several gunicorn servers, none knowing of the others, behind a
reverse proxy, sharing PostgreSQL and Redis. The proof runs deploy/nginx/nginx.conf, changed only
where a test must (its ports, and its files in a temporary folder), in front of two servers, and
shows that requests spread over both, that the client's address and a request id reach the app
through the one trusted hop, that JSON is compressed, that nginx refuses large bodies in the
API's error shape, that limits and revocations hold across instances, and that a rolling restart
under steady load drops no request.

Clients connect from other loopback addresses (127.0.0.2 and up) than nginx uses (127.0.0.1),
so the address the app logs can only have come through X-Forwarded-For.
"""

from __future__ import annotations

import gzip
import http.client
import itertools
import json
import math
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from conftest import SERVER_DATABASE_URL, SERVER_REDIS_URL, bearer, isbn13, require_service
from flask import Flask
from isolation import leased_redis_database, postgres_schema
from served import (
    Answer,
    Server,
    call,
    free_port,
    gunicorn,
    is_listening,
    migrated_app,
    production_environment,
    require_binary,
    stop,
    wait_for,
)

from app.services import auth, authors, books, users

NGINX_CONF = Path(__file__).resolve().parents[1] / "deploy" / "nginx" / "nginx.conf"
ACCOUNT_LIMIT = 3
ADDRESS_LIMIT = 4
PASSWORD = "a-long-password"
# The steady load of the rolling restart: this many clients, each waiting this long between calls.
LOAD_CLIENTS = 4
LOAD_PAUSE_SECONDS = 0.02
LOAD_PATH = "/api/v1/books?per_page=5"


def replace_once(text: str, old: str, new: str) -> str:
    """``text`` with its one ``old`` replaced: fail when the shipped config no longer has it."""
    assert text.count(old) == 1, f"nginx.conf no longer has exactly one {old!r}"
    return text.replace(old, new)


def render_nginx_config(*, listen: int, upstreams: list[int], prefix: Path) -> Path:
    """The shipped config, on port ``listen`` in front of ``upstreams``, writing in ``prefix``."""
    text = NGINX_CONF.read_text().replace("/tmp/", f"{prefix}/")  # noqa: S108  (its own paths)
    text = replace_once(text, "listen 8080;", f"listen 127.0.0.1:{listen};")
    servers = "\n        ".join(
        f"server 127.0.0.1:{port} max_fails=1 fail_timeout=2s;" for port in upstreams
    )
    text = replace_once(text, "server app:8000 max_fails=1 fail_timeout=2s;", servers)
    text = replace_once(text, "access_log /dev/stdout api;", f"access_log {prefix}/access.log api;")
    path = prefix / "nginx.conf"
    path.write_text(text)
    return path


@dataclass
class ScaleOut:
    """nginx in front of two gunicorn servers, and an in-process app on their database."""

    proxy: str
    app: Flask
    environment: dict[str, str]
    log_dir: Path
    ports: list[int]
    instances: list[Server]
    stack: ExitStack
    nginx_log: Path
    counter: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def url(self, path: str) -> str:
        """The proxy's URL of ``path``."""
        return self.proxy + path

    def instance_of(self, answer: Answer) -> int | None:
        """Which instance (0 or 1) sent ``answer``, by the worker's process id."""
        for index, server in enumerate(self.instances):
            if answer.pid in server.pids_seen:
                return index
        return None

    def restart(self, index: int) -> Server:
        """SIGTERM one instance, wait for it to exit, and start it again on the same port."""
        stop(self.instances[index].process)
        server = self.stack.enter_context(
            gunicorn(self.environment, log_dir=self.log_dir, workers=1, port=self.ports[index])
        )
        self.instances[index] = server
        return server

    def app_log_lines(self, request_id: str) -> list[dict[str, Any]]:
        """The app's access lines, from every instance, for one request id."""
        lines = [
            json.loads(line)
            for server in self.instances
            for line in server.output().splitlines()
            if line.startswith("{")
        ]
        return [
            line
            for line in lines
            if line.get("logger") == "app.access" and line.get("request_id") == request_id
        ]

    def nginx_line(self, request_id: str) -> dict[str, Any]:
        """nginx's one access line for a request id (nginx writes it just after answering)."""

        def lines() -> list[dict[str, Any]]:
            text = self.nginx_log.read_text()
            found = [json.loads(line) for line in text.splitlines() if line]
            return [line for line in found if line["request_id"] == request_id]

        wait_for(lambda: bool(lines()), seconds=5, what=f"nginx's line for {request_id}")
        (line,) = lines()
        return line

    def member(self) -> tuple[str, dict[str, str]]:
        """Create a member; return the email and the Authorization header of a fresh token."""
        email = f"member{next(self.counter)}@example.org"
        with self.app.app_context():
            user = users.create_user(email=email, password=PASSWORD, name="M")
            return email, bearer(auth.issue_tokens(user).access_token)


@pytest.fixture(scope="module")
def scale_out(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScaleOut]:
    """Migrate a fresh schema, start two servers on it and nginx in front of them."""
    nginx = require_binary("nginx", "/usr/sbin/nginx")
    require_service("TEST_DATABASE_URL")
    require_service("TEST_REDIS_URL")
    log_dir = tmp_path_factory.mktemp("scale-out")
    # nginx's own folder must be readable by its workers, which drop root to nobody.
    prefix = Path(tempfile.mkdtemp(prefix="proof-nginx-"))
    prefix.chmod(0o755)
    with (
        postgres_schema(SERVER_DATABASE_URL, prefix="scaleout") as database_url,
        leased_redis_database(SERVER_REDIS_URL) as redis_url,
        ExitStack() as stack,
    ):
        environment = production_environment(database_url=database_url, redis_url=redis_url)
        environment |= {
            "PROXY_FIX_X_FOR": "1",
            "RATELIMIT_ENABLED": "true",
            "RATELIMIT_DEFAULT": "100000 per minute",
            "RATELIMIT_LOGIN_ACCOUNT": f"{ACCOUNT_LIMIT} per 10 minutes",
            "RATELIMIT_LOGIN_ADDRESS": f"{ADDRESS_LIMIT} per 10 minutes",
            # The access lines say which address the app saw.
            "LOG_LEVEL": "INFO",
        }
        app = stack.enter_context(migrated_app(database_url, environment))
        make_books(app, 12)
        ports = [free_port(), free_port()]
        instances = [
            stack.enter_context(gunicorn(environment, log_dir=log_dir, workers=1, port=port))
            for port in ports
        ]
        listen = free_port()
        config = render_nginx_config(listen=listen, upstreams=ports, prefix=prefix)
        stderr = (log_dir / "nginx-error.log").open("wb")
        stack.callback(stderr.close)
        process = subprocess.Popen(  # noqa: S603  (a fixed command)
            [nginx, "-p", str(prefix), "-c", str(config), "-e", "stderr", "-g", "daemon off;"],
            stdout=stderr,
            stderr=subprocess.STDOUT,
        )
        stack.callback(shutil.rmtree, prefix, ignore_errors=True)
        stack.callback(stop, process)
        proxy = f"http://127.0.0.1:{listen}"
        wait_for(lambda: is_listening(f"{proxy}/healthz"), seconds=10, what="nginx")
        yield ScaleOut(
            proxy, app, environment, log_dir, ports, instances, stack, prefix / "access.log"
        )


def make_books(app: Flask, count: int) -> None:
    """Enough books for a page of JSON worth compressing."""
    with app.app_context():
        author = authors.create_author(name="Mary Shelley", birth_year=1797)
        for number in range(1, count + 1):
            books.create_book(
                title=f"Frankenstein; or, The Modern Prometheus, volume {number}",
                isbn=isbn13(number),
                author_id=author.id,
                published_year=1818,
                copies_total=3,
            )


def call_from(
    source: str,
    method: str,
    url: str,
    *,
    body: Any = None,
    headers: Mapping[str, str] | None = None,
) -> Answer:
    """One request from the loopback address ``source``, so nginx sees a client of its own."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(
        parts.hostname or "", parts.port, timeout=15, source_address=(source, 0)
    )
    path = f"{parts.path}?{parts.query}" if parts.query else parts.path
    data = None if body is None else json.dumps(body).encode()
    sent = dict(headers or {})
    if data is not None:
        sent["Content-Type"] = "application/json"
    started = time.monotonic()
    try:
        connection.request(method, path, body=data, headers=sent)
        response = connection.getresponse()
        return Answer(response.status, response.msg, response.read(), time.monotonic() - started)
    finally:
        connection.close()


def failed_login(scale_out: ScaleOut, source: str, email: str, **headers: str) -> Answer:
    return call_from(
        source,
        "POST",
        scale_out.url("/api/v1/auth/login"),
        body={"email": email, "password": "not-the-password"},
        headers=headers,
    )


def test_requests_spread_over_both_instances(scale_out: ScaleOut) -> None:
    answers = [call("GET", scale_out.url("/healthz")) for _ in range(12)]
    assert {answer.status for answer in answers} == {200}
    assert {scale_out.instance_of(answer) for answer in answers} == {0, 1}


def test_the_app_sees_the_real_client_and_ignores_a_spoofed_forwarded_for(
    scale_out: ScaleOut,
) -> None:
    answer = call_from(
        "127.0.0.2",
        "GET",
        scale_out.url("/api/v1/books/999999"),
        headers={"X-Forwarded-For": "203.0.113.7"},
    )
    assert answer.status == 404
    (line,) = scale_out.app_log_lines(answer.headers["X-Request-ID"])
    assert line["remote_addr"] == "127.0.0.2"


def test_the_address_limit_counts_the_real_client_whatever_it_claims(
    scale_out: ScaleOut,
) -> None:
    source = "127.0.0.4"
    answers = [
        failed_login(
            scale_out, source, f"nobody{n}@example.org", **{"X-Forwarded-For": f"203.0.113.{n}"}
        )
        for n in range(ADDRESS_LIMIT + 1)
    ]
    assert [answer.status for answer in answers] == [401] * ADDRESS_LIMIT + [429]
    assert {scale_out.instance_of(answer) for answer in answers} == {0, 1}


def test_the_account_limit_holds_across_instances(scale_out: ScaleOut) -> None:
    email, _ = scale_out.member()
    answers = [failed_login(scale_out, "127.0.0.3", email) for _ in range(ACCOUNT_LIMIT)]
    assert [answer.status for answer in answers] == [401] * ACCOUNT_LIMIT
    assert {scale_out.instance_of(answer) for answer in answers} == {0, 1}
    right = call_from(
        "127.0.0.3",
        "POST",
        scale_out.url("/api/v1/auth/login"),
        body={"email": email, "password": PASSWORD},
    )
    assert right.status == 429
    assert right.json["code"] == "rate_limited"


def test_a_revoked_token_is_refused_by_every_instance(scale_out: ScaleOut) -> None:
    _, headers = scale_out.member()
    before = [call("GET", scale_out.url("/api/v1/auth/me"), headers=headers) for _ in range(4)]
    assert {answer.status for answer in before} == {200}
    signed_out = call("POST", scale_out.url("/api/v1/auth/logout"), headers=headers)
    assert signed_out.status == 204
    after = [call("GET", scale_out.url("/api/v1/auth/me"), headers=headers) for _ in range(6)]
    assert {answer.status for answer in after} == {401}
    assert {scale_out.instance_of(answer) for answer in after} == {0, 1}


def test_nginx_makes_a_request_id_that_travels_end_to_end(scale_out: ScaleOut) -> None:
    answer = call("GET", scale_out.url("/api/v1/books/999999"))
    request_id = answer.headers["X-Request-ID"]
    assert len(request_id) == 32
    assert int(request_id, 16) >= 0  # nginx's $request_id: 32 hexadecimal digits
    assert answer.json["request_id"] == request_id
    assert len(scale_out.app_log_lines(request_id)) == 1
    assert scale_out.nginx_line(request_id)["status"] == 404


def test_a_request_id_from_the_client_is_kept(scale_out: ScaleOut) -> None:
    answer = call(
        "GET", scale_out.url("/api/v1/books/999999"), headers={"X-Request-ID": "checkout-42"}
    )
    assert answer.headers["X-Request-ID"] == "checkout-42"
    assert answer.json["request_id"] == "checkout-42"
    assert scale_out.nginx_line("checkout-42")["status"] == 404


def test_json_is_compressed_for_clients_that_accept_gzip(scale_out: ScaleOut) -> None:
    plain = call("GET", scale_out.url("/api/v1/books?per_page=12"))
    compressed = call(
        "GET", scale_out.url("/api/v1/books?per_page=12"), headers={"Accept-Encoding": "gzip"}
    )
    assert plain.headers.get("Content-Encoding") is None
    assert compressed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in compressed.headers["Vary"]
    assert json.loads(gzip.decompress(compressed.body)) == plain.json
    assert len(compressed.body) < len(plain.body) / 2


def announcing_a_large_body(url: str) -> Answer:
    """POST headers that announce a 2 MB JSON body, and read the answer without sending it.

    nginx and the app refuse a body by its Content-Length before reading any of it, and close
    the connection: a client still sending the body then fails with a broken pipe, now and then.
    """
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=15)
    started = time.monotonic()
    try:
        connection.putrequest("POST", parts.path)
        connection.putheader("Content-Type", "application/json")
        connection.putheader("Content-Length", str(2 * 1024 * 1024))
        connection.endheaders()
        response = connection.getresponse()
        return Answer(response.status, response.msg, response.read(), time.monotonic() - started)
    finally:
        connection.close()


def test_nginx_refuses_a_large_body_in_the_apis_error_shape(scale_out: ScaleOut) -> None:
    answer = announcing_a_large_body(scale_out.url("/api/v1/auth/login"))
    assert answer.status == 413
    assert answer.headers["Content-Type"] == "application/json"
    request_id = answer.headers["X-Request-ID"]
    assert answer.json["request_id"] == request_id
    # nginx answered on its own: no instance saw the request.
    assert scale_out.app_log_lines(request_id) == []
    assert scale_out.nginx_line(request_id)["upstream"] == ""
    # The same answer as the app's own, which an instance gives when asked directly.
    direct = announcing_a_large_body(scale_out.instances[0].url + "/api/v1/auth/login")
    assert direct.status == 413
    assert set(answer.json) == set(direct.json) == {"code", "message", "details", "request_id"}
    for key in ("code", "message", "details"):
        assert answer.json[key] == direct.json[key]


@dataclass
class SteadyLoad:
    """A few clients calling the proxy in a loop until told to stop; each call is recorded."""

    url: str
    seconds: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    pids: set[str] = field(default_factory=set)
    stopping: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def client(self) -> None:
        """Call, record, pause, until stopped."""
        while not self.stopping.is_set():
            try:
                answer = call("GET", self.url, timeout=15)
            except OSError as error:
                with self.lock:
                    self.failures.append(repr(error))
            else:
                with self.lock:
                    self.seconds.append(answer.seconds)
                    self.pids.add(str(answer.pid))
                    if answer.status != 200:
                        self.failures.append(f"{answer.status} {answer.body[:200]!r}")
            time.sleep(LOAD_PAUSE_SECONDS)

    def p99(self) -> float:
        """The 99th percentile of the recorded durations, in seconds."""
        ordered = sorted(self.seconds)
        return ordered[max(0, math.ceil(0.99 * len(ordered)) - 1)]


def test_a_rolling_restart_under_load_drops_no_request(
    scale_out: ScaleOut,
    capsys: pytest.CaptureFixture[str],
    record_property: Callable[[str, object], None],
) -> None:
    """Restart one instance, then the other, while clients keep calling: every call succeeds.

    This test restarts the servers, so it comes last in this module.
    """
    load = SteadyLoad(scale_out.url(LOAD_PATH))
    clients = [threading.Thread(target=load.client) for _ in range(LOAD_CLIENTS)]
    for thread in clients:
        thread.start()
    started = time.monotonic()
    try:
        time.sleep(1)
        for index in (0, 1):
            server = scale_out.restart(index)
            # Like a readiness probe: the next instance stops only once this one takes traffic.
            wait_for(
                lambda server=server: bool(server.pids_seen & load.pids),
                seconds=15,
                what=f"traffic on the restarted instance {index}",
            )
        time.sleep(1)
    finally:
        load.stopping.set()
        for thread in clients:
            thread.join(timeout=30)
    elapsed = time.monotonic() - started
    requests = len(load.seconds) + len(
        [failure for failure in load.failures if not failure[0].isdigit()]
    )
    figures = (
        f"rolling restart of 2 instances behind nginx: {requests} requests in "
        f"{elapsed:.1f} s, {len(load.failures)} errors, p99 {load.p99() * 1000:.0f} ms"
    )
    # Printed for a run of this file, and recorded for `workshop verify` to print with its result.
    record_property("figures", figures)
    with capsys.disabled():
        print(f"\n{figures}")
    assert requests > 50, "the load was too thin to show anything"
    assert load.failures == []
