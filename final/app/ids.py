"""What an id in a URL may be, written once: a whole number from 1 to ``MAX_ID``.

Routes say ``/<id:book_id>`` where Flask's own converter would be ``/<int:book_id>``. Anything
else in that place (0, a negative number, a number too large, a word) names no resource, so the
answer is 404 before the view runs, and no service has to check the bound again.
"""

from flask import Flask
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter, Map, ValidationError

# Primary keys are INTEGER columns, 4 bytes in PostgreSQL: no row can have a larger id, and asking
# the database for one would fail on the overflow instead of finding nothing.
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """Werkzeug's ``int`` converter, bounded to the ids a row can have, in ASCII digits only."""

    # Werkzeug's pattern is \d+, which in Python matches the digits of every script, and int()
    # reads "\u0662" (Arabic-Indic) as 2: one book would answer at many URLs, each cached and
    # logged apart. An id is written one way.
    regex = "[0-9]+"

    def __init__(self, url_map: Map) -> None:
        super().__init__(url_map, min=1, max=MAX_ID)

    def to_python(self, value: str) -> int:
        """The id in ``value``, or 404 when it is out of range.

        Werkzeug's own ``ValidationError`` would mean "try the next rule". GET, PATCH and DELETE
        on one path are separate rules, so the matcher would then see that GET's rule fits the
        path and answer a PATCH with 405 Method Not Allowed, for a resource that cannot exist.
        """
        try:
            number: int = super().to_python(value)
        except ValidationError:
            raise NotFound() from None
        return number


def register_id_converter(app: Flask) -> None:
    """Make ``<id:name>`` usable in URL rules; it must run before any blueprint is registered."""
    app.url_map.converters["id"] = IdConverter
