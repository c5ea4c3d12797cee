"""Alembic's entry point for `flask db ...`: run the migrations against the app's own database.

Flask-Migrate generated this file; it is trimmed and typed, and makes two choices. Batch mode lets
SQLite, which cannot alter most of a table in place, apply every change by copying the table
(PostgreSQL still gets plain ALTERs). Logging is left to the app, so its JSON lines stay JSON.
"""

from __future__ import annotations

from typing import Any

from alembic import context
from alembic.operations.ops import MigrationScript
from alembic.runtime.migration import MigrationContext
from flask import current_app

migrate = current_app.extensions["migrate"]
target_metadata = migrate.db.metadata


def skip_empty_revision(
    _context: MigrationContext, _revision: object, directives: list[MigrationScript]
) -> None:
    """`flask db migrate` without a model change writes no empty migration file."""
    upgrade_ops = directives[0].upgrade_ops
    autogenerate = getattr(context.config.cmd_opts, "autogenerate", False)
    if autogenerate and upgrade_ops is not None and upgrade_ops.is_empty():
        directives[:] = []


def run_migrations_offline() -> None:
    """Print the SQL instead of running it (`flask db upgrade --sql`), for a DBA to review."""
    context.configure(
        url=migrate.db.engine.url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations in one transaction on a connection of the app's engine."""
    options: dict[str, Any] = {
        "render_as_batch": True,
        "process_revision_directives": skip_empty_revision,
        **migrate.configure_args,
    }
    with migrate.db.engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, **options)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
