"""OAuth 2 client bodies: what an admin registers, what a client looks like, a member's grants."""

from typing import Any
from urllib.parse import urlsplit

from marshmallow import Schema, ValidationError, fields, validates, validates_schema
from marshmallow.validate import Length

from app.schemas.common import PageQuerySchema, PageSchema, UtcDateTime
from app.scopes import SCOPES

GRANT_TYPES = ("client_credentials", "authorization_code", "refresh_token")
# Loopback addresses may use plain HTTP: the redirect never leaves the machine (RFC 8252, 7.3).
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]"})


class ClientCreateSchema(Schema):
    """What an admin registers: a name, the scopes the client may ask for, and how it asks."""

    name = fields.String(required=True, validate=Length(min=1, max=100))
    scopes = fields.List(fields.String(), required=True, validate=Length(min=1, max=20))
    grant_types = fields.List(
        fields.String(), load_default=["client_credentials"], validate=Length(min=1, max=3)
    )
    redirect_uris = fields.List(
        fields.String(validate=Length(max=500)), load_default=list, validate=Length(max=10)
    )

    @validates("scopes")
    def validate_scopes(self, value: list[str], **_kwargs: Any) -> None:
        """Only scopes the API knows."""
        unknown = sorted(set(value) - set(SCOPES))
        if unknown:
            raise ValidationError(f"Unknown scopes: {', '.join(unknown)}.")

    @validates("grant_types")
    def validate_grant_types(self, value: list[str], **_kwargs: Any) -> None:
        """Only the grants this server implements."""
        unknown = sorted(set(value) - set(GRANT_TYPES))
        if unknown:
            raise ValidationError(f"Use {', '.join(GRANT_TYPES)}; not {', '.join(unknown)}.")

    @validates("redirect_uris")
    def validate_redirect_uris(self, value: list[str], **_kwargs: Any) -> None:
        """Absolute HTTPS URIs (HTTP on loopback) without a fragment, as RFC 6749 3.1.2 asks."""
        for uri in value:
            try:
                parts = urlsplit(uri)
            except ValueError as error:  # "http://[" and the like: no URI at all
                raise ValidationError(f"Not a URI: {uri[:100]}") from error
            secure = parts.scheme == "https" or (
                parts.scheme == "http" and parts.netloc.rsplit(":", 1)[0] in LOOPBACK_HOSTS
            )
            if not secure or not parts.netloc or parts.fragment or " " in uri:
                raise ValidationError(
                    "Each redirect URI must be absolute https:// (http:// on loopback only), "
                    "without a fragment."
                )

    @validates_schema
    def validate_flows(self, data: dict[str, Any], **_kwargs: Any) -> None:
        """The code flow needs a redirect URI; a refresh token exists only after a code."""
        grant_types = data.get("grant_types", [])
        if "authorization_code" in grant_types and not data.get("redirect_uris"):
            raise ValidationError(
                "The authorization_code grant needs a redirect URI.", "redirect_uris"
            )
        if "refresh_token" in grant_types and "authorization_code" not in grant_types:
            raise ValidationError("refresh_token goes with authorization_code.", "grant_types")


class ClientSchema(Schema):
    """A registered client as admins see it (never its secret)."""

    id = fields.Integer(required=True)
    client_id = fields.String(required=True)
    name = fields.String(required=True)
    scopes = fields.List(fields.String(), required=True)
    grant_types = fields.List(fields.String(), required=True, attribute="grant_type_list")
    redirect_uris = fields.List(fields.String(), required=True, attribute="redirect_uri_list")
    created_at = UtcDateTime(required=True)
    revoked_at = UtcDateTime(required=True, allow_none=True)
    previous_secret_expires_at = UtcDateTime(
        required=True,
        allow_none=True,
        metadata={"description": "Until when the secret before the last rotation still works."},
    )


class IssuedSecretSchema(Schema):
    """A client with its new secret: answered once, on registration or rotation."""

    client = fields.Nested(ClientSchema, required=True)
    client_secret = fields.String(
        required=True,
        metadata={"description": "Shown this once and stored only as a digest: keep it safe."},
    )


class ClientPageSchema(PageSchema):
    """A page of clients."""

    items = fields.List(fields.Nested(ClientSchema), required=True)


class ClientListQuerySchema(PageQuerySchema):
    """Paging and sorting of the client list."""

    sort_fields = ("name", "created_at")


class GrantSchema(Schema):
    """A member's standing consent to a client."""

    id = fields.Integer(required=True)
    client_name = fields.String(required=True, attribute="client.name")
    client_id = fields.String(required=True, attribute="client.client_id")
    scopes = fields.List(fields.String(), required=True)
    created_at = UtcDateTime(required=True)
    expires_at = UtcDateTime(required=True)


class GrantListSchema(Schema):
    """The member's grants."""

    items = fields.List(fields.Nested(GrantSchema), required=True)
