"""User routes: accounts and each user's loans, open to anyone until step 04 adds sign-in."""

from typing import Any

from flask import Blueprint, Response

from app.bodies import (
    USER_FIELDS,
    USER_UPDATE_FIELDS,
    loan_body,
    page_args,
    page_body,
    parse_body,
    user_body,
)
from app.pagination import PageAnswer, with_link_header
from app.services import loans, users

users_bp = Blueprint("users", __name__)


@users_bp.get("")
def list_users() -> PageAnswer:
    """List users, a page at a time."""
    return with_link_header(page_body(users.list_users(**page_args()), user_body))


@users_bp.post("")
def create_user() -> tuple[dict[str, Any], int]:
    """Create a user by email and name (step 04 replaces this with registration)."""
    data = parse_body(USER_FIELDS)
    return user_body(users.create_user(**data)), 201


@users_bp.get("/<id:user_id>")
def get_user(user_id: int) -> dict[str, Any]:
    """Fetch a user."""
    return user_body(users.get_user(user_id))


@users_bp.patch("/<id:user_id>")
def update_user(user_id: int) -> dict[str, Any]:
    """Change a user's name."""
    changes = parse_body(USER_UPDATE_FIELDS, partial=True)
    user = users.update_user(user_id=user_id, changes=changes)
    return user_body(user)


@users_bp.delete("/<id:user_id>")
def delete_user(user_id: int) -> Response:
    """Delete a user and their loans; copies they held go back on the shelf."""
    users.delete_user(user_id)
    return Response(status=204)


@users_bp.get("/<id:user_id>/loans")
def list_user_loans(user_id: int) -> PageAnswer:
    """List one user's loans."""
    page = loans.list_user_loans(user_id=user_id, **page_args())
    return with_link_header(page_body(page, loan_body))
