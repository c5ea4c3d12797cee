"""Author routes: anyone may read (cached, with ETags); librarians and admins write."""

from typing import Any

from flask import Blueprint, Response, request

from app.caching import cached_with_etag
from app.models.user import STAFF_ROLES
from app.permissions import roles_required
from app.schemas import AuthorInputSchema, AuthorListQuerySchema, AuthorPageSchema, AuthorSchema
from app.services import authors

authors_bp = Blueprint("authors", __name__)

author_schema = AuthorSchema()
author_page_schema = AuthorPageSchema()
author_query_schema = AuthorListQuerySchema()
author_input_schema = AuthorInputSchema()


@authors_bp.get("")
@cached_with_etag(query=author_query_schema)
def list_authors() -> dict[str, Any]:
    """List authors, a page at a time.
    ---
    get:
      tags: [authors]
      parameters:
      - in: query
        schema: AuthorListQuerySchema
      - IfNoneMatch
      responses:
        200:
          description: A page of authors.
          headers:
            ETag:
              $ref: '#/components/headers/ETag'
          content:
            application/json:
              schema: AuthorPageSchema
        304:
          $ref: '#/components/responses/NotModified'
        422:
          $ref: '#/components/responses/ValidationError'
        429:
          $ref: '#/components/responses/RateLimited'
    """
    query = author_query_schema.load(request.args)
    body: dict[str, Any] = author_page_schema.dump(authors.list_authors(**query))
    return body


@authors_bp.get("/<id:author_id>")
@cached_with_etag()
def get_author(author_id: int) -> dict[str, Any]:
    """Fetch one author.
    ---
    get:
      tags: [authors]
      parameters:
      - IfNoneMatch
      responses:
        200:
          description: The author.
          headers:
            ETag:
              $ref: '#/components/headers/ETag'
          content:
            application/json:
              schema: AuthorSchema
        304:
          $ref: '#/components/responses/NotModified'
        404:
          $ref: '#/components/responses/NotFound'
        429:
          $ref: '#/components/responses/RateLimited'
    """
    body: dict[str, Any] = author_schema.dump(authors.get_author(author_id))
    return body


@authors_bp.post("")
@roles_required(*STAFF_ROLES)
def create_author() -> tuple[dict[str, Any], int]:
    """Add an author (librarians and admins).
    ---
    post:
      tags: [authors]
      security: [{bearerAuth: []}]
      requestBody:
        required: true
        content:
          application/json:
            schema: AuthorInputSchema
            example: {name: Mary Shelley, birth_year: 1797}
      responses:
        201:
          description: The new author.
          content:
            application/json:
              schema: AuthorSchema
        400:
          $ref: '#/components/responses/BadRequest'
        401:
          $ref: '#/components/responses/Unauthorized'
        403:
          $ref: '#/components/responses/Forbidden'
        415:
          $ref: '#/components/responses/UnsupportedMediaType'
        422:
          $ref: '#/components/responses/ValidationError'
        429:
          $ref: '#/components/responses/RateLimited'
    """
    data = author_input_schema.load(request.get_json())
    body: dict[str, Any] = author_schema.dump(authors.create_author(**data))
    return body, 201


@authors_bp.patch("/<id:author_id>")
@roles_required(*STAFF_ROLES)
def update_author(author_id: int) -> dict[str, Any]:
    """Change an author (librarians and admins).
    ---
    patch:
      tags: [authors]
      security: [{bearerAuth: []}]
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/AuthorPatch'}
            example: {birth_year: 1797}
      responses:
        200:
          description: The changed author.
          content:
            application/json:
              schema: AuthorSchema
        400:
          $ref: '#/components/responses/BadRequest'
        401:
          $ref: '#/components/responses/Unauthorized'
        403:
          $ref: '#/components/responses/Forbidden'
        404:
          $ref: '#/components/responses/NotFound'
        415:
          $ref: '#/components/responses/UnsupportedMediaType'
        422:
          $ref: '#/components/responses/ValidationError'
        429:
          $ref: '#/components/responses/RateLimited'
    """
    changes = author_input_schema.load(request.get_json(), partial=True)
    author = authors.update_author(author_id=author_id, changes=changes)
    body: dict[str, Any] = author_schema.dump(author)
    return body


@authors_bp.delete("/<id:author_id>")
@roles_required(*STAFF_ROLES)
def delete_author(author_id: int) -> Response:
    """Delete an author who has no books (librarians and admins).
    ---
    delete:
      tags: [authors]
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
    authors.delete_author(author_id)
    return Response(status=204)
