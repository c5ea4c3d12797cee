"""A person who borrows books."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, TimestampMixin

if TYPE_CHECKING:
    from app.models.loan import Loan


def normalise_email(email: str) -> str:
    """An email as it is stored and compared: trimmed and in lower case.

    Addresses compare case-insensitively, so ``Ada@Example.org`` and ``ada@example.org`` must be
    one account: every path that stores or looks up an email goes through this one function.
    """
    return email.strip().lower()


class User(TimestampMixin, Base):
    """An account. Emails are stored in lower case, so the unique index ignores case."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(100))

    loans: Mapped[list[Loan]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="Loan.id"
    )
