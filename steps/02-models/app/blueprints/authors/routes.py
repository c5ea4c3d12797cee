"""Author routes: anyone may read and write them until step 04 adds sign-in and roles."""

from typing import Any

from flask import Blueprint, Response

from app.bodies import AUTHOR_FIELDS, author_body, page_args, page_body, parse_body
from app.pagination import PageAnswer, with_link_header
from app.services import authors

authors_bp = Blueprint("authors", __name__)


@authors_bp.get("")
def list_authors() -> PageAnswer:
    """List authors, a page at a time."""
    return with_link_header(page_body(authors.list_authors(**page_args()), author_body))


@authors_bp.get("/<id:author_id>")
def get_author(author_id: int) -> dict[str, Any]:
    """Fetch one author."""
    return author_body(authors.get_author(author_id))


@authors_bp.post("")
def create_author() -> tuple[dict[str, Any], int]:
    """Add an author."""
    data = parse_body(AUTHOR_FIELDS)
    return author_body(authors.create_author(**data)), 201


@authors_bp.patch("/<id:author_id>")
def update_author(author_id: int) -> dict[str, Any]:
    """Change an author."""
    changes = parse_body(AUTHOR_FIELDS, partial=True)
    author = authors.update_author(author_id=author_id, changes=changes)
    return author_body(author)


@authors_bp.delete("/<id:author_id>")
def delete_author(author_id: int) -> Response:
    """Delete an author who has no books."""
    authors.delete_author(author_id)
    return Response(status=204)
