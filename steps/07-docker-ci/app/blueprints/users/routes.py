"""User routes: admins manage accounts; every user sees and changes their own."""

from typing import Any

from flask import Blueprint, Response, request

from app.models.user import ADMIN
from app.permissions import current_user, login_required, roles_required
from app.schemas import (
    LoanPageSchema,
    UserListQuerySchema,
    UserLoanListQuerySchema,
    UserPageSchema,
    UserSchema,
    UserUpdateSchema,
)
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
def list_users() -> dict[str, Any]:
    """List users, a page at a time (admins only).
    ---
    get:
      tags: [users]
      security: [{bearerAuth: []}]
      parameters:
      - in: query
        schema: UserListQuerySchema
      responses:
        200:
          description: A page of users.
          content:
            application/json:
              schema: UserPageSchema
        401:
          $ref: '#/components/responses/Unauthorized'
        403:
          $ref: '#/components/responses/Forbidden'
        422:
          $ref: '#/components/responses/ValidationError'
        429:
          $ref: '#/components/responses/RateLimited'
    """
    query = user_query_schema.load(request.args)
    body: dict[str, Any] = user_page_schema.dump(users.list_users(**query))
    return body


@users_bp.get("/<id:user_id>")
@login_required
def get_user(user_id: int) -> dict[str, Any]:
    """Fetch a user: yourself, or anyone if you are an admin.
    ---
    get:
      tags: [users]
      security: [{bearerAuth: []}]
      responses:
        200:
          description: The user.
          content:
            application/json:
              schema: UserSchema
        401:
          $ref: '#/components/responses/Unauthorized'
        403:
          $ref: '#/components/responses/Forbidden'
        404:
          $ref: '#/components/responses/NotFound'
        429:
          $ref: '#/components/responses/RateLimited'
    """
    user = users.get_user_for(viewer=current_user(), user_id=user_id)
    body: dict[str, Any] = user_schema.dump(user)
    return body


@users_bp.patch("/<id:user_id>")
@login_required
def update_user(user_id: int) -> dict[str, Any]:
    """Change a user's name or password (yourself), or role (admins).

    Your own new password needs your `current_password` (422 without it); an admin resetting
    someone else's needs none. A new password revokes every token issued before it.
    ---
    patch:
      tags: [users]
      security: [{bearerAuth: []}]
      requestBody:
        required: true
        content:
          application/json:
            schema: UserUpdateSchema
            example: {name: Ada King}
      responses:
        200:
          description: The changed user.
          content:
            application/json:
              schema: UserSchema
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
    changes = user_update_schema.load(request.get_json())
    user = users.update_user(user_id=user_id, changes=changes, viewer=current_user())
    body: dict[str, Any] = user_schema.dump(user)
    return body


@users_bp.delete("/<id:user_id>")
@roles_required(ADMIN)
def delete_user(user_id: int) -> Response:
    """Delete a user and their loans (admins only); copies they held go back on the shelf.

    All in one transaction, locked like a borrow: a borrow racing the deletion commits first
    (and its copy comes back too) or finds the user gone. No copy is ever lost.
    ---
    delete:
      tags: [users]
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
        429:
          $ref: '#/components/responses/RateLimited'
    """
    users.delete_user(user_id)
    return Response(status=204)


@users_bp.get("/<id:user_id>/loans")
@login_required
def list_user_loans(user_id: int) -> dict[str, Any]:
    """List one user's loans: your own, or anyone's if you are staff.
    ---
    get:
      tags: [users]
      security: [{bearerAuth: []}]
      parameters:
      - in: query
        schema: UserLoanListQuerySchema
      responses:
        200:
          description: A page of the user's loans.
          content:
            application/json:
              schema: LoanPageSchema
        401:
          $ref: '#/components/responses/Unauthorized'
        403:
          $ref: '#/components/responses/Forbidden'
        404:
          $ref: '#/components/responses/NotFound'
        422:
          $ref: '#/components/responses/ValidationError'
        429:
          $ref: '#/components/responses/RateLimited'
    """
    query = user_loans_query_schema.load(request.args)
    page = loans.list_user_loans(viewer=current_user(), user_id=user_id, **query)
    body: dict[str, Any] = loan_page_schema.dump(page)
    return body
