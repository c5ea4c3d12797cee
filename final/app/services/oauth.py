"""The OAuth 2 authorization server: Authlib's, fed with our clients, codes, grants and tokens.

Authlib implements the protocol (RFC 6749, RFC 7636): it parses the requests, authenticates the
client, checks the grant type, redirect URI, scope and PKCE verifier, and answers errors in the
RFC's own form. We supply only the storage (the methods below) and the tokens. The access tokens
are the API's usual JWTs, made by Flask-JWT-Extended with a ``scope`` claim, so every route
accepts them without knowing OAuth exists.
"""

import logging
import secrets
from datetime import timedelta
from typing import Any, ClassVar

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.errors import InvalidGrantError, InvalidRequestError, InvalidScopeError
from authlib.oauth2.rfc7636 import CodeChallenge
from flask import Flask, current_app
from flask_jwt_extended import create_access_token
from sqlalchemy import delete, select, update

from app.extensions import db
from app.models import AuthorizationCode, OAuthClient, OAuthGrant, User
from app.models.base import utc_now
from app.models.oauth import TOKEN_ENDPOINT_AUTH_METHODS, aware, digest
from app.scopes import SCOPES
from app.services.clients import CLIENT_SUBJECT_PREFIX, active_client

Token = dict[str, Any]

# Security events carry an ``event`` field for alerting, and never a secret or token.
log = logging.getLogger(__name__)


class S256CodeChallenge(CodeChallenge):  # type: ignore[misc]
    """PKCE, required on every authorization request, with SHA-256 only.

    Authlib also accepts ``plain``, where the challenge is the verifier itself: anyone who saw
    the authorization request could then redeem the code. RFC 9700 says to use S256.
    """

    DEFAULT_CODE_CHALLENGE_METHOD = "S256"
    SUPPORTED_CODE_CHALLENGE_METHOD: ClassVar[list[str]] = ["S256"]

    def validate_code_challenge(
        self, grant: grants.AuthorizationCodeGrant, redirect_uri: str
    ) -> None:
        """Refuse a request without a challenge, or with a method other than S256."""
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("Missing 'code_challenge': PKCE is required.")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("'code_challenge_method' must be S256.")
        super().validate_code_challenge(grant, redirect_uri)


class ClientCredentialsGrant(grants.ClientCredentialsGrant):  # type: ignore[misc]
    """A service client trades its id and secret for a token (RFC 6749, 4.4): nothing stored."""

    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = list(TOKEN_ENDPOINT_AUTH_METHODS)


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):  # type: ignore[misc]
    """Codes stored as digests, claimed (deleted) by their first exchange."""

    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = list(TOKEN_ENDPOINT_AUTH_METHODS)

    def save_authorization_code(self, code: str, request: Any) -> None:
        """Store the new code's digest with everything its exchange must match."""
        lifetime: timedelta = current_app.config["OAUTH_CODE_EXPIRES"]
        db.session.add(
            AuthorizationCode(
                code_hash=digest(code),
                client_id=request.client.id,
                user_id=request.user.id,
                redirect_uri=request.payload.redirect_uri,
                scope=request.scope,
                code_challenge=request.payload.data["code_challenge"],
                code_challenge_method="S256",
                expires_at=utc_now() + lifetime,
            )
        )
        db.session.commit()

    def query_authorization_code(self, code: str, client: OAuthClient) -> AuthorizationCode | None:
        """Claim the code for this exchange: it is deleted at once, so it works only once.

        Deleting before the verifier is checked means a failed exchange burns the code too; of
        two racing exchanges, only the one whose DELETE removed the row goes on.
        """
        item: AuthorizationCode | None = db.session.scalar(
            select(AuthorizationCode).where(
                AuthorizationCode.code_hash == digest(code),
                AuthorizationCode.client_id == client.id,
            )
        )
        if item is None:
            return None
        db.session.expunge(item)  # keep its values once the row is gone
        claimed = db.session.scalar(
            delete(AuthorizationCode)
            .where(AuthorizationCode.id == item.id)
            .returning(AuthorizationCode.id)
        )
        db.session.commit()
        if claimed is None or aware(item.expires_at) <= utc_now():
            return None
        return item

    def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
        """Nothing left to do: the exchange deleted the code when it claimed it."""

    def authenticate_user(self, authorization_code: AuthorizationCode) -> User | None:
        """The member who consented."""
        return db.session.get(User, authorization_code.user_id)

    def save_token(self, token: Token) -> None:
        """Record the member's consent as a grant holding the refresh token's digest."""
        if "refresh_token" not in token:
            return
        lifetime: timedelta = current_app.config["OAUTH_REFRESH_TOKEN_EXPIRES"]
        db.session.add(
            OAuthGrant(
                client_id=self.request.client.id,
                user_id=self.request.user.id,
                scope=token["scope"],
                refresh_token_hash=digest(token["refresh_token"]),
                expires_at=utc_now() + lifetime,
            )
        )
        db.session.commit()


class RefreshTokenGrant(grants.RefreshTokenGrant):  # type: ignore[misc]
    """Refresh tokens rotate on every use; an old one presented again revokes its grant."""

    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = list(TOKEN_ENDPOINT_AUTH_METHODS)
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token: str) -> OAuthGrant | None:
        """The live grant holding this token; a replaced token revokes its grant instead."""
        hashed = digest(refresh_token)
        grant = db.session.scalar(select(OAuthGrant).where(OAuthGrant.refresh_token_hash == hashed))
        if grant is not None:
            return grant if grant.is_usable() else None
        replayed = db.session.scalar(
            select(OAuthGrant).where(
                OAuthGrant.previous_refresh_token_hash == hashed, OAuthGrant.revoked_at.is_(None)
            )
        )
        if replayed is not None:
            log.warning(
                "A client's refresh token was used twice: the grant is revoked",
                extra={"event": "oauth_refresh_reuse_detected", "grant_id": replayed.id},
            )
            replayed.revoked_at = utc_now()
            db.session.commit()
        return None

    def authenticate_user(self, refresh_token: OAuthGrant) -> User | None:
        """The member who gave the grant."""
        return db.session.get(User, refresh_token.user_id)

    def save_token(self, token: Token) -> None:
        """Rotate the grant's refresh token, unless a racing refresh rotated it first."""
        grant: OAuthGrant = self.request.refresh_token
        rotated = db.session.scalar(
            update(OAuthGrant)
            .where(
                OAuthGrant.id == grant.id,
                OAuthGrant.refresh_token_hash == grant.refresh_token_hash,
            )
            .values(
                refresh_token_hash=digest(token["refresh_token"]),
                previous_refresh_token_hash=grant.refresh_token_hash,
            )
            .returning(OAuthGrant.id)
        )
        db.session.commit()
        if rotated is None:
            raise InvalidGrantError("The refresh token was just used.")

    def revoke_old_credential(self, refresh_token: OAuthGrant) -> None:
        """Nothing left to do: ``save_token`` replaced the old token in the same update."""


def generate_token(
    grant_type: str,  # noqa: ARG001 - Authlib passes every argument by name
    client: OAuthClient,
    user: User | None = None,
    scope: str | None = None,
    expires_in: int | None = None,  # noqa: ARG001 - our lifetimes come from the configuration
    include_refresh_token: bool = True,
) -> Token:
    """The token answer: the API's own JWT with the granted scope, and maybe a refresh token.

    A service client's token (no user) names the client as its subject and carries no role;
    a token a member delegated is that member's token, narrowed to the scope they consented to.
    """
    granted = client.get_allowed_scope(scope)
    if granted is None:
        raise InvalidScopeError()
    claims: dict[str, Any] = {"scope": granted, "client_id": client.client_id}
    if user is None:
        lifetime: timedelta = current_app.config["OAUTH_CLIENT_TOKEN_EXPIRES"]
        identity = CLIENT_SUBJECT_PREFIX + client.client_id
    else:
        lifetime = current_app.config["JWT_ACCESS_TOKEN_EXPIRES"]
        identity = str(user.id)
        claims |= {"role": user.role, "ver": user.token_version, "key": user.token_key}
    token: Token = {
        "token_type": "Bearer",
        "access_token": create_access_token(
            identity=identity, additional_claims=claims, expires_delta=lifetime
        ),
        "expires_in": int(lifetime.total_seconds()),
        "scope": granted,
    }
    if include_refresh_token and user is not None:
        token["refresh_token"] = secrets.token_urlsafe(48)
    return token


def session_member(user_id: object, token_key: object, token_version: object) -> User | None:
    """The member a consent-page session names, or None when it names no current account.

    The session keeps the account's ``token_key`` and ``token_version``, as a token does, so it
    outlives neither the account, nor a later account under the same id, nor a new password.
    """
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or (token_key, token_version) != (user.token_key, user.token_version):
        return None
    return user


def server_metadata(
    *, issuer: str, authorization_endpoint: str, token_endpoint: str, jwks_uri: str
) -> dict[str, Any]:
    """The RFC 8414 metadata, read from the server as configured, so it cannot drift from it.

    The issuer is the ``iss`` of every token, and ``jwks_uri`` serves the keys that verify them.
    """
    return {
        "issuer": issuer,
        "authorization_endpoint": authorization_endpoint,
        "token_endpoint": token_endpoint,
        "jwks_uri": jwks_uri,
        "scopes_supported": server.scopes_supported,
        "response_types_supported": sorted(AuthorizationCodeGrant.RESPONSE_TYPES),
        "grant_types_supported": [grant.GRANT_TYPE for grant in GRANTS],
        "token_endpoint_auth_methods_supported": list(TOKEN_ENDPOINT_AUTH_METHODS),
        "code_challenge_methods_supported": S256CodeChallenge.SUPPORTED_CODE_CHALLENGE_METHOD,
    }


def save_client_token(_token: Token, _request: Any) -> None:
    """A service client's token is a JWT that expires in minutes: nothing to store."""


# One server for every app (tests build many); init_oauth_server binds it to each in turn.
GRANTS = (ClientCredentialsGrant, AuthorizationCodeGrant, RefreshTokenGrant)
server = AuthorizationServer()
for grant_class in GRANTS:
    # PKCE goes with the code grant only; required=True makes the verifier compulsory too.
    extensions = [S256CodeChallenge(required=True)] if grant_class is AuthorizationCodeGrant else []
    server.register_grant(grant_class, extensions)


def init_oauth_server(app: Flask) -> None:
    """Bind the authorization server to ``app``, with our token generator and scopes."""
    server.init_app(app, query_client=active_client, save_token=save_client_token)
    server.register_token_generator("default", generate_token)
    server.scopes_supported = list(SCOPES)
