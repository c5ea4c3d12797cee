"""The CLI: the development seed (idempotent, real ISBNs) and create-user."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from app import config, create_app
from app.extensions import db
from app.models import Author, Book, IdempotencyKey, RevokedToken, User
from app.models.base import utc_now
from app.schemas.common import isbn13_is_valid
from app.seed_data import AUTHORS, BOOKS, SEED_PASSWORD, USERS
from app.services import users


@pytest.fixture
def development_app(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Flask]:
    """The development configuration, on an in-memory database instead of library.db."""
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    # Its signing keys go to a scratch folder, not the working tree's instance/.
    monkeypatch.setenv("JWT_KEYS_DIR", str(tmp_path / "jwt-keys"))
    # Flask sets the shared "app" logger to DEBUG for a debug app; later apps must not inherit it.
    app_logger = logging.getLogger("app")
    level = app_logger.level
    app = create_app("development")
    # The seed hashes a password per account. These tests check what it creates, not how costly
    # its hashes are, so they hash at the testing configuration's cheap Argon2 cost.
    for setting in ("ARGON2_TIME_COST", "ARGON2_MEMORY_COST", "ARGON2_PARALLELISM"):
        app.config[setting] = getattr(config.TestingConfig, setting)
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.engine.dispose()
    app_logger.setLevel(level)


def count(app: Flask, model: type[User] | type[Author] | type[Book]) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_every_seed_isbn_has_a_valid_check_digit_and_is_unique() -> None:
    isbns = [book.isbn for book in BOOKS]
    assert len(isbns) >= 30
    assert len(set(isbns)) == len(isbns)
    invalid = [isbn for isbn in isbns if not isbn13_is_valid(isbn)]
    assert invalid == []


def test_every_seed_book_has_a_known_author() -> None:
    assert {book.author for book in BOOKS} <= set(AUTHORS)


def test_seed_creates_the_accounts_and_the_catalogue(development_app: Flask) -> None:
    result = development_app.test_cli_runner().invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    assert count(development_app, User) == len(USERS)
    assert count(development_app, Author) == len(AUTHORS)
    assert count(development_app, Book) == len(BOOKS)
    client = development_app.test_client()
    for user in USERS:
        login = client.post(
            "/api/v1/auth/login", json={"email": user.email, "password": SEED_PASSWORD}
        )
        assert login.status_code == 200


def test_seed_twice_adds_nothing_the_second_time(development_app: Flask) -> None:
    runner = development_app.test_cli_runner()
    runner.invoke(args=["seed"])
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0
    assert "0 users, 0 authors and 0 books" in result.output
    assert count(development_app, Book) == len(BOOKS)


def test_seed_refuses_outside_development(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["seed"])
    assert result.exit_code != 0
    assert "development only" in result.output
    assert count(app, User) == 0


def test_create_user_prompts_for_a_hidden_confirmed_password(app: Flask) -> None:
    result = app.test_cli_runner().invoke(
        args=["create-user", "Boss@Library.test", "--role", "admin"],
        input="a-long-password\na-long-password\n",
    )
    assert result.exit_code == 0, result.output
    assert "a-long-password" not in result.output
    assert "Repeat for confirmation" in result.output
    with app.app_context():
        user = db.session.scalars(select(User)).one()
    assert (user.email, user.role, user.name) == ("boss@library.test", "admin", "Boss")


def test_create_user_refuses_mismatched_confirmation(app: Flask) -> None:
    result = app.test_cli_runner().invoke(
        args=["create-user", "a@b.org"], input="a-long-password\nanother-one\n"
    )
    assert result.exit_code != 0
    assert count(app, User) == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["create-user", "a@b.org", "--password", "short"], "password"),
        (["create-user", "not-an-email", "--password", "a-long-password"], "email"),
    ],
)
def test_create_user_refuses_invalid_input(app: Flask, args: list[str], message: str) -> None:
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code != 0
    assert message in result.output


def test_create_user_refuses_a_taken_email(app: Flask) -> None:
    runner = app.test_cli_runner()
    runner.invoke(args=["create-user", "a@b.org", "--password", "a-long-password"])
    result = runner.invoke(args=["create-user", "A@B.org", "--password", "a-long-password"])
    assert result.exit_code != 0
    assert "already exists" in result.output


def test_prune_forgets_expired_revocations_and_day_old_keys(app: Flask) -> None:
    now = utc_now()
    with app.app_context():
        user = users.create_user(email="a@b.org", password="a-long-password", name="A")
        db.session.add_all(
            [
                RevokedToken(jti="expired", expires_at=now - timedelta(minutes=1)),
                RevokedToken(jti="live", expires_at=now + timedelta(minutes=1)),
                IdempotencyKey(
                    user=user, key="old", request_hash="x", created_at=now - timedelta(hours=25)
                ),
                IdempotencyKey(user=user, key="new", request_hash="x", created_at=now),
            ]
        )
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["prune"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert list(db.session.scalars(select(RevokedToken.jti))) == ["live"]
        assert list(db.session.scalars(select(IdempotencyKey.key))) == ["new"]


def test_openapi_writes_the_served_document(app: Flask, tmp_path: Path) -> None:
    written = tmp_path / "openapi.json"

    result = app.test_cli_runner().invoke(args=["openapi", str(written)])

    assert result.exit_code == 0, result.output
    assert json.loads(written.read_text()) == app.test_client().get("/openapi.json").get_json()
