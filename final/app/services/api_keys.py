"""API keys: made by an admin for an integration, listed, and revoked.

A key acts for the admin who made it, so every role check still applies to it, and it may hold
no scope that admin's role does not grant. It is rotated by making the new key, moving the
integration to it, then revoking the old one: both work in between, so nothing breaks.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from app.errors import NotFound, ValidationFailed
from app.extensions import db
from app.models import ApiKey, User
from app.models.api_key import SHOWN_LENGTH, hash_api_key, new_api_key
from app.models.base import utc_now
from app.pagination import Page, apply_sort, paginate
from app.scopes import ROLE_SCOPES, format_scope

SORT_COLUMNS = {
    "name": ApiKey.name,
    "created_at": ApiKey.created_at,
    "expires_at": ApiKey.expires_at,
}

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NewApiKey:
    """A key just made: the stored row, and the key itself, which is never stored."""

    api_key: ApiKey
    key: str


def create_api_key(*, owner: User, name: str, scopes: list[str], expires_in_days: int) -> NewApiKey:
    """Make a key for ``owner`` with ``scopes`` (422 for a scope their role lacks)."""
    beyond = set(scopes) - ROLE_SCOPES[owner.role]
    if beyond:
        message = f"Your role cannot grant: {format_scope(beyond)}."
        raise ValidationFailed(details={"scopes": [message]})
    key = new_api_key()
    api_key = ApiKey(
        name=name,
        shown=key[:SHOWN_LENGTH],
        key_hash=hash_api_key(key),
        scope=format_scope(set(scopes)),
        owner=owner,
        expires_at=utc_now() + timedelta(days=expires_in_days),
    )
    db.session.add(api_key)
    db.session.commit()
    log.info(
        "API key created",
        extra={"event": "api_key_created", "account_id": owner.id, "api_key_id": api_key.id},
    )
    return NewApiKey(api_key=api_key, key=key)


def list_api_keys(*, page: int, per_page: int, sort: str | None = None) -> Page[ApiKey]:
    """One page of every key, revoked and expired ones included (they tell a history)."""
    statement = apply_sort(select(ApiKey), sort, SORT_COLUMNS, tie_breaker=ApiKey.id)
    return paginate(statement, page=page, per_page=per_page)


def revoke_api_key(*, api_key_id: int, viewer: User) -> ApiKey:
    """Revoke a key at once (revoking it again changes nothing); 404 when there is none."""
    api_key = db.session.get(ApiKey, api_key_id)
    if api_key is None:
        raise NotFound("No API key with this id.")
    if api_key.revoked_at is None:
        api_key.revoked_at = utc_now()
        db.session.commit()
        log.info(
            "API key revoked",
            extra={"event": "api_key_revoked", "account_id": viewer.id, "api_key_id": api_key.id},
        )
    return api_key
