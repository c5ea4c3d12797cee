"""Auth routes: register, sign in, rotate tokens, sign out, and say who is signed in.

Sign-in is rate limited twice: per email (many addresses, one victim: strict) and per client
address (one attacker, many emails: loose, since a class or an office shares one address). Only
failed sign-ins count, so people who know their password never lock themselves out.
"""

from typing import Any

from flask import Blueprint, Response, current_app, request
from flask_jwt_extended import get_jwt

from app.caching import forbid_storing
from app.extensions import client_address, limiter
from app.operations import operation
from app.permissions import current_user, login_required, refresh_token_required, scopes_required
from app.schemas import LoginSchema, LogoutSchema, RegisterSchema, TokenPairSchema, UserSchema
from app.schemas.common import dump
from app.services import auth, users
from app.sign_in_limits import sign_in_limits

auth_bp = Blueprint("auth", __name__)

register_schema = RegisterSchema()
login_schema = LoginSchema()
logout_schema = LogoutSchema()
token_pair_schema = TokenPairSchema()
user_schema = UserSchema()

# Examples for the document; the contract tests replay the requests and compare the answers.
USER_EXAMPLE = {
    "id": 4,
    "email": "ada@example.org",
    "name": "Ada Lovelace",
    "role": "member",
    "created_at": "2026-01-15T09:30:00+00:00",
}
TOKEN_PAIR_EXAMPLE = {
    "access_token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.e30.access",
    "refresh_token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.e30.refresh",
    "token_type": "Bearer",
    "expires_in": 900,
}


auth_bp.after_request(forbid_storing)


def failed_sign_in(response: Response) -> bool:
    """Whether a sign-in counts against its limits: only refused credentials do."""
    return response.status_code == 401


def register_limit() -> str:
    """The registration limit, from the configuration."""
    return str(current_app.config["RATELIMIT_REGISTER"])


def login_email() -> object:
    """The email the JSON body signs in to, whatever its type (the key copes with none)."""
    payload = request.get_json(silent=True)
    return payload.get("email") if isinstance(payload, dict) else None


@auth_bp.post("/register")
@limiter.limit(register_limit, key_func=client_address)
@operation(
    body=RegisterSchema,
    response=UserSchema,
    status=201,
    errors=[409],
    example={
        "email": "ada@example.org",
        "password": "correct-horse-battery",
        "name": "Ada Lovelace",
    },
    answer=USER_EXAMPLE,
)
def register() -> tuple[dict[str, Any], int]:
    """Create an account and answer the new user."""
    data = register_schema.load(request.get_json())
    user = users.create_user(**data)
    return dump(user_schema, user), 201


@auth_bp.post("/login")
@sign_in_limits(email=login_email, failed=failed_sign_in)
@operation(
    body=LoginSchema,
    response=TokenPairSchema,
    errors=[401],
    example={"email": "ada@example.org", "password": "correct-horse-battery"},
    answer=TOKEN_PAIR_EXAMPLE,
)
def login() -> dict[str, Any]:
    """Exchange an email and password for an access token and a refresh token."""
    credentials = login_schema.load(request.get_json())
    user = auth.authenticate(**credentials)
    return dump(token_pair_schema, auth.issue_tokens(user))


@auth_bp.post("/refresh")
@refresh_token_required
@operation(response=TokenPairSchema)
def refresh() -> dict[str, Any]:
    """Trade a refresh token (sent as the Bearer token) for a new pair; the old one is revoked."""
    pair = auth.refresh_tokens(user=current_user(), claims=get_jwt())
    return dump(token_pair_schema, pair)


@auth_bp.post("/logout")
@login_required
@operation(
    body=LogoutSchema,
    body_required=False,
    status=204,
    example={"refresh_token": TOKEN_PAIR_EXAMPLE["refresh_token"]},
)
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
@scopes_required("users:read")
@operation(response=UserSchema)
def me() -> dict[str, Any]:
    """The signed-in user."""
    return dump(user_schema, current_user())
