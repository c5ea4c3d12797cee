"""Request and response bodies, checked and shaped by hand.

Every route reads its JSON body through ``parse_body`` and builds its answer with one of the
``*_body`` functions, so the API's field names live in one place. Step 03 replaces this module
with marshmallow schemas, which do the same work declaratively and check far more.
"""

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeGuard, TypeVar

from flask import request

from app.errors import ValidationFailed
from app.ids import MAX_ID
from app.models import Author, Book, Loan, User
from app.pagination import Page, page_links

T = TypeVar("T")
DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100

# What a field may hold: a check that answers an error message, or None when the value is fine.
Check = Callable[[object], str | None]


def _is_int(value: object) -> TypeGuard[int]:
    # JSON true and false arrive as bool, which Python counts as int: refuse them.
    return isinstance(value, int) and not isinstance(value, bool)


def text(value: object) -> str | None:
    """A non-empty string."""
    return None if isinstance(value, str) and value.strip() else "Must be a non-empty string."


def email(value: object) -> str | None:
    """Something that looks like an email address (step 03 checks it properly)."""
    return None if isinstance(value, str) and "@" in value else "Must be an email address."


def whole_number(value: object) -> str | None:
    """An integer of at least 0."""
    return None if _is_int(value) and value >= 0 else "Must be a whole number of at least 0."


def identifier(value: object) -> str | None:
    """An id: an integer from 1 to ``MAX_ID``, the range a row's id can have."""
    if _is_int(value) and 1 <= value <= MAX_ID:
        return None
    return f"Must be an id (a whole number from 1 to {MAX_ID})."


def optional_year(value: object) -> str | None:
    """A year, or null."""
    return None if value is None or _is_int(value) else "Must be a whole number or null."


USER_FIELDS: dict[str, Check] = {"email": email, "name": text}
USER_UPDATE_FIELDS: dict[str, Check] = {"name": text}
AUTHOR_FIELDS: dict[str, Check] = {"name": text, "birth_year": optional_year}
BOOK_FIELDS: dict[str, Check] = {
    "title": text,
    "isbn": text,
    "author_id": identifier,
    "published_year": optional_year,
    "copies_total": whole_number,
}
LOAN_FIELDS: dict[str, Check] = {"book_id": identifier, "user_id": identifier}
# Fields a body may leave out (the service has a default); every other field is required.
OPTIONAL = frozenset({"birth_year", "published_year", "copies_total"})


def parse_body(fields: Mapping[str, Check], *, partial: bool = False) -> dict[str, Any]:
    """The request's JSON object, checked field by field, reporting every problem at once.

    With ``partial=True`` (a PATCH) every field is optional. Unknown fields are ignored.
    """
    payload = request.get_json()
    if not isinstance(payload, dict):
        raise ValidationFailed(details={"_body": ["Expected a JSON object."]})
    errors: dict[str, list[str]] = {}
    data: dict[str, Any] = {}
    for name, check in fields.items():
        if name not in payload:
            if not (partial or name in OPTIONAL):
                errors[name] = ["Missing data for required field."]
            continue
        problem = check(payload[name])
        if problem:
            errors[name] = [problem]
        else:
            value = payload[name]
            data[name] = value.strip() if isinstance(value, str) else value
    if errors:
        raise ValidationFailed(details=errors)
    return data


def page_args() -> dict[str, int]:
    """``?page=`` and ``?per_page=``, forced into range (step 03 answers 422 instead)."""
    page = max(request.args.get("page", 1, type=int), 1)
    per_page = min(max(request.args.get("per_page", DEFAULT_PER_PAGE, type=int), 1), MAX_PER_PAGE)
    return {"page": page, "per_page": per_page}


def timestamp(value: datetime | None) -> str | None:
    """ISO 8601 with the UTC offset: SQLite hands back naive datetimes (stored in UTC)."""
    if value is None:
        return None
    return (value.replace(tzinfo=UTC) if value.tzinfo is None else value).isoformat()


def user_body(user: User) -> dict[str, Any]:
    """A user as the API shows it."""
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "created_at": timestamp(user.created_at),
    }


def author_body(author: Author) -> dict[str, Any]:
    """An author as the API shows it."""
    return {"id": author.id, "name": author.name, "birth_year": author.birth_year}


def book_body(book: Book) -> dict[str, Any]:
    """A book as the API shows it, with its author, so a list of books needs no second call."""
    return {
        "id": book.id,
        "title": book.title,
        "isbn": book.isbn,
        "author_id": book.author_id,
        "author": {"id": book.author.id, "name": book.author.name},
        "published_year": book.published_year,
        "copies_total": book.copies_total,
        "copies_available": book.copies_available,
        "created_at": timestamp(book.created_at),
    }


def loan_body(loan: Loan) -> dict[str, Any]:
    """A loan as the API shows it."""
    return {
        "id": loan.id,
        "book_id": loan.book_id,
        "user_id": loan.user_id,
        "loaned_at": timestamp(loan.loaned_at),
        "due_at": timestamp(loan.due_at),
        "returned_at": timestamp(loan.returned_at),
        "status": loan.status,
    }


def page_body(page: Page[T], item_body: Callable[[T], dict[str, Any]]) -> dict[str, Any]:
    """The envelope of every collection: the items, where this page sits and links to the others."""
    return {
        "items": [item_body(item) for item in page.items],
        "page": page.page,
        "per_page": page.per_page,
        "total": page.total,
        "links": page_links(page),
    }
