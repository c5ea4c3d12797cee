"""Fixtures and factories the test modules share: an app per environment, empty tables per test.

Building an app and creating its tables is most of what a test would cost, so the run builds
each app once (``shared_apps``) and every test gets one back as new: its tables emptied (DELETE
FROM each table, children first), its cache and rate-limit counters cleared and its settings
restored after the test. Emptying beats rolling back a transaction here: the services commit, and
a test may write from another thread or connection, which a rolled-back transaction would never
see, while an emptied table is empty for everyone. An app reads its environment variables when it
is built, so the run keeps one app per environment a test asked for: the rate-limit tests, which
all turn the limits on the same way, share one. A test that needs an app of its own (a route of
its own) takes ``own_app``, or calls ``create_app`` itself, as step 01 showed.

Factories write straight through the services (fast, and independent of the routes under test)
and return plain values, so a test never holds a database object outside its session.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

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


def empty_tables() -> None:
    """Delete every row, children before parents, so no foreign key objects."""
    with db.engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(table.delete())


def app_environment() -> dict[str, str]:
    """The environment variables an app may read when it is built (pytest's own aside)."""
    return {name: value for name, value in os.environ.items() if name != "PYTEST_CURRENT_TEST"}


@pytest.fixture(scope="session")
def shared_apps() -> Iterator[Callable[[], Flask]]:
    """The app for the environment as it is now, built the first time a test asks for it."""
    apps: dict[frozenset[tuple[str, str]], Flask] = {}
    with ExitStack() as built:

        def app_for_environment() -> Flask:
            environment = frozenset(app_environment().items())
            if environment not in apps:
                apps[environment] = built.enter_context(built_app())
            return apps[environment]

        yield app_for_environment


@pytest.fixture
def app(shared_apps: Callable[[], Flask]) -> Iterator[Flask]:
    """The app for the environment the test's fixtures set, handed to the test as new.

    Its tables, cache and rate-limit counters are empty, and its settings are the ones it was
    built with, whichever test used it before.
    """
    app = shared_apps()
    # The limiter is one object for every app and keeps the settings of the app it was bound to
    # last, and a test may have used another app since: bind it back, with fresh counters.
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
def own_app() -> Iterator[Flask]:
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
