"""User routes: accounts and each user's loans, open to anyone until step 04 adds sign-in."""

from typing import Any

from flask import Blueprint, Response, request

from app.pagination import PageAnswer, with_link_header
from app.schemas import (
    LoanPageSchema,
    UserCreateSchema,
    UserListQuerySchema,
    UserLoanListQuerySchema,
    UserPageSchema,
    UserSchema,
    UserUpdateSchema,
)
from app.schemas.common import dump
from app.services import loans, users

users_bp = Blueprint("users", __name__)

user_schema = UserSchema()
user_page_schema = UserPageSchema()
user_query_schema = UserListQuerySchema()
user_create_schema = UserCreateSchema()
user_update_schema = UserUpdateSchema()
loan_page_schema = LoanPageSchema()
user_loans_query_schema = UserLoanListQuerySchema()


@users_bp.get("")
def list_users() -> PageAnswer:
    """List users, a page at a time."""
    query = user_query_schema.load(request.args)
    return with_link_header(dump(user_page_schema, users.list_users(**query)))


@users_bp.post("")
def create_user() -> tuple[dict[str, Any], int]:
    """Create a user by email and name (step 04 replaces this with registration)."""
    data = user_create_schema.load(request.get_json())
    return dump(user_schema, users.create_user(**data)), 201


@users_bp.get("/<id:user_id>")
def get_user(user_id: int) -> dict[str, Any]:
    """Fetch a user."""
    return dump(user_schema, users.get_user(user_id))


@users_bp.patch("/<id:user_id>")
def update_user(user_id: int) -> dict[str, Any]:
    """Change a user's name."""
    changes = user_update_schema.load(request.get_json())
    user = users.update_user(user_id=user_id, changes=changes)
    return dump(user_schema, user)


@users_bp.delete("/<id:user_id>")
def delete_user(user_id: int) -> Response:
    """Delete a user and their loans; copies they held go back on the shelf."""
    users.delete_user(user_id)
    return Response(status=204)


@users_bp.get("/<id:user_id>/loans")
def list_user_loans(user_id: int) -> PageAnswer:
    """List one user's loans."""
    query = user_loans_query_schema.load(request.args)
    page = loans.list_user_loans(user_id=user_id, **query)
    return with_link_header(dump(loan_page_schema, page))
