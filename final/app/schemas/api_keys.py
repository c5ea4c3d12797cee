"""API key bodies: what an admin asks for, what a key looks like, and the one answer with it."""

from typing import Any

from marshmallow import Schema, fields
from marshmallow.validate import Length, OneOf, Range

from app.schemas.common import PageQuerySchema, PageSchema, UtcDateTime
from app.scopes import SCOPES

# Keys are rotated by making a new one before the old one expires: a year at most, 90 days unless
# asked otherwise, so a forgotten key dies on its own.
MAX_LIFETIME_DAYS = 365
DEFAULT_LIFETIME_DAYS = 90


class ApiKeyCreateSchema(Schema):
    """A new key: a name for people, the scopes it may use, and how many days it lives."""

    name = fields.String(required=True, validate=Length(min=1, max=100))
    scopes = fields.List(
        fields.String(validate=OneOf(sorted(SCOPES))), required=True, validate=Length(min=1)
    )
    expires_in_days = fields.Integer(
        strict=True,
        load_default=DEFAULT_LIFETIME_DAYS,
        validate=Range(min=1, max=MAX_LIFETIME_DAYS),
    )


class ApiKeySchema(Schema):
    """A key as lists show it: never the key itself, only its first characters."""

    id = fields.Integer(required=True)
    name = fields.String(required=True)
    shown = fields.String(
        required=True, metadata={"description": "The key's first characters, to tell keys apart."}
    )
    scopes = fields.Method("scope_list", required=True)
    owner_id = fields.Integer(required=True)
    created_at = UtcDateTime(required=True)
    expires_at = UtcDateTime(required=True)
    revoked_at = UtcDateTime(allow_none=True, required=True)

    def scope_list(self, api_key: Any) -> list[str]:
        """The key's space-separated scope, as a sorted list."""
        return sorted(str(api_key.scope).split())


class NewApiKeySchema(ApiKeySchema):
    """The answer to creating a key: the only time the key itself is shown."""

    key = fields.String(
        required=True, metadata={"description": "The key. Store it now: it is never shown again."}
    )


class ApiKeyPageSchema(PageSchema):
    """A page of keys."""

    items = fields.List(fields.Nested(ApiKeySchema), required=True)


class ApiKeyListQuerySchema(PageQuerySchema):
    """Paging and sorting of the key list."""

    sort_fields = ("name", "created_at", "expires_at")
