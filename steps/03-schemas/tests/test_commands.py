"""The CLI: the development seed creates the tables, then real books, and is idempotent."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import func, inspect, select

from app import create_app
from app.extensions import db
from app.models import Author, Book
from app.schemas.common import isbn13_is_valid
from app.seed_data import AUTHORS, BOOKS


@pytest.fixture
def development_app(monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """The development configuration, on an in-memory database without tables."""
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    app = create_app("development")
    yield app
    with app.app_context():
        db.engine.dispose()


def count(app: Flask, model: type[Author] | type[Book]) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.task("03.2")
def test_every_seed_isbn_has_a_valid_check_digit_and_is_unique() -> None:
    isbns = [book.isbn for book in BOOKS]
    assert len(isbns) >= 30
    assert len(set(isbns)) == len(isbns)
    invalid = [isbn for isbn in isbns if not isbn13_is_valid(isbn)]
    assert invalid == []


def test_every_seed_book_has_a_known_author() -> None:
    assert {book.author for book in BOOKS} <= set(AUTHORS)


def test_seed_creates_the_tables_and_the_catalogue(development_app: Flask) -> None:
    result = development_app.test_cli_runner().invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    with development_app.app_context():
        assert {"users", "authors", "books", "loans"} <= set(inspect(db.engine).get_table_names())
    assert count(development_app, Author) == len(AUTHORS)
    assert count(development_app, Book) == len(BOOKS)
    first = development_app.test_client().get("/api/v1/books/1").get_json()
    assert (first["title"], first["author"]["name"]) == (BOOKS[0].title, BOOKS[0].author)


def test_seed_twice_adds_nothing_the_second_time(development_app: Flask) -> None:
    runner = development_app.test_cli_runner()
    runner.invoke(args=["seed"])
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0
    assert "0 authors and 0 books" in result.output
    assert count(development_app, Book) == len(BOOKS)


def test_seed_refuses_outside_development(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["seed"])
    assert result.exit_code != 0
    assert "development only" in result.output
