"""Author bodies."""

from typing import Any

from marshmallow import Schema, fields
from marshmallow.validate import Length
from marshmallow_sqlalchemy import SQLAlchemyAutoSchema

from app.models import Author
from app.schemas.common import YEAR_RANGE, PageQuerySchema, PageSchema


class AuthorSchema(SQLAlchemyAutoSchema[Any]):
    """An author as the API shows it."""

    class Meta:
        model = Author
        fields = ("id", "name", "birth_year")


class AuthorPageSchema(PageSchema):
    """A page of authors."""

    items = fields.List(fields.Nested(AuthorSchema), required=True)


class AuthorListQuerySchema(PageQuerySchema):
    """Paging and sorting of the author list."""

    sort_fields = ("name", "birth_year")


class AuthorInputSchema(Schema):
    """A new author; load with ``partial=True`` for a change."""

    name = fields.String(required=True, validate=Length(min=1, max=200))
    birth_year = fields.Integer(strict=True, allow_none=True, validate=YEAR_RANGE)
