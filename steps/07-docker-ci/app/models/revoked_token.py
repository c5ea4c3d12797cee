"""The database token blocklist: one row per revoked token, until the token would expire anyway."""

from datetime import datetime

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utc_now


class RevokedToken(Base):
    """A token (by its ``jti``) that must no longer be accepted."""

    __tablename__ = "revoked_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The unique index makes revoking atomic: of two requests revoking one token, one wins.
    jti: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    revoked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
