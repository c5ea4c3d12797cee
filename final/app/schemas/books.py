"""Book bodies and the filters of the book list."""

from typing import Any

from marshmallow import Schema, fields
from marshmallow.validate import Length, Range
from marshmallow_sqlalchemy import SQLAlchemyAutoSchema

from app.models import Book
from app.schemas.common import (
    ID_RANGE,
    YEAR_RANGE,
    Isbn13,
    PageQuerySchema,
    PageSchema,
    QueryInteger,
    UtcDateTime,
)

# A library with more copies of one title than this is more likely a typo.
COPIES_RANGE = Range(min=0, max=10_000)


class BookAuthorSchema(Schema):
    """The author embedded in a book, so a list of books needs no second call."""

    id = fields.Integer(required=True)
    name = fields.String(required=True)


class BookSchema(SQLAlchemyAutoSchema[Any]):
    """A book as the API shows it."""

    class Meta:
        model = Book
        include_fk = True
        fields = (
            "id",
            "title",
            "isbn",
            "author_id",
            "author",
            "published_year",
            "copies_total",
            "copies_available",
            "created_at",
        )

    author = fields.Nested(BookAuthorSchema, dump_only=True)
    created_at = UtcDateTime(dump_only=True)


class BookPageSchema(PageSchema):
    """A page of books."""

    items = fields.List(fields.Nested(BookSchema), required=True)


class BookListQuerySchema(PageQuerySchema):
    """Paging, sorting and filters of the book list."""

    sort_fields = ("title", "published_year", "created_at")

    q = fields.String(
        validate=Length(min=1, max=200),
        metadata={"description": "Case-insensitive text in the title or the author's name."},
    )
    author_id = QueryInteger(validate=ID_RANGE)
    available = fields.Boolean(
        metadata={"description": "true: only books with a copy on the shelf; false: none left."}
    )


class BookInputSchema(Schema):
    """A new book; load with ``partial=True`` for a change."""

    title = fields.String(required=True, validate=Length(min=1, max=300))
    isbn = Isbn13(required=True, metadata={"example": "978-0-14-143951-8"})
    author_id = fields.Integer(required=True, strict=True, validate=ID_RANGE)
    published_year = fields.Integer(strict=True, allow_none=True, validate=YEAR_RANGE)
    copies_total = fields.Integer(strict=True, load_default=1, validate=COPIES_RANGE)
