"""Fixtures and factories shared by the test modules: a fresh app and database for every test.

Factories write straight through the services (fast, and independent of the routes under test)
and return plain values, so a test never holds a database object outside its session.

Every test that uses ``app`` runs twice: on the embedded backends (in-memory SQLite, and memory
for the cache and limits) and on the services (PostgreSQL from TEST_DATABASE_URL, Redis from
TEST_REDIS_URL, which also holds the copy of the token blocklist). The services run skips without
those variables (fails with REQUIRE_SERVICES=1) and works in a schema and a Redis database of its
own (see isolation.py).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from isolation import is_postgresql, leased_redis_database, postgres_schema
from sqlalchemy import event

from app import create_app
from app.extensions import db
from app.services import auth, authors, books, users

PASSWORD = "correct-horse-battery"
ROLES = ("member", "librarian", "admin")


def require_service(variable: str) -> str:
    """The URL in ``variable``; skip the test when unset, or fail when REQUIRE_SERVICES=1."""
    url = os.environ.get(variable)
    if not url:
        message = f"{variable} is not set"
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(f"{message} but REQUIRE_SERVICES=1")
        pytest.skip(message)
    return url


def isbn13(number: int) -> str:
    """A valid ISBN-13 made from ``number``: a 978 prefix, the number, the right check digit."""
    twelve = f"978{number:09d}"
    weighted = sum(int(digit) * (3 if index % 2 else 1) for index, digit in enumerate(twelve))
    return twelve + str((10 - weighted % 10) % 10)


def bearer(token: str) -> dict[str, str]:
    """The Authorization header for ``token``."""
    return {"Authorization": f"Bearer {token}"}


@dataclass(frozen=True)
class UserInfo:
    """A user the factory created, with the password it was given."""

    id: int
    email: str
    role: str
    password: str


# The server URLs as the run was started with; the fixtures below point the variables elsewhere.
SERVER_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
SERVER_REDIS_URL = os.environ.get("TEST_REDIS_URL", "")
BACKENDS = ("embedded", "services")


@pytest.fixture(scope="session")
def run_schema_url() -> Iterator[str]:
    """A PostgreSQL schema for this run's apps that build themselves (``create_app`` in a test)."""
    with postgres_schema(SERVER_DATABASE_URL, prefix="run") as url:
        yield url


@pytest.fixture(scope="session")
def run_redis_url() -> Iterator[str]:
    """A Redis database number leased to this run alone."""
    with leased_redis_database(SERVER_REDIS_URL) as url:
        yield url


@pytest.fixture(autouse=True)
def isolated_services(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point TEST_DATABASE_URL and TEST_REDIS_URL at this run's own schema and Redis database."""
    if is_postgresql(SERVER_DATABASE_URL):
        monkeypatch.setenv("TEST_DATABASE_URL", request.getfixturevalue("run_schema_url"))
    if SERVER_REDIS_URL:
        monkeypatch.setenv("TEST_REDIS_URL", request.getfixturevalue("run_redis_url"))


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Set the environment for the next app: embedded, or a fresh schema and an empty Redis."""
    if request.param == "embedded":
        monkeypatch.setenv("TEST_DATABASE_URL", "sqlite://")
        yield "embedded"
        return
    require_service("TEST_DATABASE_URL")
    redis_url = require_service("TEST_REDIS_URL")
    if not is_postgresql(SERVER_DATABASE_URL):
        message = "TEST_DATABASE_URL does not name a PostgreSQL database"
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    with redis.Redis.from_url(redis_url) as client:
        client.flushdb()
    monkeypatch.setenv("REDIS_URL", redis_url)
    with postgres_schema(SERVER_DATABASE_URL) as database_url:
        monkeypatch.setenv("TEST_DATABASE_URL", database_url)
        yield "services"


@pytest.fixture
def app(backend: str) -> Iterator[Flask]:
    """A new app in testing mode with empty tables, so no test sees another's data."""
    app = create_app("testing")
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """An HTTP client that calls the app without a server."""
    return app.test_client()


@pytest.fixture
def make_user(app: Flask) -> Callable[..., UserInfo]:
    """Create a user: ``make_user(role="admin", email=..., password=...)``."""
    counter = itertools.count(1)

    def factory(
        role: str = "member", email: str | None = None, password: str = PASSWORD
    ) -> UserInfo:
        email = email or f"{role}{next(counter)}@example.org"
        with app.app_context():
            user = users.create_user(email=email, password=password, name=f"A {role}", role=role)
            return UserInfo(id=user.id, email=user.email, role=user.role, password=password)

    return factory


@pytest.fixture
def tokens_for(app: Flask) -> Callable[[UserInfo], dict[str, Any]]:
    """Issue an access and a refresh token for a user, as a successful sign-in would."""

    def factory(user: UserInfo) -> dict[str, Any]:
        with app.app_context():
            pair = auth.issue_tokens(users.find_user(user.id))
            return {"access_token": pair.access_token, "refresh_token": pair.refresh_token}

    return factory


@pytest.fixture
def auth_headers(
    make_user: Callable[..., UserInfo], tokens_for: Callable[[UserInfo], dict[str, Any]]
) -> Callable[[str], dict[str, str]]:
    """Headers of a new user with ``role``: ``client.get(url, headers=auth_headers("admin"))``."""

    def factory(role: str = "member") -> dict[str, str]:
        return bearer(tokens_for(make_user(role))["access_token"])

    return factory


@pytest.fixture
def make_author(app: Flask) -> Callable[..., int]:
    """Create an author and return the id: ``make_author(name="Mary Shelley")``."""

    def factory(name: str = "Mary Shelley", birth_year: int | None = 1797) -> int:
        with app.app_context():
            return authors.create_author(name=name, birth_year=birth_year).id

    return factory


@pytest.fixture
def make_book(app: Flask, make_author: Callable[..., int]) -> Callable[..., int]:
    """Create a book and return the id: ``make_book(copies=1, title=..., author_id=...)``."""
    counter = itertools.count(1)

    def factory(
        copies: int = 1,
        title: str | None = None,
        author_id: int | None = None,
        published_year: int | None = 1818,
        isbn: str | None = None,
    ) -> int:
        number = next(counter)
        with app.app_context():
            book = books.create_book(
                title=title or f"Book {number}",
                isbn=isbn or isbn13(number),
                author_id=author_id or make_author(),
                published_year=published_year,
                copies_total=copies,
            )
            return book.id

    return factory


@pytest.fixture
def count_queries(app: Flask) -> Callable[[], Any]:
    """``with count_queries() as statements:`` collects the SQL the app runs inside the block."""

    @contextmanager
    def counter() -> Iterator[list[str]]:
        statements: list[str] = []

        def record(*args: Any) -> None:
            statement = str(args[2])
            if not statement.startswith("BEGIN"):  # SQLite's explicit BEGIN is not a query
                statements.append(statement)

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", record)
        try:
            yield statements
        finally:
            event.remove(engine, "before_cursor_execute", record)

    return counter
