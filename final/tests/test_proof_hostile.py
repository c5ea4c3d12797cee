"""Hostile input: SQL metacharacters, NUL bytes and 10 KB strings, then a fuzzer on a real server.

Every hostile value must earn a 4xx or a correct answer: never a 500, and never a changed row
unless the request was a write that stores the value exactly as sent. The JWT attacks (alg none,
a wrong signature, expired, refresh-as-access and back, revoked, deleted user) are proven in
test_tokens.py. The schemathesis run (positive and negative data) talks HTTP to gunicorn, with a
staff token and no limits; so do raw requests carrying the bodies that once earned a 500 (deep
JSON, lone surrogates, NUL, bad UTF-8), framed with a Content-Length and chunked.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from typing import Any
from urllib.parse import quote

import pytest
import schemathesis
from conftest import (
    SERVER_DATABASE_URL,
    SERVER_REDIS_URL,
    AuthHeaders,
    MakeAuthor,
    MakeBook,
    MakeUser,
    TokensFor,
    bearer,
    isbn13,
)
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from isolation import is_postgresql, leased_redis_database, postgres_schema
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance
from served import Server, call, gunicorn, migrated_app, production_environment
from sqlalchemy import select

from app.extensions import db
from app.models import Base
from app.services import auth, users

HOSTILE = [
    "' OR '1'='1",
    "1; DROP TABLE books; --",
    '") OR ("a"="a',
    "%",
    "_",
    "\\",
    "Robert'); DELETE FROM users; --",
    "ä😀\u202e",
    "A" * 10_240,
    "'" * 10_240,
]
EXAMPLES_PER_OPERATION = 8

Snapshot = dict[str, list[tuple[Any, ...]]]


def snapshot(app: Flask) -> Snapshot:
    """Every row of every table, in primary-key order."""
    with app.app_context():
        tables = {
            table.name: [
                tuple(row)
                for row in db.session.execute(select(table).order_by(*table.primary_key.columns))
            ]
            for table in Base.metadata.sorted_tables
        }
        db.session.remove()
    return tables


@pytest.fixture
def catalogue(make_book: MakeBook, make_author: MakeAuthor) -> dict[str, int]:
    """Two authors and three books for the hostile requests to aim at."""
    first, second = make_author(name="Mary Shelley"), make_author(name="Bram Stoker")
    return {
        "author": first,
        "book": make_book(title="Frankenstein", author_id=first),
        "other_book": make_book(title="Dracula", author_id=second),
        "third_book": make_book(title="The Last Man", author_id=first, copies=2),
    }


def assert_refused_or_answered(response: Any) -> None:
    """A 2xx, or a 4xx in the API's error shape: never a 5xx."""
    assert response.status_code < 500, response.get_data(as_text=True)[:300]
    if response.status_code >= 400:
        assert set(response.get_json()) == {"code", "message", "details", "request_id"}


QUERIES = [
    "/api/v1/books?q={}",
    "/api/v1/books?sort={}",
    "/api/v1/books?author_id={}",
    "/api/v1/books?page={}&per_page={}",
    "/api/v1/books/{}",
    "/api/v1/authors?sort={}",
    "/api/v1/authors/{}",
    "/api/v1/loans?sort={}&status={}",
    "/api/v1/users?sort={}",
    "/api/v1/users/{}",
]


@pytest.mark.parametrize("template", QUERIES)
def test_hostile_reads_are_refused_or_answered_and_change_nothing(
    app: Flask,
    client: FlaskClient,
    catalogue: dict[str, int],
    auth_headers: AuthHeaders,
    template: str,
) -> None:
    headers = auth_headers("admin")
    before = snapshot(app)
    for value in HOSTILE:
        url = template.replace("{}", quote(value, safe=""))
        assert_refused_or_answered(client.get(url, headers=headers))
    assert snapshot(app) == before


@pytest.mark.parametrize("value", ["%", "_", "\\", "' OR '1'='1"])
def test_search_treats_metacharacters_as_plain_text(
    client: FlaskClient, catalogue: dict[str, int], value: str
) -> None:
    response = client.get(f"/api/v1/books?q={quote(value)}")
    assert response.status_code == 200
    assert response.get_json()["total"] == 0


def test_hostile_bodies_are_stored_verbatim_or_refused(
    app: Flask,
    client: FlaskClient,
    catalogue: dict[str, int],
    make_user: MakeUser,
    tokens_for: TokensFor,
) -> None:
    admin = bearer(tokens_for(make_user("admin"))["access_token"])
    member = bearer(tokens_for(make_user())["access_token"])
    for number, value in enumerate(HOSTILE, start=100):
        before = snapshot(app)
        login = client.post("/api/v1/auth/login", json={"email": value, "password": value})
        assert login.status_code in {401, 422}
        borrow = client.post("/api/v1/loans", json={"book_id": value}, headers=member)
        assert borrow.status_code == 422
        assert snapshot(app) == before

        book = {"title": value, "isbn": isbn13(number), "author_id": catalogue["author"]}
        created = client.post("/api/v1/books", json=book, headers=admin)
        assert_refused_or_answered(created)
        renamed = client.patch(
            f"/api/v1/authors/{catalogue['author']}", json={"name": value}, headers=admin
        )
        assert_refused_or_answered(renamed)
        after = snapshot(app)
        if created.status_code == 201:
            assert created.get_json()["title"] == value
            assert (
                client.get(f"/api/v1/books/{created.get_json()['id']}").get_json()["title"] == value
            )
        if renamed.status_code == 200:
            assert renamed.get_json()["name"] == value
        # Only the books and authors tables may have changed, and only as those answers say.
        unchanged = {name for name in before if name not in {"books", "authors"}}
        assert {name: after[name] for name in unchanged} == {
            name: before[name] for name in unchanged
        }
        assert len(after["books"]) == len(before["books"]) + (created.status_code == 201)
        assert len(after["authors"]) == len(before["authors"])


NUL_TARGETS = [
    ("GET", "/api/v1/books?q=%00", None),
    ("POST", "/api/v1/auth/login", {"email": "a\x00@example.org", "password": "x\x00"}),
    (
        "POST",
        "/api/v1/auth/register",
        {"email": "n@example.org", "password": "long-enough!", "name": "N\x00"},
    ),
]


@pytest.mark.parametrize(("method", "url", "body"), NUL_TARGETS)
def test_nul_bytes_are_refused_with_422(
    client: FlaskClient, method: str, url: str, body: dict[str, str] | None
) -> None:
    response = client.open(url, method=method, json=body)
    assert response.status_code == 422
    assert response.get_json()["code"] == "validation_error"


# --- schemathesis against gunicorn ------------------------------------------------------------


@pytest.fixture(scope="module")
def served_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, dict[str, str]]]:
    """gunicorn on PostgreSQL + Redis (production) when there are both, else SQLite; limits off."""
    folder = tmp_path_factory.mktemp("fuzz")
    production = is_postgresql(SERVER_DATABASE_URL) and bool(SERVER_REDIS_URL)
    database: AbstractContextManager[str] = (
        postgres_schema(SERVER_DATABASE_URL, prefix="fuzz")
        if production
        else nullcontext(f"sqlite:///{folder / 'fuzz.db'}")
    )
    redis: AbstractContextManager[str | None] = (
        leased_redis_database(SERVER_REDIS_URL) if production else nullcontext(None)
    )
    with database as database_url, redis as redis_url:
        environment = production_environment(database_url=database_url, redis_url=redis_url)
        if not production:
            environment["APP_CONFIG"] = "development"  # production refuses SQLite, needs Redis
        environment |= {"RATELIMIT_ENABLED": "false", "METRICS_ENABLED": "0"}
        with migrated_app(database_url, environment) as app:
            with app.app_context():
                for number in range(3):  # so that the admin is not user 1, the fuzzer's favourite
                    users.create_user(
                        email=f"m{number}@example.org", password="pw-pw-pw-pw", name="M"
                    )
                admin = users.create_user(
                    email="admin@example.org", password="pw-pw-pw-pw", name="A", role="admin"
                )
                headers = bearer(auth.issue_tokens(admin).access_token)
            with gunicorn(environment, log_dir=folder) as server:
                yield server, headers


@pytest.mark.fuzz
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_fuzzed_requests_to_the_served_api_get_documented_answers(
    served_api: tuple[Server, dict[str, str]], mode: GenerationMode
) -> None:
    """Positive data follows the document; negative data breaks it on purpose (wrong types,
    missing fields, values out of range) and must earn a documented 4xx, never a 5xx."""
    server, headers = served_api
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 25
    failures: list[str] = []
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def call_operation(case: Any) -> None:
            # An ISBN's check digit is beyond JSON Schema: a schema-valid body may get 422.
            case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

        try:
            call_operation()
        except Unsatisfiable:
            # An operation that takes no input (GET /healthz) has no negative data to send.
            assert mode is GenerationMode.NEGATIVE, operation.label
        except Exception as error:  # every operation's failure, not only the first
            failures.append(f"{operation.label}: {str(error)[:600]}")
    assert failures == [], "\n\n".join(failures)


# --- hostile bodies against gunicorn, byte for byte --------------------------------------------


def exchange(server: Server, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send raw bytes on a new connection; the status, headers and body of the answer.

    A raw socket, because no HTTP client will send a malformed request line or choose how a body
    is framed (chunked, with no Content-Length) on request.
    """
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=15) as connection:
        connection.sendall(request)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in header_lines)
    return (
        int(status_line.split()[1]),
        {name.lower(): value for name, value in headers.items()},
        body,
    )


def post(
    path: str, body: bytes, headers: dict[str, str] | None = None, *, chunked: bool = False
) -> bytes:
    """A POST of ``body`` as JSON, framed with a Content-Length or as one chunk and the last."""
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if chunked:
        lines.append("Transfer-Encoding: chunked")
        framed = f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n"
    else:
        lines.append(f"Content-Length: {len(body)}")
        framed = body
    lines.append("Connection: close")
    return "\r\n".join(lines).encode() + b"\r\n\r\n" + framed


DEEP = b"[" * 100_000
SERVED_HOSTILE = [
    ("/api/v1/auth/login", DEEP, 400),
    ("/healthz", DEEP, 400),
    ("/readyz", DEEP, 400),
    ("/nowhere", DEEP, 400),
    ("/api/v1/auth/login", b'{"email": "a@example.org", "password": "\\ud800"}', 422),
    ("/api/v1/auth/login", b'{"email": "a@example.org", "password": "x\\u0000"}', 422),
    (
        "/api/v1/auth/register",
        b'{"email": "n@example.org", "password": "long-enough!", "name": "\\udfff"}',
        422,
    ),
    ("/api/v1/auth/logout", b'{"refresh_token": "\\ud800"}', 422),
    ("/api/v1/auth/login", b'{"email": "\xff"}', 400),
]


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
@pytest.mark.parametrize(("path", "body", "status"), SERVED_HOSTILE)
def test_hostile_bodies_sent_to_gunicorn_get_4xx_and_leave_no_traceback(
    served_api: tuple[Server, dict[str, str]], path: str, body: bytes, status: int, chunked: bool
) -> None:
    server, _ = served_api
    answer_status, headers, answer = exchange(server, post(path, body, chunked=chunked))
    assert answer_status == status, answer[:300]
    assert headers["content-type"] == "application/json"
    assert set(json.loads(answer)) == {"code", "message", "details", "request_id"}
    assert "Traceback" not in server.output()


def test_a_megabyte_of_unknown_keys_gets_a_short_422_from_gunicorn(
    served_api: tuple[Server, dict[str, str]],
) -> None:
    # A public route: the fuzz test may have signed the module's admin out by now.
    server, _ = served_api
    body = json.dumps({f"{number:06d}" + "k" * 1_000: 1 for number in range(1_000)}).encode()
    status, _, answer = exchange(server, post("/api/v1/auth/register", body))
    assert status == 422
    assert len(answer) < 5_000
    assert "_truncated" in json.loads(answer)["details"]


def test_a_chunked_body_over_the_limit_gets_413_from_gunicorn(
    served_api: tuple[Server, dict[str, str]],
) -> None:
    server, _ = served_api
    body = json.dumps({"email": "x" * (1024 * 1024)}).encode()
    status, _, answer = exchange(server, post("/api/v1/auth/login", body, chunked=True))
    assert status == 413
    assert json.loads(answer)["code"] == "payload_too_large"


def test_chunked_logout_revokes_the_refresh_token_under_gunicorn(
    served_api: tuple[Server, dict[str, str]],
) -> None:
    server, _ = served_api
    credentials = {"email": "chunked@example.org", "password": "pw-pw-pw-pw"}
    registered = call(
        "POST", f"{server.url}/api/v1/auth/register", body=credentials | {"name": "C"}
    )
    assert registered.status == 201
    signed_in = call("POST", f"{server.url}/api/v1/auth/login", body=credentials)
    tokens = signed_in.json
    assert signed_in.headers["Cache-Control"] == "no-store"
    body = json.dumps({"refresh_token": tokens["refresh_token"]}).encode()
    access = {"Authorization": f"Bearer {tokens['access_token']}"}
    status, _, _ = exchange(server, post("/api/v1/auth/logout", body, access, chunked=True))
    assert status == 204
    refresh = {"Authorization": f"Bearer {tokens['refresh_token']}"}
    refreshed = call("POST", f"{server.url}/api/v1/auth/refresh", headers=refresh)
    assert (refreshed.status, refreshed.json["code"]) == (401, "token_revoked")


GUNICORN_REFUSALS = [
    (b"GARBAGE\r\n\r\n", 400, "bad_request"),
    (b"GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n", 400, "bad_request"),
    (b"GET /" + b"a" * 10_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, "uri_too_long"),
    (
        b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 10_000 + b"\r\n\r\n",
        431,
        "header_fields_too_large",
    ),
]


@pytest.mark.parametrize(("request_bytes", "status", "code"), GUNICORN_REFUSALS)
def test_requests_gunicorn_refuses_itself_get_the_json_error_shape(
    served_api: tuple[Server, dict[str, str]], request_bytes: bytes, status: int, code: str
) -> None:
    server, _ = served_api
    answer_status, headers, answer = exchange(server, request_bytes)
    assert answer_status == status
    assert headers["content-type"] == "application/json"
    body = json.loads(answer)
    assert set(body) == {"code", "message", "details", "request_id"}
    assert body["code"] == code
    assert headers["x-request-id"] == body["request_id"]
