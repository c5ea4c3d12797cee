"""User bodies: what a user looks like in answers (never a password) and what may change."""

from typing import Any

from marshmallow import Schema, fields
from marshmallow.validate import Length, OneOf
from marshmallow_sqlalchemy import SQLAlchemyAutoSchema

from app.models import User
from app.models.user import ROLES
from app.schemas.common import PageQuerySchema, PageSchema, UtcDateTime

PASSWORD_LENGTH = Length(min=8, max=256)
NAME_LENGTH = Length(min=1, max=100)


class UserSchema(SQLAlchemyAutoSchema[Any]):
    """A user as the API shows it."""

    class Meta:
        model = User
        fields = ("id", "email", "name", "role", "created_at")

    created_at = UtcDateTime(dump_only=True)


class UserPageSchema(PageSchema):
    """A page of users."""

    items = fields.List(fields.Nested(UserSchema), required=True)


class UserListQuerySchema(PageQuerySchema):
    """Paging and sorting of the user list."""

    sort_fields = ("email", "name", "created_at")


class UserUpdateSchema(Schema):
    """The fields of a user that may change; only an admin may change ``role``."""

    name = fields.String(validate=NAME_LENGTH)
    password = fields.String(validate=PASSWORD_LENGTH, load_only=True)
    # Needed to change your own password (see services/users.py), not to reset someone else's.
    current_password = fields.String(validate=Length(max=PASSWORD_LENGTH.max), load_only=True)
    role = fields.String(validate=OneOf(ROLES))
