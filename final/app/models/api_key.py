"""An API key: a long-lived secret an internal integration sends instead of signing in.

Only a hash of the key is stored. SHA-256 is the right hash here, where Argon2 is right for
passwords: a key is 256 random bits, so no amount of guessing finds it however fast the hash
is, and a fast hash without salt lets each request find its key by an indexed lookup. Argon2's
slowness protects secrets people choose, which are guessable; it would only slow every call.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, TimestampMixin

if TYPE_CHECKING:
    from app.models.user import User

# A fixed, recognisable start lets secret scanners (GitHub's, gitleaks) spot a leaked key.
KEY_PREFIX = "lib_live_"
# How much of a key the API shows back, so a person can tell their keys apart.
SHOWN_LENGTH = len(KEY_PREFIX) + 6


def new_api_key() -> str:
    """A new key: the prefix and 256 random bits, URL-safe."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_api_key(key: str) -> str:
    """The SHA-256 of a key, as stored and looked up (see the module's docstring for why)."""
    return hashlib.sha256(key.encode()).hexdigest()


class ApiKey(TimestampMixin, Base):
    """A key acting for the admin who made it, with no more than the scopes written on it."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    # The first characters of the key, shown in lists; the rest exists only with its holder.
    shown: Mapped[str] = mapped_column(String(20))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Space-separated, like a token's scope claim.
    scope: Mapped[str] = mapped_column(String(500))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    owner: Mapped[User] = relationship(back_populates="api_keys")
