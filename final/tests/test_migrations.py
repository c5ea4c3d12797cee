"""The migrations build exactly the schema the models describe, on SQLite and on PostgreSQL.

Production never calls ``create_all()``: it runs ``flask db upgrade``. So the migrations, not the
models, are what production gets, and these tests fail as soon as the two drift apart (a model
changed without ``flask db migrate``) or a migration cannot be undone.
"""

from __future__ import annotations

import itertools
import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from conftest import bearer, isbn13
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import MetaData, Table, create_engine, inspect, make_url, text
from sqlalchemy.exc import IntegrityError

from app import create_app
from app.extensions import cache, db
from app.models import Base
from app.services import auth, authors, users

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


# --- expand, backfill, contract: a required column added with no downtime -------------------

# Three revisions after the real head, written into a copy of the migrations for this proof
# alone: each is one step a deployment applies while the version before it keeps serving.
EXPAND_CONTRACT = {
    "expand": (
        "add books.language, nullable: the running version neither reads nor writes it",
        'op.add_column("books", sa.Column("language", sa.String(length=8), nullable=True))',
        'op.drop_column("books", "language")',
    ),
    "backfill": (
        "fill books.language in for every row written before the new version wrote it",
        "op.execute(\"UPDATE books SET language = 'en' WHERE language IS NULL\")",
        "pass  # the values stay; expand's downgrade removes the column",
    ),
    "contract": (
        "make books.language required, once no running version leaves it out",
        'with op.batch_alter_table("books") as batch:\n'
        '        batch.alter_column("language", existing_type=sa.String(length=8), nullable=False)',
        'with op.batch_alter_table("books") as batch:\n'
        '        batch.alter_column("language", existing_type=sa.String(length=8), nullable=True)',
    ),
}
REVISION = '''"""{message}"""

import sqlalchemy as sa
from alembic import op

revision = "{revision}"
down_revision = "{down_revision}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    {upgrade}


def downgrade() -> None:
    {downgrade}
'''


def todays_head() -> str | None:
    """The newest revision of the real migrations: the schema the running version expects."""
    return ScriptDirectory(MIGRATIONS).get_current_head()


@pytest.fixture
def expand_contract_migrations(tmp_path: Path) -> str:
    """The real migrations plus the three steps, in a folder of this test's own."""
    folder = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, folder, ignore=shutil.ignore_patterns("__pycache__"))
    down_revision = todays_head()
    for revision, (message, upgrade, downgrade) in EXPAND_CONTRACT.items():
        source = REVISION.format(
            message=message,
            revision=revision,
            down_revision=down_revision,
            upgrade=upgrade,
            downgrade=downgrade,
        )
        (folder / "versions" / f"{revision}.py").write_text(source)
        down_revision = revision
    return str(folder)


@dataclass
class OldVersion:
    """The app as it runs today, which knows nothing of books.language, served over HTTP."""

    client: FlaskClient
    headers: dict[str, str]
    author_id: int
    isbns: Iterator[int]

    def keeps_serving(self) -> None:
        """It still adds a book and lists the catalogue."""
        created = self.client.post(
            "/api/v1/books",
            json={"title": "A book", "isbn": isbn13(next(self.isbns)), "author_id": self.author_id},
            headers=self.headers,
        )
        assert created.status_code == 201, created.get_json()
        assert created.get_json()["id"] in self.listed_ids()

    def listed_ids(self) -> set[int]:
        """The ids of the catalogue's books, as it lists them."""
        listed = self.client.get("/api/v1/books?per_page=100")
        assert listed.status_code == 200
        # The requests ran in this test's app context: end their session, as a request's end would.
        db.session.remove()
        return {book["id"] for book in listed.get_json()["items"]}


def new_version_adds_a_book(isbn: str, author_id: int) -> None:
    """The next version's one difference: every book it writes has a language."""
    books = Table("books", MetaData(), autoload_with=db.engine)
    with db.engine.begin() as connection:
        connection.execute(
            books.insert().values(
                title="Un livre",
                isbn=isbn,
                author_id=author_id,
                copies_total=1,
                copies_available=1,
                created_at=datetime.now(UTC),
                language="fr",
            )
        )


def languages() -> list[str | None]:
    with db.engine.connect() as connection:
        rows = connection.execute(text("SELECT language FROM books ORDER BY id"))
        return [row[0] for row in rows]


def test_a_required_column_arrives_by_expand_backfill_contract_without_downtime(
    empty_app: Flask, expand_contract_migrations: str
) -> None:
    directory = expand_contract_migrations
    flask_migrate.upgrade(directory=directory, revision=todays_head())
    librarian = users.create_user(
        email="librarian@example.org", password="a-long-password", name="L", role="librarian"
    )
    old = OldVersion(
        client=empty_app.test_client(),
        headers=bearer(auth.issue_tokens(librarian).access_token),
        author_id=authors.create_author(name="Ursula K. Le Guin").id,
        isbns=itertools.count(1),
    )
    db.session.remove()
    old.keeps_serving()

    # Expand: the old version keeps adding books, which leave the new column empty.
    flask_migrate.upgrade(directory=directory, revision="expand")
    old.keeps_serving()
    assert languages() == [None, None]

    # The new version rolls out and writes the column; backfill then fills the old rows in.
    new_version_adds_a_book(isbn13(1000), old.author_id)
    flask_migrate.upgrade(directory=directory, revision="backfill")
    assert languages() == ["en", "en", "fr"]
    new_version_adds_a_book(isbn13(1001), old.author_id)

    # Contract: the column is required now, and every version still running writes it.
    flask_migrate.upgrade(directory=directory, revision="contract")
    new_version_adds_a_book(isbn13(1002), old.author_id)
    assert languages() == ["en", "en", "fr", "fr", "fr"]
    # The new version would empty the catalogue's cache after writing, as today's does.
    cache.clear()
    assert len(old.listed_ids()) == 5
    # Why contract waits for the old version to be gone: a row without the column is refused.
    with pytest.raises(IntegrityError), db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO books (title, isbn, author_id, copies_total, copies_available,"
                " created_at) VALUES ('Old', :isbn, :author, 1, 1, :now)"
            ),
            {"isbn": isbn13(1003), "author": old.author_id, "now": datetime.now(UTC)},
        )

    # And each step undoes cleanly, back to the schema the models describe.
    flask_migrate.downgrade(directory=directory, revision=todays_head())
    assert schema_differences() == []
