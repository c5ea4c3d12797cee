"""Command-line tasks, run from the step's folder as ``flask --app wsgi seed``."""

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from app.extensions import db
from app.services.seed import seed_database


@click.command("seed")
@with_appcontext
def seed_command() -> None:
    """Fill the development database with sample authors and books (idempotent)."""
    if not current_app.config["SEED_ENABLED"]:
        raise click.ClickException("Seeding is for development only (APP_CONFIG=development).")
    # No migrations yet: create the tables that are missing (existing ones are left alone).
    db.create_all()
    report = seed_database()
    click.echo(f"Seeded {report.authors} authors and {report.books} books.")


def register_commands(app: Flask) -> None:
    """Add the commands to ``flask``."""
    app.cli.add_command(seed_command)
