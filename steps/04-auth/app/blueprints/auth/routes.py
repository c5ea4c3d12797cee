"""Auth routes: register, sign in, rotate tokens, sign out, and say who is signed in."""

from typing import Any

from flask import Blueprint, Response, request
from flask_jwt_extended import get_jwt

from app.permissions import current_user, login_required, refresh_token_required
from app.schemas import LoginSchema, LogoutSchema, RegisterSchema, TokenPairSchema, UserSchema
from app.schemas.common import dump
from app.services import auth, users

auth_bp = Blueprint("auth", __name__)

register_schema = RegisterSchema()
login_schema = LoginSchema()
logout_schema = LogoutSchema()
token_pair_schema = TokenPairSchema()
user_schema = UserSchema()


@auth_bp.after_request
def forbid_storing_the_answer(response: Response) -> Response:
    """Keep every cache from storing an auth answer: it may hold tokens (RFC 6749, 5.1)."""
    response.headers["Cache-Control"] = "no-store"
    return response


@auth_bp.post("/register")
def register() -> tuple[dict[str, Any], int]:
    """Create an account and answer the new user."""
    data = register_schema.load(request.get_json())
    user = users.create_user(**data)
    return dump(user_schema, user), 201


@auth_bp.post("/login")
def login() -> dict[str, Any]:
    """Exchange an email and password for an access token and a refresh token."""
    credentials = login_schema.load(request.get_json())
    user = auth.authenticate(**credentials)
    return dump(token_pair_schema, auth.issue_tokens(user))


@auth_bp.post("/refresh")
@refresh_token_required
def refresh() -> dict[str, Any]:
    """Trade a refresh token (sent as the Bearer token) for a new pair; the old one is revoked."""
    pair = auth.refresh_tokens(user=current_user(), claims=get_jwt())
    return dump(token_pair_schema, pair)


@auth_bp.post("/logout")
@login_required
def logout() -> Response:
    """Revoke the access token presented and, if the body names it, the refresh token."""
    # The body is optional. get_data() sees it however it is framed: a chunked body has no
    # Content-Length, so testing request.content_length would silently ignore its refresh token.
    data = logout_schema.load(request.get_json()) if request.get_data() else {}
    auth.logout(
        user=current_user(), access_claims=get_jwt(), refresh_token=data.get("refresh_token")
    )
    return Response(status=204)


@auth_bp.get("/me")
@login_required
def me() -> dict[str, Any]:
    """The signed-in user."""
    return dump(user_schema, current_user())
