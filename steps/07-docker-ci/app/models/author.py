"""An author of books; an author with books cannot be deleted."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, TimestampMixin

if TYPE_CHECKING:
    from app.models.book import Book


class Author(TimestampMixin, Base):
    """A writer, by name and (when known) year of birth."""

    __tablename__ = "authors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    birth_year: Mapped[int | None]

    # No delete cascade: the service refuses to delete an author who still has books.
    books: Mapped[list[Book]] = relationship(
        back_populates="author", cascade="save-update, merge", order_by="Book.id"
    )
