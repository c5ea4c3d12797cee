"""Book routes: anyone may read (cached, with ETags); librarians and admins write."""

from typing import Any

from flask import Blueprint, Response, request

from app.caching import cached_with_etag
from app.models.user import STAFF_ROLES
from app.permissions import roles_required
from app.schemas import BookInputSchema, BookListQuerySchema, BookPageSchema, BookSchema
from app.services import books

books_bp = Blueprint("books", __name__)

book_schema = BookSchema()
book_page_schema = BookPageSchema()
book_query_schema = BookListQuerySchema()
book_input_schema = BookInputSchema()


@books_bp.get("")
@cached_with_etag(query=book_query_schema)
def list_books() -> dict[str, Any]:
    """List books, a page at a time, filtered by text, author or availability.
    ---
    get:
      tags: [books]
      parameters:
      - in: query
        schema: BookListQuerySchema
      - IfNoneMatch
      responses:
        200:
          description: A page of books.
          headers:
            ETag:
              $ref: '#/components/headers/ETag'
          content:
            application/json:
              schema: BookPageSchema
        304:
          $ref: '#/components/responses/NotModified'
        422:
          $ref: '#/components/responses/ValidationError'
        429:
          $ref: '#/components/responses/RateLimited'
    """
    query = book_query_schema.load(request.args)
    body: dict[str, Any] = book_page_schema.dump(books.list_books(**query))
    return body


@books_bp.get("/<id:book_id>")
@cached_with_etag()
def get_book(book_id: int) -> dict[str, Any]:
    """Fetch one book with its author and the copies available.
    ---
    get:
      tags: [books]
      parameters:
      - IfNoneMatch
      responses:
        200:
          description: The book.
          headers:
            ETag:
              $ref: '#/components/headers/ETag'
          content:
            application/json:
              schema: BookSchema
        304:
          $ref: '#/components/responses/NotModified'
        404:
          $ref: '#/components/responses/NotFound'
        429:
          $ref: '#/components/responses/RateLimited'
    """
    body: dict[str, Any] = book_schema.dump(books.get_book(book_id))
    return body


@books_bp.post("")
@roles_required(*STAFF_ROLES)
def create_book() -> tuple[dict[str, Any], int]:
    """Add a book, all its copies on the shelf (librarians and admins).
    ---
    post:
      tags: [books]
      security: [{bearerAuth: []}]
      requestBody:
        required: true
        content:
          application/json:
            schema: BookInputSchema
            example:
              title: Frankenstein
              isbn: '978-0-14-143947-1'
              author_id: 1
              published_year: 1818
              copies_total: 3
      responses:
        201:
          description: The new book.
          content:
            application/json:
              schema: BookSchema
        400:
          $ref: '#/components/responses/BadRequest'
        401:
          $ref: '#/components/responses/Unauthorized'
        403:
          $ref: '#/components/responses/Forbidden'
        409:
          $ref: '#/components/responses/Conflict'
        413:
          $ref: '#/components/responses/PayloadTooLarge'
        415:
          $ref: '#/components/responses/UnsupportedMediaType'
        422:
          $ref: '#/components/responses/ValidationError'
        429:
          $ref: '#/components/responses/RateLimited'
    """
    data = book_input_schema.load(request.get_json())
    body: dict[str, Any] = book_schema.dump(books.create_book(**data))
    return body, 201


@books_bp.patch("/<id:book_id>")
@roles_required(*STAFF_ROLES)
def update_book(book_id: int) -> dict[str, Any]:
    """Change a book; copies_total may not drop below the copies on loan (staff).
    ---
    patch:
      tags: [books]
      security: [{bearerAuth: []}]
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/BookPatch'}
            example: {copies_total: 5}
      responses:
        200:
          description: The changed book.
          content:
            application/json:
              schema: BookSchema
        400:
          $ref: '#/components/responses/BadRequest'
        401:
          $ref: '#/components/responses/Unauthorized'
        403:
          $ref: '#/components/responses/Forbidden'
        404:
          $ref: '#/components/responses/NotFound'
        409:
          $ref: '#/components/responses/Conflict'
        413:
          $ref: '#/components/responses/PayloadTooLarge'
        415:
          $ref: '#/components/responses/UnsupportedMediaType'
        422:
          $ref: '#/components/responses/ValidationError'
        429:
          $ref: '#/components/responses/RateLimited'
    """
    changes = book_input_schema.load(request.get_json(), partial=True)
    book = books.update_book(book_id=book_id, changes=changes)
    body: dict[str, Any] = book_schema.dump(book)
    return body


@books_bp.delete("/<id:book_id>")
@roles_required(*STAFF_ROLES)
def delete_book(book_id: int) -> Response:
    """Delete a book and its loan history, unless a copy is on loan (librarians and admins).
    ---
    delete:
      tags: [books]
      security: [{bearerAuth: []}]
      responses:
        204:
          description: Deleted.
        401:
          $ref: '#/components/responses/Unauthorized'
        403:
          $ref: '#/components/responses/Forbidden'
        404:
          $ref: '#/components/responses/NotFound'
        409:
          $ref: '#/components/responses/Conflict'
        429:
          $ref: '#/components/responses/RateLimited'
    """
    books.delete_book(book_id)
    return Response(status=204)
