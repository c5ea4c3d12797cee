"""One page of a query: ``?page=`` and ``?per_page=`` work the same on every collection.

The total is counted first, so a page past the end answers an empty list without asking the
database for an offset it could not even represent.
"""

from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import Select, func, select

from app.extensions import db

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """The items of one page and what a client needs to ask for the next."""

    items: list[T]
    page: int
    per_page: int
    total: int


def paginate(statement: Select[T], *, page: int, per_page: int) -> Page[T]:
    """Run ``statement`` for one page; ``page`` counts from 1."""
    # BEGIN TASK 02.1
    count = select(func.count()).select_from(statement.order_by(None).subquery())
    total = db.session.scalar(count) or 0
    offset = (page - 1) * per_page
    items: list[T] = []
    if offset < total:
        items = list(db.session.scalars(statement.limit(per_page).offset(offset)))
    return Page(items=items, page=page, per_page=per_page, total=total)
    # END TASK
