"""A title in the catalogue and how many of its copies are on the shelf.

The check constraints make the database itself refuse a negative stock or more copies available
than owned, whatever code (or race) tries to write one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, TimestampMixin

if TYPE_CHECKING:
    from app.models.author import Author
    from app.models.loan import Loan


class Book(TimestampMixin, Base):
    """A book, identified by its ISBN-13 (13 digits, no hyphens)."""

    __tablename__ = "books"
    __table_args__ = (
        CheckConstraint("copies_total >= 0", name="copies_total_not_negative"),
        CheckConstraint(
            "copies_available >= 0 AND copies_available <= copies_total",
            name="copies_available_in_range",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300), index=True)
    isbn: Mapped[str] = mapped_column(String(13), unique=True)
    published_year: Mapped[int | None]
    copies_total: Mapped[int] = mapped_column(default=1)
    copies_available: Mapped[int] = mapped_column(default=1)
    author_id: Mapped[int] = mapped_column(
        ForeignKey("authors.id", ondelete="RESTRICT"), index=True
    )

    # Every book is shown with its author: load it in the same query, with a JOIN. Each book has
    # exactly one author, so the join adds no rows and LIMIT still counts books.
    author: Mapped[Author] = relationship(back_populates="books", lazy="joined", innerjoin=True)
    loans: Mapped[list[Loan]] = relationship(
        back_populates="book", cascade="all, delete-orphan", order_by="Loan.id"
    )
