"""Author routes: anyone may read; librarians and admins write."""

from typing import Any

from flask import Blueprint, Response, request

from app.models.user import STAFF_ROLES
from app.pagination import PageAnswer, with_link_header
from app.permissions import roles_required
from app.schemas import AuthorInputSchema, AuthorListQuerySchema, AuthorPageSchema, AuthorSchema
from app.schemas.common import dump
from app.services import authors

authors_bp = Blueprint("authors", __name__)

author_schema = AuthorSchema()
author_page_schema = AuthorPageSchema()
author_query_schema = AuthorListQuerySchema()
author_input_schema = AuthorInputSchema()


@authors_bp.get("")
def list_authors() -> PageAnswer:
    """List authors, a page at a time."""
    query = author_query_schema.load(request.args)
    return with_link_header(dump(author_page_schema, authors.list_authors(**query)))


@authors_bp.get("/<id:author_id>")
def get_author(author_id: int) -> dict[str, Any]:
    """Fetch one author."""
    return dump(author_schema, authors.get_author(author_id))


@authors_bp.post("")
@roles_required(*STAFF_ROLES)
def create_author() -> tuple[dict[str, Any], int]:
    """Add an author (librarians and admins)."""
    data = author_input_schema.load(request.get_json())
    return dump(author_schema, authors.create_author(**data)), 201


@authors_bp.patch("/<id:author_id>")
@roles_required(*STAFF_ROLES)
def update_author(author_id: int) -> dict[str, Any]:
    """Change an author (librarians and admins)."""
    changes = author_input_schema.load(request.get_json(), partial=True)
    author = authors.update_author(author_id=author_id, changes=changes)
    return dump(author_schema, author)


@authors_bp.delete("/<id:author_id>")
@roles_required(*STAFF_ROLES)
def delete_author(author_id: int) -> Response:
    """Delete an author who has no books (librarians and admins)."""
    authors.delete_author(author_id)
    return Response(status=204)
