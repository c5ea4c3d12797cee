"""SQLite as ``make run`` uses it, a database file: reads run beside a write.

An in-memory database has a single connection, so these tests build an app on a file of their own.
"""

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from conftest import PASSWORD, bearer, isbn13
from flask import Flask
from sqlalchemy import text

from app import create_app
from app.extensions import db
from app.services import auth, authors, books, users


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


def write_lock_is_free(database_file: Path) -> bool:
    """Whether another connection could take the write lock at once, as another POST would."""
    with closing(sqlite3.connect(database_file, timeout=0, isolation_level=None)) as other:
        try:
            other.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:  # database is locked
            return False
        other.execute("ROLLBACK")
    return True


@pytest.fixture
def lock_free_while_hashing(database_file: Path, monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """For every Argon2 hash or check from now on, whether the write lock was free meanwhile."""
    seen: list[bool] = []
    for name in ("hash", "verify"):
        original = getattr(PasswordHasher, name)

        def probing(
            hasher: PasswordHasher, *args: Any, _original: Any = original, **kwargs: Any
        ) -> Any:
            seen.append(write_lock_is_free(database_file))
            return _original(hasher, *args, **kwargs)

        monkeypatch.setattr(PasswordHasher, name, probing)
    return seen


@pytest.fixture
def ada(file_app: Flask) -> dict[str, str]:
    """A member of the file database, and the Authorization header of their token."""
    with file_app.app_context():
        user = users.create_user(email="ada@example.org", password=PASSWORD, name="Ada")
        return {"id": str(user.id), **bearer(auth.issue_tokens(user).access_token)}


@pytest.mark.task("04.1")
def test_sign_in_checks_the_password_while_other_writers_may_write(
    file_app: Flask, ada: dict[str, str], lock_free_while_hashing: list[bool]
) -> None:
    credentials = {"email": "ada@example.org", "password": PASSWORD}
    response = file_app.test_client().post("/api/v1/auth/login", json=credentials)
    assert response.status_code == 200
    assert lock_free_while_hashing == [True]


def test_registration_hashes_the_password_while_other_writers_may_write(
    file_app: Flask, lock_free_while_hashing: list[bool]
) -> None:
    account = {"email": "grace@example.org", "password": PASSWORD, "name": "Grace"}
    response = file_app.test_client().post("/api/v1/auth/register", json=account)
    assert response.status_code == 201
    assert lock_free_while_hashing == [True]


@pytest.mark.task("04.2")
def test_a_password_change_hashes_while_other_writers_may_write(
    file_app: Flask, ada: dict[str, str], lock_free_while_hashing: list[bool]
) -> None:
    change = {"password": "a-brand-new-password", "current_password": PASSWORD}
    response = file_app.test_client().patch(
        f"/api/v1/users/{ada['id']}", json=change, headers={"Authorization": ada["Authorization"]}
    )
    assert response.status_code == 200
    # One check of the current password, one hash of the new one.
    assert lock_free_while_hashing == [True, True]
