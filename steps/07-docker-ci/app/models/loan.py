"""A loan of one copy of a book to one user, open until the copy comes back.

The partial unique index lets a user hold at most one active loan of the same book: the database
enforces the rule even when two requests race past the service's own check.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import DateTime, ForeignKey, Index, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, utc_now

if TYPE_CHECKING:
    from app.models.book import Book
    from app.models.user import User

ACTIVE = "active"
RETURNED = "returned"


class Loan(Base):
    """A book lent to a user; ``returned_at`` is empty while the loan is active."""

    __tablename__ = "loans"
    __table_args__ = (
        Index(
            "uq_loans_active_user_book",
            "user_id",
            "book_id",
            unique=True,
            sqlite_where=text("returned_at IS NULL"),
            postgresql_where=text("returned_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id", ondelete="CASCADE"), index=True)
    loaned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    returned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship(back_populates="loans")
    book: Mapped[Book] = relationship(back_populates="loans")

    @property
    def status(self) -> str:
        """``active`` until the copy is returned, then ``returned``."""
        return ACTIVE if self.returned_at is None else RETURNED
