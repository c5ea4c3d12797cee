"""Where revoked tokens are remembered: one small interface, two stores behind it.

A JWT stays valid until it expires, so logging out means remembering its ``jti`` until then. The
database store needs nothing extra; the Redis store forgets each entry by itself when the token
would have expired. Either way every gunicorn worker sees the same list.
"""

from datetime import datetime
from typing import Protocol

import redis
from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.config import redis_options
from app.extensions import db
from app.models import RevokedToken
from app.models.base import utc_now

EXTENSION_KEY = "token_blocklist"


class TokenBlocklist(Protocol):
    """Remember revoked token ids until the tokens expire."""

    def revoke(self, jti: str, *, expires_at: datetime) -> bool:
        """Revoke a token; False when it was already revoked (someone used it twice)."""
        ...

    def is_revoked(self, jti: str) -> bool:
        """True when the token was revoked."""
        ...


class DatabaseBlocklist:
    """Revoked tokens as rows; the caller's transaction commits them."""

    def revoke(self, jti: str, *, expires_at: datetime) -> bool:
        """Add a row; the unique index on ``jti`` turns a second revocation into False."""
        try:
            with db.session.begin_nested():
                db.session.add(RevokedToken(jti=jti, expires_at=expires_at))
        except IntegrityError:
            return False
        return True

    def is_revoked(self, jti: str) -> bool:
        """Look the id up."""
        found = db.session.scalar(select(RevokedToken.id).where(RevokedToken.jti == jti))
        return found is not None


class RedisBlocklist:
    """Revoked tokens as Redis keys that expire with the token."""

    def __init__(self, client: redis.Redis) -> None:
        self.client = client

    def revoke(self, jti: str, *, expires_at: datetime) -> bool:
        """Set the key only if absent (NX), so exactly one of two racing revocations wins."""
        seconds_left = max(int((expires_at - utc_now()).total_seconds()) + 1, 1)
        return bool(self.client.set(self._key(jti), "1", ex=seconds_left, nx=True))

    def is_revoked(self, jti: str) -> bool:
        """Check whether the key exists."""
        return bool(self.client.exists(self._key(jti)))

    @staticmethod
    def _key(jti: str) -> str:
        return f"revoked-token:{jti}"


def init_blocklist(app: Flask) -> None:
    """Choose the store: Redis when ``REDIS_URL`` is set, the database otherwise."""
    url = app.config["REDIS_URL"]
    store: TokenBlocklist
    if url:
        store = RedisBlocklist(redis.Redis.from_url(url, **redis_options()))
    else:
        store = DatabaseBlocklist()
    app.extensions[EXTENSION_KEY] = store


def token_blocklist() -> TokenBlocklist:
    """The running app's blocklist."""
    store: TokenBlocklist = current_app.extensions[EXTENSION_KEY]
    return store
