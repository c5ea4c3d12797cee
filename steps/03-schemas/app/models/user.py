"""A person who borrows books."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, TimestampMixin

if TYPE_CHECKING:
    from app.models.loan import Loan


class User(TimestampMixin, Base):
    """An account. Emails are stored in lower case, so the unique index ignores case."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(100))

    loans: Mapped[list[Loan]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="Loan.id"
    )
