"""OAuth 2 clients, the authorization codes they redeem, and the grants members give them.

Authlib's authorization server drives these rows through the methods its mixins name
(``check_client_secret``, ``get_scope``...). Nothing secret is stored as issued: client secrets,
codes and refresh tokens are kept as SHA-256 digests. They are long random strings, so a fast
hash is enough (a password needs Argon2 because people choose guessable ones).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

from authlib.oauth2.rfc6749 import AuthorizationCodeMixin, ClientMixin
from sqlalchemy import DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, TimestampMixin, utc_now

# The ways a client may prove who it is at the token endpoint (RFC 6749, 2.3.1).
TOKEN_ENDPOINT_AUTH_METHODS = ("client_secret_basic", "client_secret_post")


def digest(secret: str) -> str:
    """The SHA-256 of ``secret`` in hex: what is stored in place of a secret, code or token."""
    return hashlib.sha256(secret.encode()).hexdigest()


def aware(moment: datetime) -> datetime:
    """``moment`` with its UTC offset: SQLite hands back naive datetimes (stored in UTC)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class OAuthClient(TimestampMixin, Base, ClientMixin):  # type: ignore[misc]
    """A program registered by an admin: a service, or an app members delegate access to.

    During a secret rotation the previous secret stays valid until ``previous_secret_expires_at``,
    so the client's operators can deploy the new one without an outage.
    """

    __tablename__ = "oauth_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(48), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    # Space-separated lists, as OAuth writes them on the wire.
    scope: Mapped[str] = mapped_column(Text, default="")
    grant_types: Mapped[str] = mapped_column(Text, default="")
    redirect_uris: Mapped[str] = mapped_column(Text, default="")
    secret_hash: Mapped[str] = mapped_column(String(64))
    previous_secret_hash: Mapped[str | None] = mapped_column(String(64))
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def scopes(self) -> list[str]:
        """The scopes this client may ask for."""
        return self.scope.split()

    @property
    def grant_type_list(self) -> list[str]:
        """The grant types this client may use."""
        return self.grant_types.split()

    @property
    def redirect_uri_list(self) -> list[str]:
        """The redirect URIs registered for this client, matched exactly."""
        return self.redirect_uris.split()

    def get_client_id(self) -> str:
        """The public identifier the client sends."""
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        """No default: every authorization request must name its redirect URI."""
        return None

    def get_allowed_scope(self, scope: str | None) -> str | None:
        """The scope to grant: all of the client's when none is asked, None (refused) beyond it."""
        if not scope:
            return self.scope
        asked = scope.split()
        if not set(asked) <= set(self.scopes):
            return None
        return " ".join(dict.fromkeys(asked))

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        """Exact string match (RFC 9700): no prefixes, no wildcards, no added query."""
        return redirect_uri in self.redirect_uri_list

    def check_client_secret(self, client_secret: str) -> bool:
        """The current secret, or the previous one while its overlap lasts."""
        offered = digest(client_secret)
        if hmac.compare_digest(offered, self.secret_hash):
            return True
        if self.previous_secret_hash is None or self.previous_secret_expires_at is None:
            return False
        still_valid = aware(self.previous_secret_expires_at) > utc_now()
        return still_valid and hmac.compare_digest(offered, self.previous_secret_hash)

    def check_endpoint_auth_method(self, method: str, _endpoint: str) -> bool:
        """Every client is confidential: it authenticates with its secret, in a header or form."""
        return method in TOKEN_ENDPOINT_AUTH_METHODS

    def check_response_type(self, response_type: str) -> bool:
        """Only the code flow, and only for clients registered for it."""
        return response_type == "code" and "authorization_code" in self.grant_type_list

    def check_grant_type(self, grant_type: str) -> bool:
        """Whether the client was registered for ``grant_type``."""
        return grant_type in self.grant_type_list


class AuthorizationCode(Base, AuthorizationCodeMixin):  # type: ignore[misc]
    """A code a member's consent produced: single use, bound to its client, URI and challenge."""

    __tablename__ = "oauth_authorization_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("oauth_clients.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    redirect_uri: Mapped[str] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(Text)
    code_challenge: Mapped[str] = mapped_column(String(128))
    code_challenge_method: Mapped[str] = mapped_column(String(10))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    def get_redirect_uri(self) -> str:
        """The redirect URI the code was issued for; the exchange must repeat it."""
        return self.redirect_uri

    def get_scope(self) -> str:
        """The scope the member consented to."""
        return self.scope


class OAuthGrant(TimestampMixin, Base):
    """A member's standing consent to a client: its refresh token, listed and revocable.

    Refreshing rotates the token in place, so the grant keeps its id for the member's list. The
    token it replaced is remembered: presented again, it means the token leaked, and the grant
    is revoked (the same reuse detection as the API's own refresh tokens).
    """

    __tablename__ = "oauth_grants"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("oauth_clients.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    scope: Mapped[str] = mapped_column(Text)
    refresh_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    previous_refresh_token_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    # Loaded with the grant: the member's list names the client of each.
    client: Mapped[OAuthClient] = relationship(lazy="joined")

    @property
    def scopes(self) -> list[str]:
        """The scopes the member consented to."""
        return self.scope.split()

    def check_client(self, client: OAuthClient) -> bool:
        """A refresh token works only for the client it was issued to."""
        return client.id == self.client_id

    def get_scope(self) -> str:
        """The scope the member consented to."""
        return self.scope

    def is_usable(self) -> bool:
        """Not revoked and not expired."""
        return self.revoked_at is None and aware(self.expires_at) > utc_now()
