"""Book routes: anyone may read and write the catalogue until step 04 adds sign-in and roles."""

from typing import Any

from flask import Blueprint, Response, request

from app.pagination import PageAnswer, with_link_header
from app.schemas import BookInputSchema, BookListQuerySchema, BookPageSchema, BookSchema
from app.schemas.common import dump
from app.services import books

books_bp = Blueprint("books", __name__)

book_schema = BookSchema()
book_page_schema = BookPageSchema()
book_query_schema = BookListQuerySchema()
book_input_schema = BookInputSchema()


@books_bp.get("")
def list_books() -> PageAnswer:
    """List books, a page at a time, filtered by text, author or availability."""
    query = book_query_schema.load(request.args)
    return with_link_header(dump(book_page_schema, books.list_books(**query)))


@books_bp.get("/<id:book_id>")
def get_book(book_id: int) -> dict[str, Any]:
    """Fetch one book with its author and the copies available."""
    return dump(book_schema, books.get_book(book_id))


@books_bp.post("")
def create_book() -> tuple[dict[str, Any], int]:
    """Add a book, all its copies on the shelf."""
    # BEGIN TASK 03.3
    data = book_input_schema.load(request.get_json())
    return dump(book_schema, books.create_book(**data)), 201
    # END TASK


@books_bp.patch("/<id:book_id>")
def update_book(book_id: int) -> dict[str, Any]:
    """Change a book; copies_total may not drop below the copies on loan."""
    changes = book_input_schema.load(request.get_json(), partial=True)
    book = books.update_book(book_id=book_id, changes=changes)
    return dump(book_schema, book)


@books_bp.delete("/<id:book_id>")
def delete_book(book_id: int) -> Response:
    """Delete a book and its loan history, unless a copy is on loan."""
    books.delete_book(book_id)
    return Response(status=204)
