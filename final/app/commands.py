"""Command-line tasks, run from final/ as ``flask --app wsgi seed``, ``... keys rotate`` etc."""

import json

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from marshmallow import ValidationError

from app.errors import ApiError
from app.models.user import MEMBER, ROLES
from app.openapi import build_spec
from app.schemas import RegisterSchema
from app.services import auth, idempotency, users
from app.services.seed import seed_database
from app.signing_keys import keys_directory, rotate_keyring, utc_now


@click.command("seed")
@with_appcontext
def seed_command() -> None:
    """Fill the development database with sample users, authors and books (idempotent)."""
    if not current_app.config["SEED_ENABLED"]:
        raise click.ClickException("Seeding is for development only (APP_CONFIG=development).")
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


@click.command("prune")
@with_appcontext
def prune_command() -> None:
    """Delete expired revoked tokens and idempotency keys older than a day (run it daily)."""
    auth.prune_revoked_tokens()
    idempotency.prune_keys()
    click.echo("Pruned expired revoked tokens and old idempotency keys.")


@click.group("keys")
def keys_group() -> None:
    """Manage the keys that sign tokens (the keyring in JWT_KEYS_DIR)."""


@keys_group.command("rotate")
@with_appcontext
def rotate_keys_command() -> None:
    """Sign with a new key; the old one verifies for the refresh token lifetime, then retires."""
    directory = keys_directory(current_app)
    if current_app.config["JWT_PRIVATE_KEY"] or directory is None:
        raise click.ClickException(
            "Rotation works on a keyring: set JWT_KEYS_DIR (and not JWT_PRIVATE_KEY)."
        )
    overlap = max(
        current_app.config["JWT_REFRESH_TOKEN_EXPIRES"],
        current_app.config["JWT_ACCESS_TOKEN_EXPIRES"],
    )
    keyring = rotate_keyring(directory, overlap=overlap, now=utc_now())
    click.echo(f"New tokens are signed with key {keyring.current.kid}.")
    for key in keyring.previous:
        retires = key.retires_at.isoformat() if key.retires_at else "never"
        click.echo(f"Key {key.kid} still verifies until {retires}.")


@click.command("openapi")
@click.argument("path", type=click.Path(dir_okay=False, writable=True, allow_dash=True))
@with_appcontext
def openapi_command(path: str) -> None:
    """Write the OpenAPI document to PATH as JSON ("-": standard output), for linters and SDKs."""
    with click.open_file(path, "w") as out:
        out.write(json.dumps(build_spec(current_app), indent=2) + "\n")


def register_commands(app: Flask) -> None:
    """Add the commands to ``flask``."""
    app.cli.add_command(seed_command)
    app.cli.add_command(create_user_command)
    app.cli.add_command(prune_command)
    app.cli.add_command(keys_group)
    app.cli.add_command(openapi_command)
