"""A person who can sign in: a member who borrows books, or staff who manage the catalogue."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, TimestampMixin

if TYPE_CHECKING:
    from app.models.api_key import ApiKey
    from app.models.idempotency import IdempotencyKey
    from app.models.loan import Loan

# The role names, written once: code compares with these constants, never with literals.
MEMBER = "member"
LIBRARIAN = "librarian"
ADMIN = "admin"
ROLES = (MEMBER, LIBRARIAN, ADMIN)
STAFF_ROLES = (LIBRARIAN, ADMIN)


def normalise_email(email: str) -> str:
    """An email as it is stored and compared: trimmed and in lower case.

    Addresses compare case-insensitively, so ``Ada@Example.org`` and ``ada@example.org`` must be
    one account: every path that stores or looks up an email goes through this one function.
    """
    return email.strip().lower()


def new_token_key() -> str:
    """A random key for a new account's tokens: 128 bits, as 32 hex digits."""
    return secrets.token_hex(16)


class User(TimestampMixin, Base):
    """An account. Emails are stored in lower case, so the unique index ignores case."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('member', 'librarian', 'admin')", name="role"),
        # SQLite would otherwise give a deleted user's id to the next account (PostgreSQL's
        # sequences never reuse one): ids that are never reused cannot mix two people up.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default=MEMBER)
    # Every token carries the version it was issued under; raising it revokes them all at once.
    token_version: Mapped[int] = mapped_column(default=0)
    # Random per account, and carried by its tokens: an account made later under the same id
    # (a restored backup, a database that reuses ids) cannot accept a former account's tokens.
    token_key: Mapped[str] = mapped_column(String(32), default=new_token_key)

    loans: Mapped[list[Loan]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="Loan.id"
    )
    idempotency_keys: Mapped[list[IdempotencyKey]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )
    api_keys: Mapped[list[ApiKey]] = relationship(
        back_populates="owner", cascade="all, delete-orphan"
    )

    @property
    def is_staff(self) -> bool:
        """Librarians and admins manage the catalogue and see every loan."""
        return self.role in STAFF_ROLES
