"""The migrations build exactly the schema the models describe, on SQLite and on PostgreSQL.

Production never calls ``create_all()``: it runs ``flask db upgrade``. So the migrations, not the
models, are what production gets, and these tests fail as soon as the two drift apart (a model
changed without ``flask db migrate``) or a migration cannot be undone.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from flask import Flask
from sqlalchemy import create_engine, inspect, make_url, text
from sqlalchemy.exc import IntegrityError

from app import create_app
from app.extensions import db
from app.models import Base

MIGRATIONS = str(Path(__file__).resolve().parents[1] / "migrations")


def postgresql_url() -> str:
    """The test server's URL, or a skip (a failure under REQUIRE_SERVICES=1) without one."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    if url.startswith("postgres"):
        return url
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail("TEST_DATABASE_URL must name a PostgreSQL database")
    pytest.skip("TEST_DATABASE_URL does not name a PostgreSQL database")


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file, or a throwaway schema on the PostgreSQL test server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    server_url = make_url(postgresql_url())
    if server_url.drivername in {"postgresql", "postgres"}:
        server_url = server_url.set(drivername="postgresql+psycopg")
    schema = f"migrations_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        # Every connection of the app then creates and finds its tables in this schema only.
        in_schema = server_url.update_query_dict({"options": f"-csearch_path={schema}"})
        yield in_schema.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def empty_app(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """An app on an empty database: no ``create_all()``, the migrations must build it all."""
    monkeypatch.setenv("TEST_DATABASE_URL", database_url)
    app = create_app("testing")
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def table_names() -> set[str]:
    return set(inspect(db.engine).get_table_names())


def schema_differences() -> list[object]:
    """What ``flask db migrate`` would write now: nothing, when migrations match the models."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


def test_upgrade_builds_every_table_of_the_models(empty_app: Flask) -> None:
    flask_migrate.upgrade(directory=MIGRATIONS)
    assert table_names() == set(Base.metadata.tables) | {"alembic_version"}


def test_migrated_schema_matches_the_models(empty_app: Flask) -> None:
    flask_migrate.upgrade(directory=MIGRATIONS)
    assert schema_differences() == []


def test_downgrade_to_base_then_upgrade_again(empty_app: Flask) -> None:
    flask_migrate.upgrade(directory=MIGRATIONS)
    flask_migrate.downgrade(directory=MIGRATIONS, revision="base")
    assert table_names() == {"alembic_version"}
    flask_migrate.upgrade(directory=MIGRATIONS)
    assert table_names() == set(Base.metadata.tables) | {"alembic_version"}
    assert schema_differences() == []


def test_migrated_database_never_gives_a_deleted_users_id_to_another(empty_app: Flask) -> None:
    flask_migrate.upgrade(directory=MIGRATIONS)
    insert = text(
        "INSERT INTO users (email, name, password_hash, role, token_version, token_key,"
        " created_at) VALUES (:email, 'A', 'x', 'member', 0, 'k', :now) RETURNING id"
    )
    now = datetime.now(UTC)
    with db.engine.begin() as connection:
        first = connection.execute(insert, {"email": "a@example.org", "now": now}).scalar_one()
        connection.execute(text("DELETE FROM users WHERE id = :id"), {"id": first})
        second = connection.execute(insert, {"email": "b@example.org", "now": now}).scalar_one()
    assert second > first


def test_migrated_database_allows_one_active_loan_per_user_and_book(empty_app: Flask) -> None:
    flask_migrate.upgrade(directory=MIGRATIONS)
    now = datetime.now(UTC)
    loan = text(
        "INSERT INTO loans (user_id, book_id, loaned_at, due_at, returned_at)"
        " VALUES (1, 1, :now, :due, :returned)"
    )
    with db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO users (id, email, name, password_hash, role, token_version,"
                " token_key, created_at)"
                " VALUES (1, 'ada@example.org', 'Ada', 'x', 'member', 0, 'k', :now)"
            ),
            {"now": now},
        )
        connection.execute(
            text("INSERT INTO authors (id, name, created_at) VALUES (1, 'Le Guin', :now)"),
            {"now": now},
        )
        connection.execute(
            text(
                "INSERT INTO books (id, title, isbn, copies_total, copies_available, author_id,"
                " created_at) VALUES (1, 'Earthsea', '9780553383041', 2, 2, 1, :now)"
            ),
            {"now": now},
        )
        due = now + timedelta(days=14)
        # Returned loans do not count: the partial index covers active loans only.
        connection.execute(loan, {"now": now, "due": due, "returned": now})
        connection.execute(loan, {"now": now, "due": due, "returned": None})
    with pytest.raises(IntegrityError), db.engine.begin() as connection:
        connection.execute(loan, {"now": now, "due": due, "returned": None})
