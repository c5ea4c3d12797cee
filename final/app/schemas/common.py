"""Fields and query schemas every resource shares: paging, sorting, ISBNs and UTC timestamps."""

from datetime import UTC, datetime
from typing import Any, ClassVar

from marshmallow import Schema, ValidationError, fields, pre_load, validates
from marshmallow.validate import Range
from werkzeug.datastructures import MultiDict

from app.ids import MAX_ID
from app.pagination import page_links

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
# Years a book may be published or an author born in: generous, but not absurd.
YEAR_RANGE = Range(min=-3000, max=2100)
ID_RANGE = Range(min=1, max=MAX_ID)


def isbn13_is_valid(digits: str) -> bool:
    """True for 13 ASCII digits whose last one is the ISBN-13 check digit of the first twelve."""
    if len(digits) != 13 or not (digits.isascii() and digits.isdigit()):
        return False
    weighted = sum(int(digit) * (3 if index % 2 else 1) for index, digit in enumerate(digits[:12]))
    return (10 - weighted % 10) % 10 == int(digits[12])


def dump(schema: Schema, value: object) -> dict[str, Any]:
    """``schema.dump(value)``, typed as the JSON object a view answers.

    marshmallow types ``dump`` as returning ``Any`` (it is a list with ``many=True``), which strict
    mypy refuses to pass off as a view's ``dict[str, Any]``. Saying so once, here, spares every
    view an annotated temporary.
    """
    body: dict[str, Any] = schema.dump(value)
    return body


class Isbn13(fields.String):
    """An ISBN-13: hyphens and spaces are allowed on input, 13 digits come out."""

    # marshmallow merges this class attribute with the parent's messages.
    default_error_messages = {  # noqa: RUF012
        "invalid_isbn": "Not a valid ISBN-13 (13 digits, valid check digit)."
    }

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        digits = text.replace("-", "").replace(" ", "")
        if not isbn13_is_valid(digits):
            raise self.make_error("invalid_isbn")
        return digits


class QueryInteger(fields.Integer):
    """A whole number in a query string, written the one way a client means it: ASCII digits.

    marshmallow's Integer hands the text to ``int()``, which also takes " 5", "+5", "5_0" and
    the digits of other scripts ("\u0665", "\uff15"): spellings no client needs, which a cache
    key, a log or a link built from the query would tell apart from "5". No parameter here is
    negative, so a sign is refused as well.
    """

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if not (isinstance(value, str) and value.isascii() and value.isdigit()):
            raise self.make_error("invalid")
        number: int = super()._deserialize(value, attr, data, **kwargs)
        return number


class UtcDateTime(fields.DateTime):
    """ISO 8601 timestamps that always carry their UTC offset.

    PostgreSQL returns timezone-aware datetimes; SQLite returns naive ones (stored in UTC).
    """

    def _serialize(
        self, value: Any, attr: str | None, obj: Any, **kwargs: Any
    ) -> str | float | None:
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return super()._serialize(value, attr, obj, **kwargs)


class PageQuerySchema(Schema):
    """``?page=``, ``?per_page=`` and ``?sort=``; subclasses list the fields they sort on."""

    sort_fields: ClassVar[tuple[str, ...]] = ()

    page = QueryInteger(load_default=1, validate=Range(min=1))
    per_page = QueryInteger(load_default=DEFAULT_PER_PAGE, validate=Range(min=1, max=MAX_PER_PAGE))
    sort = fields.String(
        metadata={"description": "A field name; prefix it with '-' for descending order."},
    )

    @validates("sort")
    def validate_sort(self, value: str, **_kwargs: Any) -> None:
        """Accept only the fields this collection sorts on."""
        if value.removeprefix("-") not in self.sort_fields:
            allowed = ", ".join(self.sort_fields)
            raise ValidationError(f"Sort by one of: {allowed} (prefix '-' for descending).")

    @pre_load
    def refuse_repeated_parameters(self, data: Any, **_kwargs: Any) -> Any:
        """``?page=1&page=2`` has no one meaning: refuse it rather than quietly take the first."""
        if isinstance(data, MultiDict):
            repeated = sorted(key for key, values in data.lists() if len(values) > 1)
            if repeated:
                raise ValidationError({key: ["Give this parameter once."] for key in repeated})
        return data


class PageLinksSchema(Schema):
    """Where a page sits: the URLs of this page and of the first, previous, next and last ones."""

    # "self" is a name Python gives a meaning to; the attribute differs, the JSON key does not.
    self_ = fields.String(required=True, data_key="self", attribute="self")
    first = fields.String(required=True)
    prev = fields.String(metadata={"description": "Absent on the first page."})
    next = fields.String(metadata={"description": "Absent on the last page and past it."})
    last = fields.String(required=True)


class PageSchema(Schema):
    """The envelope of every collection; subclasses set ``items``."""

    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)
    links = fields.Nested(PageLinksSchema, required=True)

    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        """Take ``links`` from the request the page answers; every other field from the page."""
        if attr == "links":
            return page_links(obj)
        return super().get_attribute(obj, attr, default)
