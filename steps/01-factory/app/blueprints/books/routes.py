"""Book routes: parse the request, call the books service, shape the answer.

In this step the checks on the request body are written by hand; step 03 replaces them with a
schema that validates and deserialises in one call.
"""

from dataclasses import asdict
from typing import Any

from flask import Blueprint, request

from app.errors import ValidationFailed
from app.services import books

books_bp = Blueprint("books", __name__)

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100


@books_bp.get("")
def list_books() -> dict[str, Any]:
    """List books, a page at a time."""
    page = max(request.args.get("page", 1, type=int), 1)
    per_page = min(max(request.args.get("per_page", DEFAULT_PER_PAGE, type=int), 1), MAX_PER_PAGE)
    items, total = books.list_books(page=page, per_page=per_page)
    return {
        "items": [asdict(book) for book in items],
        "page": page,
        "per_page": per_page,
        "total": total,
    }


@books_bp.get("/<id:book_id>")
def get_book(book_id: int) -> dict[str, Any]:
    """Fetch one book by id."""
    return asdict(books.get_book(book_id))


@books_bp.post("")
def create_book() -> tuple[dict[str, Any], int]:
    """Add a book to the catalogue."""
    payload = request.get_json()
    book = books.create_book(**parse_new_book(payload))
    return asdict(book), 201


def parse_new_book(payload: object) -> dict[str, Any]:
    """Check the fields of a new book by hand, collecting every problem at once."""
    if not isinstance(payload, dict):
        raise ValidationFailed(details={"_body": ["Expected a JSON object."]})
    errors: dict[str, list[str]] = {}
    for field in ("title", "isbn"):
        value = payload.get(field)
        if not isinstance(value, str) or not value.strip():
            errors[field] = ["Must be a non-empty string."]
    copies = payload.get("copies_total", 1)
    if not isinstance(copies, int) or isinstance(copies, bool) or copies < 0:
        errors["copies_total"] = ["Must be a whole number of at least 0."]
    year = payload.get("published_year")
    if year is not None and (not isinstance(year, int) or isinstance(year, bool)):
        errors["published_year"] = ["Must be a whole number or null."]
    if errors:
        raise ValidationFailed(details=errors)
    return {
        "title": payload["title"].strip(),
        "isbn": payload["isbn"].strip(),
        "published_year": year,
        "copies_total": copies,
    }
