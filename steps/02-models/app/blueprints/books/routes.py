"""Book routes: anyone may read and write the catalogue until step 04 adds sign-in and roles."""

from typing import Any

from flask import Blueprint, Response

from app.bodies import BOOK_FIELDS, book_body, page_args, page_body, parse_body
from app.pagination import PageAnswer, with_link_header
from app.services import books

books_bp = Blueprint("books", __name__)


@books_bp.get("")
def list_books() -> PageAnswer:
    """List books, a page at a time."""
    return with_link_header(page_body(books.list_books(**page_args()), book_body))


@books_bp.get("/<id:book_id>")
def get_book(book_id: int) -> dict[str, Any]:
    """Fetch one book with its author and the copies available."""
    return book_body(books.get_book(book_id))


@books_bp.post("")
def create_book() -> tuple[dict[str, Any], int]:
    """Add a book, all its copies on the shelf."""
    data = parse_body(BOOK_FIELDS)
    return book_body(books.create_book(**data)), 201


@books_bp.patch("/<id:book_id>")
def update_book(book_id: int) -> dict[str, Any]:
    """Change a book; copies_total may not drop below the copies on loan."""
    changes = parse_body(BOOK_FIELDS, partial=True)
    book = books.update_book(book_id=book_id, changes=changes)
    return book_body(book)


@books_bp.delete("/<id:book_id>")
def delete_book(book_id: int) -> Response:
    """Delete a book and its loan history, unless a copy is on loan."""
    books.delete_book(book_id)
    return Response(status=204)
