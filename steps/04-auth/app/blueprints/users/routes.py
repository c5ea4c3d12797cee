"""User routes: admins manage accounts; every user sees and changes their own."""

from typing import Any

from flask import Blueprint, Response, request

from app.models.user import ADMIN
from app.pagination import PageAnswer, with_link_header
from app.permissions import current_user, login_required, roles_required
from app.schemas import (
    LoanPageSchema,
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
user_update_schema = UserUpdateSchema()
loan_page_schema = LoanPageSchema()
user_loans_query_schema = UserLoanListQuerySchema()


@users_bp.get("")
@roles_required(ADMIN)
def list_users() -> PageAnswer:
    """List users, a page at a time (admins only)."""
    query = user_query_schema.load(request.args)
    return with_link_header(dump(user_page_schema, users.list_users(**query)))


@users_bp.get("/<id:user_id>")
@login_required
def get_user(user_id: int) -> dict[str, Any]:
    """Fetch a user: yourself, or anyone if you are an admin."""
    user = users.get_user_for(viewer=current_user(), user_id=user_id)
    return dump(user_schema, user)


@users_bp.patch("/<id:user_id>")
@login_required
def update_user(user_id: int) -> dict[str, Any]:
    """Change a user's name or password (yourself), or role (admins)."""
    changes = user_update_schema.load(request.get_json())
    user = users.update_user(user_id=user_id, changes=changes, viewer=current_user())
    return dump(user_schema, user)


@users_bp.delete("/<id:user_id>")
@roles_required(ADMIN)
def delete_user(user_id: int) -> Response:
    """Delete a user and their loans (admins only); copies they held go back on the shelf."""
    users.delete_user(user_id)
    return Response(status=204)


@users_bp.get("/<id:user_id>/loans")
@login_required
def list_user_loans(user_id: int) -> PageAnswer:
    """List one user's loans: your own, or anyone's if you are staff."""
    query = user_loans_query_schema.load(request.args)
    page = loans.list_user_loans(viewer=current_user(), user_id=user_id, **query)
    return with_link_header(dump(loan_page_schema, page))
