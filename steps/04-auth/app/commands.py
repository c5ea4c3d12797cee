"""Command-line tasks, run from the step's folder: ``flask --app wsgi seed`` or ``create-user``."""

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from marshmallow import ValidationError

from app.errors import ApiError
from app.extensions import db
from app.models.user import MEMBER, ROLES
from app.schemas import RegisterSchema
from app.services import users
from app.services.seed import seed_database


@click.command("seed")
@with_appcontext
def seed_command() -> None:
    """Fill the development database with sample users, authors and books (idempotent)."""
    if not current_app.config["SEED_ENABLED"]:
        raise click.ClickException("Seeding is for development only (APP_CONFIG=development).")
    # No migrations yet: create the tables that are missing (existing ones are left alone).
    db.create_all()
    report = seed_database()
    click.echo(f"Seeded {report.users} users, {report.authors} authors and {report.books} books.")


@click.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), default=MEMBER, show_default=True)
@click.option("--name", help="The user's display name (default: the part before the @).")
@click.password_option(help="Asked for (hidden, twice) when not given.")
@with_appcontext
def create_user_command(email: str, role: str, name: str | None, password: str) -> None:
    """Create a user with the given role; the password is asked for, hidden and confirmed."""
    try:
        data = RegisterSchema().load(
            {"email": email, "password": password, "name": name or email.split("@")[0]}
        )
        user = users.create_user(**data, role=role)
    except ValidationError as error:
        raise click.ClickException(f"Invalid input: {error.messages}") from error
    except ApiError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"Created {user.role} {user.email} (id {user.id}).")


def register_commands(app: Flask) -> None:
    """Add the commands to ``flask``."""
    app.cli.add_command(seed_command)
    app.cli.add_command(create_user_command)
