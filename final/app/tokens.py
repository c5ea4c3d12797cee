"""How Flask-JWT-Extended finds the user of a token and answers when a token is refused.

Left alone, the extension answers a bad token with 422 and its own body. Every loader here answers
401 in the API's error shape instead, with a code that says what to do next: sign in
(``unauthorized``, ``token_expired``, ``token_revoked``) or stop sending a broken one
(``invalid_token``).

The key loaders sign each token with the current key of signing_keys.py, name it in the token's
``kid`` header, and verify a token with the key its ``kid`` names, while that key is trusted.
"""

from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from flask import Flask, Response
from jwt import InvalidTokenError

from app.blocklist import init_blocklist
from app.errors import error_response
from app.extensions import jwt
from app.models import OAuthClient, User
from app.services import auth, clients
from app.signing_keys import current_keyring, init_signing_keys, utc_now

JwtDict = dict[str, Any]


def unauthorized(_reason: str) -> Response:
    """No token at all, or an Authorization header without the Bearer prefix."""
    return error_response(401, "unauthorized", "Sign in and send 'Authorization: Bearer <token>'.")


def invalid_token(_reason: str) -> Response:
    """A token that is malformed, tampered with, unsigned or of the wrong type."""
    return error_response(401, "invalid_token", "The token is invalid.")


def expired_token(_header: JwtDict, _payload: JwtDict) -> Response:
    """A token past its ``exp``."""
    return error_response(401, "token_expired", "The token has expired; refresh it or sign in.")


def revoked_token(_header: JwtDict, payload: JwtDict) -> Response:
    """A token revoked by logout, rotation or reuse detection."""
    auth.detect_refresh_token_reuse(payload)
    return error_response(401, "token_revoked", "The token has been revoked; sign in again.")


def needs_fresh_token(_header: JwtDict, _payload: JwtDict) -> Response:
    """A route that wants a token from a fresh sign-in got a refreshed one."""
    return error_response(401, "unauthorized", "This action needs a fresh sign-in.")


def user_lookup_failed(_header: JwtDict, _payload: JwtDict) -> Response:
    """A valid token whose user no longer exists."""
    return error_response(401, "invalid_token", "The token's user no longer exists.")


def invalid_token_claims(_header: JwtDict, _payload: JwtDict) -> Response:
    """A token whose claims failed verification."""
    return error_response(401, "invalid_token", "The token is invalid.")


def load_user(_header: JwtDict, payload: JwtDict) -> User | OAuthClient | None:
    """Who a token speaks for: a user, or a service client; None refuses the request.

    A token an OAuth client obtained names it in ``client_id``: once the client is revoked, the
    token is refused, whether it acts for the client itself or for a member who delegated.
    """
    client_id = payload.get("client_id")
    client = clients.active_client(str(client_id)) if client_id is not None else None
    if client_id is not None and client is None:
        return None
    if str(payload.get("sub", "")).startswith(clients.CLIENT_SUBJECT_PREFIX):
        return client
    return auth.load_token_user(payload)


def is_revoked(_header: JwtDict, payload: JwtDict) -> bool:
    """Ask the blocklist, and the user's token version, whether this token was revoked."""
    return auth.is_token_revoked(payload)


def signing_key(_identity: object) -> ec.EllipticCurvePrivateKey:
    """The key that signs every new token: the keyring's current one."""
    return current_keyring().current.private_key


def signing_key_header(_identity: object) -> dict[str, str]:
    """Name the signing key in the token's header, so a verifier knows which key to use."""
    return {"kid": current_keyring().current.kid}


def verifying_key(header: JwtDict, _payload: JwtDict) -> ec.EllipticCurvePublicKey:
    """The public key the token's ``kid`` names; unknown or retired keys make it invalid."""
    key = current_keyring().find(header.get("kid"), utc_now())
    if key is None:
        raise InvalidTokenError("The token's signing key is unknown or retired.")
    return key.private_key.public_key()


def register_token_callbacks(app: Flask) -> None:
    """Choose the token blocklist and register every loader on the JWT extension."""
    init_blocklist(app)
    init_signing_keys(app)
    jwt.encode_key_loader(signing_key)
    jwt.additional_headers_loader(signing_key_header)
    jwt.decode_key_loader(verifying_key)
    jwt.unauthorized_loader(unauthorized)
    jwt.invalid_token_loader(invalid_token)
    jwt.expired_token_loader(expired_token)
    jwt.revoked_token_loader(revoked_token)
    jwt.needs_fresh_token_loader(needs_fresh_token)
    jwt.user_lookup_loader(load_user)
    jwt.user_lookup_error_loader(user_lookup_failed)
    jwt.token_verification_failed_loader(invalid_token_claims)
    jwt.token_in_blocklist_loader(is_revoked)
