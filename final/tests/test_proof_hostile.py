"""Hostile input: SQL metacharacters, NUL bytes and 10 KB strings, then a fuzzer on a real server.

Every hostile value must earn a 4xx or a correct answer: never a 500, and never a changed row
unless the request was a write that stores the value exactly as sent. The JWT attacks (alg none,
a wrong signature, expired, refresh-as-access and back, revoked, deleted user) are proven in
test_tokens.py. The schemathesis run talks HTTP to gunicorn, with a staff token and no limits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from typing import Any
from urllib.parse import quote

import pytest
import schemathesis
from conftest import SERVER_DATABASE_URL, SERVER_REDIS_URL, UserInfo, bearer, isbn13
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from isolation import is_postgresql, leased_redis_database, postgres_schema
from schemathesis.specs.openapi.checks import positive_data_acceptance
from served import gunicorn, migrated_app, production_environment
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
def catalogue(make_book: Callable[..., int], make_author: Callable[..., int]) -> dict[str, int]:
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
    auth_headers: Callable[[str], dict[str, str]],
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
    make_user: Callable[..., UserInfo],
    tokens_for: Callable[[UserInfo], dict[str, Any]],
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
def served_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
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
                yield server.url, headers


@pytest.mark.fuzz
def test_fuzzed_requests_to_the_served_api_get_documented_answers(
    served_api: tuple[str, dict[str, str]],
) -> None:
    url, headers = served_api
    schema = schemathesis.openapi.from_url(f"{url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 25
    failures: list[str] = []
    for operation in operations:

        @given(case=operation.as_strategy())
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
        except Exception as error:  # every operation's failure, not only the first
            failures.append(f"{operation.label}: {str(error)[:600]}")
    assert failures == [], "\n\n".join(failures)
