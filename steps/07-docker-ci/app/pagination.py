"""One page of a query: ``?page=``, ``?per_page=`` and ``?sort=`` work the same on every collection.

The total is counted first, so a page past the end answers an empty list without asking the
database for an offset it could not even represent.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import InstrumentedAttribute

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
    count = select(func.count()).select_from(statement.order_by(None).subquery())
    total = db.session.scalar(count) or 0
    offset = (page - 1) * per_page
    items: list[T] = []
    if offset < total:
        items = list(db.session.scalars(statement.limit(per_page).offset(offset)))
    return Page(items=items, page=page, per_page=per_page, total=total)


def apply_sort(
    statement: Select[T],
    sort: str | None,
    columns: Mapping[str, InstrumentedAttribute[Any]],
    *,
    tie_breaker: InstrumentedAttribute[Any],
) -> Select[T]:
    """Order by ``sort`` (a key of ``columns``, ``-`` first for descending), then by id.

    The id as the last key keeps the order stable, so no row shows up on two pages.
    """
    if sort:
        column = columns[sort.removeprefix("-")]
        statement = statement.order_by(column.desc() if sort.startswith("-") else column.asc())
    return statement.order_by(tie_breaker.asc())
