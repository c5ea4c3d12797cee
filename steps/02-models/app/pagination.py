"""One page of a query: ``?page=`` and ``?per_page=`` work the same on every collection.

The total is counted first, so a page past the end answers an empty list without asking the
database for an offset it could not even represent. Every page links to its neighbours, in its
body and in a ``Link`` header, so a client follows ``next`` instead of building URLs itself.
"""

import math
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

from flask import request
from sqlalchemy import Select, func, select

from app.extensions import db

T = TypeVar("T")
# What a list view returns: the page's body and the headers that go with it.
PageAnswer = tuple[dict[str, Any], dict[str, str]]
_PAGING = frozenset({"page", "per_page"})


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


def page_links(page: Page[Any]) -> dict[str, str]:
    """The URLs of this page, the first, the previous, the next and the last (RFC 8288 names).

    Each is this request's path with ``page`` and ``per_page`` first, then the rest of its query
    in sorted order: filters and sort travel along, and one query always gives the same URLs.
    ``prev`` and ``next`` are left out where there is no such page; from a page past the end,
    ``prev`` leads back to the last one.
    """
    last = max(1, math.ceil(page.total / page.per_page))
    numbers = {"self": page.page, "first": 1}
    if page.page > 1:
        numbers["prev"] = min(page.page - 1, last)
    if page.page < last:
        numbers["next"] = page.page + 1
    numbers["last"] = last
    return {relation: _page_url(number, page.per_page) for relation, number in numbers.items()}


def _page_url(number: int, per_page: int) -> str:
    """This request's URL, root-relative, for page ``number`` of ``per_page`` items."""
    others = sorted(item for item in request.args.items(multi=True) if item[0] not in _PAGING)
    return f"{request.path}?{urlencode([('page', number), ('per_page', per_page), *others])}"


def with_link_header(body: dict[str, Any]) -> PageAnswer:
    """A page's body, and its ``links`` again as an RFC 8288 ``Link`` header.

    The header lets a client (or an HTTP library that parses ``Link``) page through a collection
    without reading the body; a view returns the pair and Flask sets the header.
    """
    header = ", ".join(f'<{url}>; rel="{relation}"' for relation, url in body["links"].items())
    return body, {"Link": header}
