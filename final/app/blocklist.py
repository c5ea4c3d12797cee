"""Where revoked tokens are remembered: the database always, and a Redis copy when there is one.

A JWT stays valid until it expires, so logging out means remembering its ``jti`` until then. The
database is the record: it commits with the rest of the request and survives restarts. Redis, when
configured, holds a copy, so the check made on every signed-in request is one Redis read. The copy
may be lost (a Redis restart without persistence) or out of reach (Redis down), and neither may
bring a revoked token back to life; ``RedisMirroredBlocklist`` explains how it makes sure.
"""

from datetime import UTC, datetime
from typing import Protocol

import redis
from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.config import redis_options
from app.extensions import db
from app.models import RevokedToken, User
from app.models.base import utc_now

EXTENSION_KEY = "token_blocklist"


class TokenBlocklist(Protocol):
    """Remember revoked token ids until the tokens expire."""

    def revoke(self, jti: str, *, expires_at: datetime, owner: User) -> bool:
        """Revoke ``owner``'s token; False when it was already revoked (someone used it twice)."""
        ...

    def is_revoked(self, jti: str) -> bool:
        """True when the token was revoked."""
        ...


class DatabaseBlocklist:
    """Revoked tokens as rows; the caller's transaction commits them."""

    def revoke(self, jti: str, *, expires_at: datetime, owner: User) -> bool:  # noqa: ARG002
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


class RedisMirroredBlocklist:
    """The database blocklist, copied into Redis keys that expire with their tokens.

    Three rules keep the copy honest:

    - Every revocation is written to the database first, then to Redis.
    - A read trusts Redis only while Redis holds the ``MIRRORED`` marker, which is set after the
      copy was filled from the database. A restarted, empty Redis has no marker, so the read asks
      the database and fills the copy again. A read while Redis is down asks the database too.
    - A revocation that Redis cannot take would be missing from the copy once Redis is back, with
      the marker still there. So it also raises its owner's token version (in the database): every
      token of that user stops working, and they sign in again. Broader, but never unsafe.
    """

    MIRRORED = "revoked-tokens:mirrored"

    def __init__(self, client: redis.Redis) -> None:
        self.client = client
        self.database = DatabaseBlocklist()

    def revoke(self, jti: str, *, expires_at: datetime, owner: User) -> bool:
        """Record the revocation in the database, then copy it to Redis."""
        if not self.database.revoke(jti, expires_at=expires_at, owner=owner):
            return False
        try:
            self.client.set(self._key(jti), "1", ex=seconds_until(expires_at))
        except redis.RedisError:
            current_app.logger.warning("Redis down; signing user %s out everywhere", owner.id)
            owner.token_version += 1
        return True

    def is_revoked(self, jti: str) -> bool:
        """One Redis read when the copy is complete; the database otherwise."""
        try:
            mirrored, revoked = self.client.mget(self.MIRRORED, self._key(jti))
        except redis.RedisError:
            current_app.logger.warning("Redis unavailable; checking the token in the database")
            return self.database.is_revoked(jti)
        if mirrored is None:
            self._fill_from_database()
            return self.database.is_revoked(jti)
        return revoked is not None

    def _fill_from_database(self) -> None:
        """Copy every revocation that has not expired, then mark the copy complete."""
        rows = db.session.execute(
            select(RevokedToken.jti, RevokedToken.expires_at).where(
                RevokedToken.expires_at > utc_now()
            )
        )
        try:
            with self.client.pipeline() as pipeline:
                for jti, expires_at in rows:
                    pipeline.set(self._key(jti), "1", ex=seconds_until(expires_at))
                pipeline.set(self.MIRRORED, "1")
                pipeline.execute()
        except redis.RedisError:
            current_app.logger.warning("Redis unavailable; the blocklist copy stays unfilled")

    @staticmethod
    def _key(jti: str) -> str:
        return f"revoked-token:{jti}"


def seconds_until(moment: datetime) -> int:
    """Whole seconds from now until ``moment``, at least 1 (SQLite gives back naive UTC times)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(int((moment - utc_now()).total_seconds()) + 1, 1)


def init_blocklist(app: Flask) -> None:
    """Choose the store: the database, mirrored in Redis when ``REDIS_URL`` is set."""
    url = app.config["REDIS_URL"]
    store: TokenBlocklist
    if url:
        store = RedisMirroredBlocklist(redis.Redis.from_url(url, **redis_options()))
    else:
        store = DatabaseBlocklist()
    app.extensions[EXTENSION_KEY] = store


def token_blocklist() -> TokenBlocklist:
    """The running app's blocklist."""
    store: TokenBlocklist = current_app.extensions[EXTENSION_KEY]
    return store
