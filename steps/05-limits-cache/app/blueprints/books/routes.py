"""Book routes: anyone may read (cached, with ETags); librarians and admins write."""

from typing import Any

from flask import Blueprint, Response, request

from app.caching import cached_with_etag
from app.models.user import STAFF_ROLES
from app.pagination import PageAnswer, with_link_header
from app.permissions import roles_required
from app.schemas import BookInputSchema, BookListQuerySchema, BookPageSchema, BookSchema
from app.schemas.common import dump
from app.services import books

books_bp = Blueprint("books", __name__)

book_schema = BookSchema()
book_page_schema = BookPageSchema()
book_query_schema = BookListQuerySchema()
book_input_schema = BookInputSchema()


@books_bp.get("")
@cached_with_etag(query=book_query_schema)
def list_books() -> PageAnswer:
    """List books, a page at a time, filtered by text, author or availability."""
    query = book_query_schema.load(request.args)
    return with_link_header(dump(book_page_schema, books.list_books(**query)))


@books_bp.get("/<id:book_id>")
@cached_with_etag()
def get_book(book_id: int) -> dict[str, Any]:
    """Fetch one book with its author and the copies available."""
    return dump(book_schema, books.get_book(book_id))


@books_bp.post("")
@roles_required(*STAFF_ROLES)
def create_book() -> tuple[dict[str, Any], int]:
    """Add a book, all its copies on the shelf (librarians and admins)."""
    data = book_input_schema.load(request.get_json())
    return dump(book_schema, books.create_book(**data)), 201


@books_bp.patch("/<id:book_id>")
@roles_required(*STAFF_ROLES)
def update_book(book_id: int) -> dict[str, Any]:
    """Change a book; copies_total may not drop below the copies on loan (staff)."""
    changes = book_input_schema.load(request.get_json(), partial=True)
    book = books.update_book(book_id=book_id, changes=changes)
    return dump(book_schema, book)


@books_bp.delete("/<id:book_id>")
@roles_required(*STAFF_ROLES)
def delete_book(book_id: int) -> Response:
    """Delete a book and its loan history, unless a copy is on loan (librarians and admins)."""
    books.delete_book(book_id)
    return Response(status=204)
