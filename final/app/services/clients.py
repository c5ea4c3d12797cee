"""OAuth 2 clients: admins register, rotate and revoke them; members list and revoke their grants.

A secret is shown once, when it is made, and only its digest is kept: a leaked database then
holds nothing a client could authenticate with.
"""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select, update

from app.errors import NotFound
from app.extensions import db
from app.models import AuthorizationCode, OAuthClient, OAuthGrant, User
from app.models.base import utc_now
from app.models.oauth import digest
from app.pagination import Page, apply_sort, paginate

# A service client's tokens name it as their subject with this prefix; a user's are digits.
CLIENT_SUBJECT_PREFIX = "client:"
SORT_COLUMNS = {"name": OAuthClient.name, "created_at": OAuthClient.created_at}
GRANT_SORT_COLUMNS = {"created_at": OAuthGrant.created_at, "expires_at": OAuthGrant.expires_at}


@dataclass(frozen=True)
class IssuedSecret:
    """A client and the secret just made for it: the only time the secret is seen."""

    client: OAuthClient
    client_secret: str


def register_client(
    *, name: str, scopes: list[str], grant_types: list[str], redirect_uris: list[str]
) -> IssuedSecret:
    """Register a client with a new id and secret."""
    secret = _new_secret()
    client = OAuthClient(
        client_id=secrets.token_urlsafe(18),
        name=name,
        scope=" ".join(dict.fromkeys(scopes)),
        grant_types=" ".join(dict.fromkeys(grant_types)),
        redirect_uris=" ".join(dict.fromkeys(redirect_uris)),
        secret_hash=digest(secret),
    )
    db.session.add(client)
    db.session.commit()
    return IssuedSecret(client, secret)


def list_clients(*, page: int, per_page: int, sort: str | None = None) -> Page[OAuthClient]:
    """One page of clients, revoked ones included (they say so)."""
    statement = apply_sort(select(OAuthClient), sort, SORT_COLUMNS, tie_breaker=OAuthClient.id)
    return paginate(statement, page=page, per_page=per_page)


def get_client(client_pk: int) -> OAuthClient:
    """The client with this id, or 404."""
    client = db.session.get(OAuthClient, client_pk)
    if client is None:
        raise NotFound("No client with this id.")
    return client


def rotate_secret(client_pk: int) -> IssuedSecret:
    """Give the client a new secret; the current one keeps working for the overlap.

    A client's operators deploy the new secret while the old one still works, so rotating
    never causes an outage. Rotating again ends the older overlap at once: two secrets at most.
    """
    client = get_client(client_pk)
    overlap: timedelta = current_app.config["OAUTH_SECRET_OVERLAP"]
    secret = _new_secret()
    client.previous_secret_hash = client.secret_hash
    client.previous_secret_expires_at = utc_now() + overlap
    client.secret_hash = digest(secret)
    db.session.commit()
    return IssuedSecret(client, secret)


def revoke_client(client_pk: int) -> None:
    """Revoke a client: its secrets, pending codes and members' grants stop working at once.

    Its access tokens stop too: every token that names a client is checked against this row.
    """
    client = get_client(client_pk)
    now = utc_now()
    if client.revoked_at is None:
        client.revoked_at = now
    db.session.execute(delete(AuthorizationCode).where(AuthorizationCode.client_id == client.id))
    db.session.execute(
        update(OAuthGrant)
        .where(OAuthGrant.client_id == client.id, OAuthGrant.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    db.session.commit()


def active_client(client_id: str) -> OAuthClient | None:
    """The client with this public id, unless it is unknown or revoked."""
    return db.session.scalar(
        select(OAuthClient).where(
            OAuthClient.client_id == client_id, OAuthClient.revoked_at.is_(None)
        )
    )


def list_grants(
    *, user: User, page: int, per_page: int, sort: str | None = None
) -> Page[OAuthGrant]:
    """One page of the grants ``user`` has given that still work, newest first unless sorted."""
    statement = select(OAuthGrant).where(
        OAuthGrant.user_id == user.id,
        OAuthGrant.revoked_at.is_(None),
        OAuthGrant.expires_at > utc_now(),
    )
    if sort is None:
        statement = statement.order_by(OAuthGrant.id.desc())
    else:
        statement = apply_sort(statement, sort, GRANT_SORT_COLUMNS, tie_breaker=OAuthGrant.id)
    return paginate(statement, page=page, per_page=per_page)


def revoke_grant(*, viewer: User, grant_id: int) -> None:
    """Revoke one of ``viewer``'s grants; 404 for anyone else's, so ids reveal nothing."""
    grant = db.session.get(OAuthGrant, grant_id)
    if grant is None or grant.user_id != viewer.id or grant.revoked_at is not None:
        raise NotFound("No grant with this id.")
    grant.revoked_at = utc_now()
    db.session.commit()


def _new_secret() -> str:
    """256 random bits, URL-safe: long enough that a fast hash protects it."""
    return secrets.token_urlsafe(32)
