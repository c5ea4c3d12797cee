"""Passwords, sign-in and tokens: issuing, rotating and revoking them.

Refresh tokens rotate: each use revokes the token and hands out a new pair. A refresh token used
a second time means two parties hold it, one of them a thief, so every token of that user is
revoked at once (reuse detection) by raising the user's token version.
"""

import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_jwt_extended import create_access_token, create_refresh_token, decode_token
from flask_jwt_extended.exceptions import JWTExtendedException
from jwt import ExpiredSignatureError, PyJWTError
from sqlalchemy import select

from app.blocklist import token_blocklist
from app.errors import Unauthorized, ValidationFailed
from app.extensions import db
from app.ids import MAX_ID
from app.models import User
from app.models.user import normalise_email

Claims = dict[str, Any]

# Security events carry an ``event`` field for alerting, and never a password, token or email.
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TokenPair:
    """What a successful sign-in or refresh answers."""

    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "Bearer"  # noqa: S105 - the scheme's name, not a secret


def password_hasher() -> PasswordHasher:
    """An Argon2id hasher with the cost the configuration asks for."""
    config = current_app.config
    return PasswordHasher(
        time_cost=config["ARGON2_TIME_COST"],
        memory_cost=config["ARGON2_MEMORY_COST"],
        parallelism=config["ARGON2_PARALLELISM"],
    )


def hash_password(password: str) -> str:
    """Hash a password with Argon2id and a random salt."""
    return password_hasher().hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    """True when ``password`` is the one ``password_hash`` was made from."""
    try:
        return password_hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash(time_cost: int, memory_cost: int, parallelism: int) -> str:
    """A hash of a random password, made once per cost setting."""
    hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)
    return hasher.hash(secrets.token_urlsafe(32))


def authenticate(*, email: str, password: str) -> User:
    """The user with these credentials, or 401 ``invalid_credentials``.

    An unknown email is checked against a dummy hash, so both failures take the same time and
    an attacker cannot time the answer to learn which emails have accounts. Argon2 is slow on
    purpose, so it runs outside any transaction: on SQLite, a POST's transaction holds the
    database's one write lock (see extensions.py), and every other sign-in would wait for it.
    """
    hasher = password_hasher()
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    stored_hash = (
        user.password_hash
        if user is not None
        else _dummy_hash(hasher.time_cost, hasher.memory_cost, hasher.parallelism)
    )
    db.session.rollback()  # end the read transaction, and its lock, before the slow part
    try:
        hasher.verify(stored_hash, password)
        signed_in = user
    except (VerificationError, InvalidHashError):
        signed_in = None
    if signed_in is None:
        raise _login_failed(user)
    if hasher.check_needs_rehash(stored_hash):
        # The cost settings went up since this hash was made: upgrade it while we know the
        # password. The new hash is made first, so the write transaction stays short.
        signed_in.password_hash = hasher.hash(password)
        db.session.commit()
    return signed_in


def issue_tokens(user: User) -> TokenPair:
    """A new access token and refresh token for ``user``."""
    claims = {"role": user.role, "ver": user.token_version, "key": user.token_key}
    identity = str(user.id)
    expires = current_app.config["JWT_ACCESS_TOKEN_EXPIRES"]
    return TokenPair(
        access_token=create_access_token(identity=identity, additional_claims=claims),
        refresh_token=create_refresh_token(identity=identity, additional_claims=claims),
        expires_in=int(expires.total_seconds()),
    )


def refresh_tokens(*, user: User, claims: Claims) -> TokenPair:
    """Revoke the refresh token just used and issue a new pair (rotation)."""
    if not token_blocklist().revoke(claims["jti"], expires_at=_expiry(claims)):
        # Another request spent this token a moment ago: treat it as reuse.
        revoke_all_tokens(user)
        raise Unauthorized("The token has been revoked; sign in again.", code="token_revoked")
    db.session.commit()
    return issue_tokens(user)


def logout(*, user: User, access_claims: Claims, refresh_token: str | None) -> None:
    """Revoke the access token presented and, when given, the user's refresh token."""
    blocklist = token_blocklist()
    if refresh_token is not None:
        refresh_claims = _decode_own_refresh_token(user, refresh_token)
        if refresh_claims is not None:
            blocklist.revoke(refresh_claims["jti"], expires_at=_expiry(refresh_claims))
    blocklist.revoke(access_claims["jti"], expires_at=_expiry(access_claims))
    db.session.commit()


def revoke_all_tokens(user: User) -> None:
    """Revoke every token ``user`` holds, by raising the version their tokens must carry.

    Only a reused refresh token does this, so it is also a security event for the log.
    """
    log.warning(
        "A refresh token was used twice: every token of the account is revoked",
        extra={"event": "refresh_reuse_detected", "account_id": user.id},
    )
    user.token_version += 1
    db.session.commit()


def detect_refresh_token_reuse(claims: Claims) -> None:
    """A revoked refresh token presented again: revoke every token of its user."""
    if claims.get("type") != "refresh" or not token_blocklist().is_revoked(claims["jti"]):
        return
    user = load_token_user(claims)
    # Tokens of an older version are already dead; reacting again would log the user out of
    # the session they started since, and let anyone with an old token do so at will.
    if user is not None and claims.get("ver") == user.token_version:
        revoke_all_tokens(user)


def load_token_user(claims: Claims) -> User | None:
    """The user a token's ``sub`` names, or None when there is none.

    A user whose ``token_key`` differs from the token's is another account under the same id,
    so it is none too: the token is refused as one whose user no longer exists.
    """
    subject = str(claims.get("sub", ""))
    if not subject.isdigit() or int(subject) > MAX_ID:
        return None
    user = db.session.get(User, int(subject))
    if user is None or claims.get("key") != user.token_key:
        return None
    return user


def is_token_revoked(claims: Claims) -> bool:
    """True when the token is on the blocklist or older than its user's token version."""
    if token_blocklist().is_revoked(claims["jti"]):
        return True
    user = load_token_user(claims)
    return user is not None and claims.get("ver") != user.token_version


def _login_failed(user: User | None) -> Unauthorized:
    """Log a failed sign-in and return the 401 to raise.

    The event names the account when the email has one, and never the email itself: it is
    personal data, and people type their password into the wrong field.
    """
    account_id = None if user is None else user.id
    log.info("Sign-in refused", extra={"event": "login_failed", "account_id": account_id})
    return Unauthorized("The email or password is incorrect.", code="invalid_credentials")


def _expiry(claims: Claims) -> datetime:
    return datetime.fromtimestamp(int(claims["exp"]), UTC)


def _decode_own_refresh_token(user: User, token: str) -> Claims | None:
    """The claims of ``user``'s refresh token; None when it expired (nothing left to revoke)."""
    try:
        claims: Claims = decode_token(token)
    except ExpiredSignatureError:
        return None
    except (PyJWTError, JWTExtendedException) as error:
        raise _not_a_refresh_token() from error
    if claims.get("type") != "refresh" or claims.get("sub") != str(user.id):
        raise _not_a_refresh_token()
    return claims


def _not_a_refresh_token() -> ValidationFailed:
    return ValidationFailed(details={"refresh_token": ["Not a valid refresh token of yours."]})
