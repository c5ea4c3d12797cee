"""Where revoked tokens are remembered: one small interface, and a store behind it.

A JWT stays valid until it expires, so logging out means remembering its ``jti`` until then. The
database store needs nothing extra, and every gunicorn worker sees the same list.
"""

from datetime import datetime
from typing import Protocol

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import RevokedToken

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


def init_blocklist(app: Flask) -> None:
    """Give ``app`` its store: the database."""
    store: TokenBlocklist = DatabaseBlocklist()
    app.extensions[EXTENSION_KEY] = store


def token_blocklist() -> TokenBlocklist:
    """The running app's blocklist."""
    store: TokenBlocklist = current_app.extensions[EXTENSION_KEY]
    return store
