"""Book routes: anyone may read (cached, with ETags); librarians and admins write."""

from typing import Any

from flask import Blueprint, Response, request

from app.caching import cached_with_etag
from app.models.user import STAFF_ROLES
from app.operations import operation
from app.pagination import PageAnswer, with_link_header
from app.permissions import roles_required, scopes_required
from app.schemas import BookInputSchema, BookListQuerySchema, BookPageSchema, BookSchema
from app.schemas.common import dump
from app.services import books

books_bp = Blueprint("books", __name__)

book_schema = BookSchema()
book_page_schema = BookPageSchema()
book_query_schema = BookListQuerySchema()
book_input_schema = BookInputSchema()

# An example for the document; the contract tests replay the requests and compare the answers.
BOOK_EXAMPLE = {
    "id": 40,
    "title": "Lady Susan",
    "isbn": "9780140439267",
    "author_id": 1,
    "author": {"id": 1, "name": "Jane Austen"},
    "published_year": 1871,
    "copies_total": 3,
    "copies_available": 3,
    "created_at": "2026-01-15T09:30:00+00:00",
}


@books_bp.get("")
@cached_with_etag(query=book_query_schema)
@operation(query=BookListQuerySchema, response=BookPageSchema, headers=["Link"])
def list_books() -> PageAnswer:
    """List books, a page at a time, filtered by text, author or availability."""
    query = book_query_schema.load(request.args)
    return with_link_header(dump(book_page_schema, books.list_books(**query)))


@books_bp.get("/<id:book_id>")
@cached_with_etag()
@operation(response=BookSchema, errors=[404])
def get_book(book_id: int) -> dict[str, Any]:
    """Fetch one book with its author and the copies available."""
    return dump(book_schema, books.get_book(book_id))


@books_bp.post("")
@roles_required(*STAFF_ROLES)
@scopes_required("catalog:write")
@operation(
    body=BookInputSchema,
    response=BookSchema,
    status=201,
    errors=[409],
    example={
        "title": "Lady Susan",
        "isbn": "978-0-14-043926-7",
        "author_id": 1,
        "published_year": 1871,
        "copies_total": 3,
    },
    answer=BOOK_EXAMPLE,
)
def create_book() -> tuple[dict[str, Any], int]:
    """Add a book, all its copies on the shelf (librarians and admins)."""
    data = book_input_schema.load(request.get_json())
    return dump(book_schema, books.create_book(**data)), 201


@books_bp.patch("/<id:book_id>")
@roles_required(*STAFF_ROLES)
@scopes_required("catalog:write")
@operation(
    body=BookInputSchema,
    partial=True,
    response=BookSchema,
    errors=[404, 409],
    example={"copies_total": 5},
    answer=BOOK_EXAMPLE,
)
def update_book(book_id: int) -> dict[str, Any]:
    """Change a book; copies_total may not drop below the copies on loan (staff)."""
    changes = book_input_schema.load(request.get_json(), partial=True)
    book = books.update_book(book_id=book_id, changes=changes)
    return dump(book_schema, book)


@books_bp.delete("/<id:book_id>")
@roles_required(*STAFF_ROLES)
@scopes_required("catalog:write")
@operation(status=204, errors=[404, 409])
def delete_book(book_id: int) -> Response:
    """Delete a book and its loan history, unless a copy is on loan (librarians and admins)."""
    books.delete_book(book_id)
    return Response(status=204)
