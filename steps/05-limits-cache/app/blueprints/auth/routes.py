"""Auth routes: register, sign in, rotate tokens, sign out, and say who is signed in.

Sign-in is rate limited twice: per email (many addresses, one victim: strict) and per client
address (one attacker, many emails: loose, since a class or an office shares one address). Only
failed sign-ins count, so people who know their password never lock themselves out.
"""

from typing import Any

from flask import Blueprint, Response, current_app, request
from flask_jwt_extended import get_jwt

from app.extensions import client_address, limiter
from app.models.user import normalise_email
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


def login_account_limit() -> str:
    """The limit of failed sign-ins to one account, from the configuration."""
    return str(current_app.config["RATELIMIT_LOGIN_ACCOUNT"])


def login_address_limit() -> str:
    """The limit of failed sign-ins from one address, from the configuration."""
    return str(current_app.config["RATELIMIT_LOGIN_ADDRESS"])


def failed_sign_in(response: Response) -> bool:
    """Whether a sign-in counts against its limits: only refused credentials do."""
    return response.status_code == 401


def register_limit() -> str:
    """The registration limit, from the configuration."""
    return str(current_app.config["RATELIMIT_REGISTER"])


def login_email_key() -> str:
    """The email being signed in to, normalised, so guesses from many addresses add up."""
    # BEGIN TASK 05.2
    payload = request.get_json(silent=True)
    email = payload.get("email") if isinstance(payload, dict) else None
    if not isinstance(email, str):
        return f"address:{client_address()}"
    return f"email:{normalise_email(email)}"
    # END TASK


@auth_bp.post("/register")
@limiter.limit(register_limit, key_func=client_address)
def register() -> tuple[dict[str, Any], int]:
    """Create an account and answer the new user."""
    data = register_schema.load(request.get_json())
    user = users.create_user(**data)
    return dump(user_schema, user), 201


@auth_bp.post("/login")
# deduct_when: each limit is checked before the view but counted after it, and only on failure.
# The default limit still counts every request (override_defaults=False on both), so even
# right passwords cannot make the server run Argon2 without end.
@limiter.limit(
    login_address_limit,
    key_func=client_address,
    deduct_when=failed_sign_in,
    override_defaults=False,
)
@limiter.limit(
    login_account_limit,
    key_func=login_email_key,
    deduct_when=failed_sign_in,
    override_defaults=False,
)
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
