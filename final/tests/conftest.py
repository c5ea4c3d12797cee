"""Fixtures and factories shared by the test modules: one app per backend for the run.

Building an app and creating its tables is most of what a test would cost, so the run builds
them once per backend (``shared_app``) and every test gets that app back as new: its tables
emptied (DELETE FROM each table, children first), its cache and rate-limit counters cleared and
its settings restored after the test. Emptying beats rolling back a transaction here: the
services commit, and a test may write from another thread or connection, which a rolled-back
transaction would never see, while an emptied table is empty for everyone. A test that needs an
app built differently (other environment variables, a route of its own) takes ``own_app``, or
calls ``create_app`` itself.

Factories write straight through the services (fast, and independent of the routes under test)
and return plain values, so a test never holds a database object outside its session.

Every test that uses ``app`` runs twice: on the embedded backends (in-memory SQLite, and memory
for the cache and limits) and on the services (PostgreSQL from TEST_DATABASE_URL, Redis from
TEST_REDIS_URL, which also holds the copy of the token blocklist). The services run skips without
those variables (fails with REQUIRE_SERVICES=1) and works in schemas and a Redis database of its
own (see isolation.py).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from isolation import is_postgresql, leased_redis_database, postgres_schema
from sqlalchemy import event, text

from app import create_app
from app.extensions import cache, db, limiter
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


class MakeUser(Protocol):
    """``make_user``: creates a user; answers what a test needs to know of them."""

    def __call__(
        self, role: str = "member", email: str | None = None, password: str = PASSWORD
    ) -> UserInfo: ...


class TokensFor(Protocol):
    """``tokens_for``: issues the tokens a sign-in would give this user."""

    def __call__(self, user: UserInfo) -> dict[str, Any]: ...


class AuthHeaders(Protocol):
    """``auth_headers``: answers the Authorization header of a new user with this role."""

    def __call__(self, role: str = "member") -> dict[str, str]: ...


class MakeAuthor(Protocol):
    """``make_author``: creates an author; answers its id."""

    def __call__(self, name: str = "Mary Shelley", birth_year: int | None = 1797) -> int: ...


class MakeBook(Protocol):
    """``make_book``: creates a book (and an author, unless given); answers its id."""

    def __call__(
        self,
        copies: int = 1,
        title: str | None = None,
        author_id: int | None = None,
        published_year: int | None = 1818,
        isbn: str | None = None,
    ) -> int: ...


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


@dataclass(frozen=True)
class SharedApp:
    """An app built once for the run, and the environment it was built from."""

    app: Flask
    environment: dict[str, str]


def app_environment() -> dict[str, str]:
    """The environment variables an app may read when it is built.

    Left out: pytest's own, and the two the fixtures above point at this run's database and
    Redis for every test (TEST_REDIS_URL only tells the tests where Redis is).
    """
    ignored = {"PYTEST_CURRENT_TEST", "TEST_DATABASE_URL", "TEST_REDIS_URL"}
    return {name: value for name, value in os.environ.items() if name not in ignored}


@contextmanager
def built_app() -> Iterator[Flask]:
    """A new app in testing mode, from the environment as it is now, with its tables created."""
    app = create_app("testing")
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@contextmanager
def shared_app_on(variables: dict[str, str]) -> Iterator[SharedApp]:
    """An app built with ``variables`` set; they are unset again once it is built."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in variables.items():
            patch.setenv(name, value)
        app = create_app("testing")
        environment = app_environment()
    with app.app_context():
        db.create_all()
    yield SharedApp(app, environment)
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture(scope="session")
def shared_embedded_app() -> Iterator[SharedApp]:
    """The run's app on the embedded backends."""
    with shared_app_on({"TEST_DATABASE_URL": "sqlite://"}) as shared:
        yield shared


@pytest.fixture(scope="session")
def shared_services_app(run_redis_url: str) -> Iterator[SharedApp]:
    """The run's app on the services: a schema of its own, and the run's Redis database."""
    with postgres_schema(SERVER_DATABASE_URL, prefix="shared") as database_url:
        variables = {"TEST_DATABASE_URL": database_url, "REDIS_URL": run_redis_url}
        with shared_app_on(variables) as shared:
            yield shared


def empty_tables() -> None:
    """Delete every row, children before parents, and start the ids at 1 again, as when new."""
    tables = list(reversed(db.metadata.sorted_tables))
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # DELETE would leave PostgreSQL's id sequences where they were; TRUNCATE restarts them.
            names = ", ".join(f'"{table.name}"' for table in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY"))
            return
        for table in tables:
            connection.execute(table.delete())


@pytest.fixture
def app(backend: str, request: pytest.FixtureRequest) -> Iterator[Flask]:
    """The backend's shared app, handed to the next test as new: empty tables, cache and limits.

    A test whose fixtures set environment variables first gets an app of its own, built from them
    on the database and Redis the backend fixture prepared for it. Redis itself is emptied by the
    backend fixture before every test.
    """
    shared: SharedApp = request.getfixturevalue(f"shared_{backend}_app")
    if app_environment() != shared.environment:
        with built_app() as own:
            yield own
        return
    app = shared.app
    # The limiter is one object for every app and keeps the settings of the app it was bound to
    # last, and a test may have built an app of its own since: bind it back, with fresh counters.
    limiter.init_app(app)
    settings = dict(app.config)
    yield app
    app.config.clear()
    app.config.update(settings)
    with app.app_context():
        db.session.remove()
        empty_tables()
        cache.clear()


@pytest.fixture
def own_app(backend: str) -> Iterator[Flask]:
    """An app of this test's own, built after the test's fixtures set the environment.

    For a test that changes the app itself (adds a route, which Flask refuses once an app has
    served a request) or needs settings that are read when the app is built.
    """
    with built_app() as app:
        yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """An HTTP client that calls the app without a server."""
    return app.test_client()


@pytest.fixture
def make_user(app: Flask) -> MakeUser:
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
def tokens_for(app: Flask) -> TokensFor:
    """Issue an access and a refresh token for a user, as a successful sign-in would."""

    def factory(user: UserInfo) -> dict[str, Any]:
        with app.app_context():
            pair = auth.issue_tokens(users.get_user(user.id))
            return {"access_token": pair.access_token, "refresh_token": pair.refresh_token}

    return factory


@pytest.fixture
def auth_headers(make_user: MakeUser, tokens_for: TokensFor) -> AuthHeaders:
    """Headers of a new user with ``role``: ``client.get(url, headers=auth_headers("admin"))``."""

    def factory(role: str = "member") -> dict[str, str]:
        return bearer(tokens_for(make_user(role))["access_token"])

    return factory


@pytest.fixture
def staff(auth_headers: AuthHeaders) -> dict[str, str]:
    """Headers of a signed-in librarian, who may change the catalogue."""
    return auth_headers("librarian")


@pytest.fixture
def member(auth_headers: AuthHeaders) -> dict[str, str]:
    """Headers of a signed-in member, who may borrow books."""
    return auth_headers("member")


@pytest.fixture
def make_author(app: Flask) -> MakeAuthor:
    """Create an author and return the id: ``make_author(name="Mary Shelley")``."""

    def factory(name: str = "Mary Shelley", birth_year: int | None = 1797) -> int:
        with app.app_context():
            return authors.create_author(name=name, birth_year=birth_year).id

    return factory


@pytest.fixture
def make_book(app: Flask, make_author: MakeAuthor) -> MakeBook:
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
