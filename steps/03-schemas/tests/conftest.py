"""Fixtures and factories shared by the test modules: one app for the run, empty tables per test.

Building an app and creating its tables is most of what a test would cost, so the run builds
them once (``shared_app``) and every test gets that app back as new: its tables emptied (DELETE
FROM each table, children first) and its settings restored after the test. Emptying beats rolling
back a transaction here: the services commit, and a test may write from another thread or
connection, which a rolled-back transaction would never see, while an emptied table is empty for
everyone. A test that needs an app built differently (other environment variables, a route of its
own) takes ``own_app``, or calls ``create_app`` itself, as step 01 showed.

Factories write straight through the services (fast, and independent of the routes under test)
and return plain values, so a test never holds a database object outside its session.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from app import create_app
from app.extensions import db
from app.services import authors, books, users


def isbn13(number: int) -> str:
    """A valid ISBN-13 made from ``number``: a 978 prefix, the number, the right check digit."""
    twelve = f"978{number:09d}"
    weighted = sum(int(digit) * (3 if index % 2 else 1) for index, digit in enumerate(twelve))
    return twelve + str((10 - weighted % 10) % 10)


@dataclass(frozen=True)
class UserInfo:
    """A user the factory created."""

    id: int
    email: str


class MakeUser(Protocol):
    """``make_user``: creates a user; answers what a test needs to know of them."""

    def __call__(self, email: str | None = None) -> UserInfo: ...


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
def shared_environment() -> dict[str, str]:
    """The environment the shared app is built from: the run's, before any test changes it."""
    return app_environment()


@pytest.fixture(scope="session")
def shared_app(shared_environment: dict[str, str]) -> Iterator[Flask]:
    """The one app of the run, built with its tables the first time a test asks for it."""
    with built_app() as app:
        yield app


@pytest.fixture
def app(shared_app: Flask, shared_environment: dict[str, str]) -> Iterator[Flask]:
    """The shared app, handed to the next test as new: empty tables and its first settings.

    A test whose fixtures set environment variables first gets an app of its own, built from them.
    """
    if app_environment() != shared_environment:
        with built_app() as own:
            yield own
        return
    settings = dict(shared_app.config)
    yield shared_app
    shared_app.config.clear()
    shared_app.config.update(settings)
    with shared_app.app_context():
        db.session.remove()
        empty_tables()


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
    """Create a user: ``make_user(email=...)``."""
    counter = itertools.count(1)

    def factory(email: str | None = None) -> UserInfo:
        email = email or f"member{next(counter)}@example.org"
        with app.app_context():
            user = users.create_user(email=email, name="A member")
            return UserInfo(id=user.id, email=user.email)

    return factory


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
