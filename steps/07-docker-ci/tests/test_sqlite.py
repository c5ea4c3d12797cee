"""SQLite as ``make run`` uses it, a database file: reads run beside a write.

An in-memory database has a single connection, so these tests build an app on a file of their own.
"""

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from conftest import isbn13
from flask import Flask
from sqlalchemy import text

from app import create_app
from app.extensions import db
from app.services import authors, books


@pytest.fixture
def database_file(tmp_path: Path) -> Path:
    """Where the app's database lives."""
    return tmp_path / "library.db"


@pytest.fixture
def file_app(database_file: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """A testing app on ``database_file``, with its tables created."""
    monkeypatch.setenv("TEST_DATABASE_URL", f"sqlite:///{database_file}")
    app = create_app("testing")
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.engine.dispose()


def test_the_database_file_keeps_a_write_ahead_log(file_app: Flask) -> None:
    with file_app.app_context():
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_a_read_does_not_wait_for_another_connection_that_is_writing(
    file_app: Flask, database_file: Path
) -> None:
    with file_app.app_context():
        author = authors.create_author(name="Mary Shelley")
        book_id = books.create_book(title="Frankenstein", isbn=isbn13(1), author_id=author.id).id
    client = file_app.test_client()
    with closing(sqlite3.connect(database_file, isolation_level=None)) as writer:
        writer.execute("BEGIN IMMEDIATE")  # holds the write lock, as a borrowing request would
        response = client.get(f"/api/v1/books/{book_id}")
        writer.execute("ROLLBACK")
    assert response.status_code == 200
    assert response.get_json()["title"] == "Frankenstein"
