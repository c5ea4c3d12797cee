"""User bodies: what a user looks like in answers and what may change."""

from typing import Any

from marshmallow import Schema, fields
from marshmallow.validate import Length
from marshmallow_sqlalchemy import SQLAlchemyAutoSchema

from app.models import User
from app.schemas.common import PageQuerySchema, PageSchema, UtcDateTime

NAME_LENGTH = Length(min=1, max=100)


class UserSchema(SQLAlchemyAutoSchema[Any]):
    """A user as the API shows it."""

    class Meta:
        model = User
        fields = ("id", "email", "name", "created_at")

    created_at = UtcDateTime(dump_only=True)


class UserPageSchema(PageSchema):
    """A page of users."""

    items = fields.List(fields.Nested(UserSchema), required=True)


class UserListQuerySchema(PageQuerySchema):
    """Paging and sorting of the user list."""

    sort_fields = ("email", "name", "created_at")


class UserCreateSchema(Schema):
    """A new user, by email and name (step 04 replaces it with registration)."""

    email = fields.Email(required=True, validate=Length(max=254))
    name = fields.String(required=True, validate=NAME_LENGTH)


class UserUpdateSchema(Schema):
    """The fields of a user that may change."""

    name = fields.String(validate=NAME_LENGTH)
