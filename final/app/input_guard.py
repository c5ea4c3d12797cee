"""Refuse hostile input before any view runs: JSON nested too deep, text no database can store.

Three kinds of input used to crash the code that trusted them, with a 500 and a traceback:

- JSON nested thousands of levels deep: ``json.loads`` recurses once per level and raises
  ``RecursionError``, which is not the ``ValueError`` that Flask turns into a 400;
- a lone surrogate (``"\\ud800"``): valid JSON, but no text encoding can hold it, so the database
  driver, the password hasher and the token library raise ``UnicodeEncodeError``;
- the NUL character (U+0000): PostgreSQL cannot store it in text (SQLite silently does).

Why this mechanism: Flask parses every ``request.get_json()`` with the app's JSON provider
(``app.json``) and hands every ``ValueError`` it raises to ``Request.on_json_loading_failed``.
``GuardedJSONProvider.loads`` does the checks and ``GuardedRequest`` turns a refusal into the
API's 400 or 422, so every caller (a view, a rate limit's key function) gets the same checks, and
Werkzeug caches the result: a body is parsed once. A schema field could refuse bad text too, but
only in the routes that use it, and only after ``json.loads`` has already recursed.
"""

import json
import re
from itertools import accumulate
from typing import Any

from flask import Flask, Request, request
from flask.json.provider import DefaultJSONProvider

from app.errors import BadRequest, ValidationFailed

# Our bodies nest two levels at most; 32 leaves room and stays far below Python's recursion limit.
MAX_DEPTH = 32

# Why a body or a query string was refused, as the client reads it in ``details``.
REFUSALS: dict[str, str] = {
    "not_utf8": "The body must be UTF-8 text.",
    "not_json": "The body is not valid JSON.",
    "too_deep": f"Arrays and objects must not nest deeper than {MAX_DEPTH} levels.",
    "nul": "Must not contain the NUL character (U+0000).",
    "surrogate": "Must not contain a lone surrogate (U+D800 to U+DFFF).",
}

# A JSON string, escapes included. The closing quote is optional so that an unterminated string
# still ends the match: no input makes the search restart and scan the rest again.
JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
NOT_A_BRACKET = re.compile(r"[^\[\]{}]+")
NESTING_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


class RefusedBody(ValueError):
    """A body we will not use: ``details`` maps each field (or ``_body``) to a refusal."""

    def __init__(self, status: int, details: dict[str, list[str]]) -> None:
        super().__init__(str(details))
        self.status = status
        self.details = details


def nests_deeper_than(text: str, limit: int) -> bool:
    """Whether arrays and objects nest deeper than ``limit``, counting brackets outside strings.

    For the part of a document that ``json.loads`` would read, the count is exactly its recursion
    depth, so checking it first keeps ``json.loads`` from ever recursing too deep. The count stops
    at the first bracket past the limit: a body of a million ``[`` costs the two regular-expression
    passes over it, not a million steps of Python.
    """
    brackets = NOT_A_BRACKET.sub("", JSON_STRING.sub("", text))
    return any(depth > limit for depth in accumulate(map(NESTING_STEP.__getitem__, brackets)))


def text_problem(text: str) -> str | None:
    """The refusal a string earns (``nul`` or ``surrogate``), or None when it can be stored."""
    if "\x00" in text:
        return "nul"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # the very error a database driver would raise later
        return "surrogate"
    return None


def unstorable_fields(document: Any) -> dict[str, list[str]]:
    """Each top-level field whose keys or strings, at any depth, cannot be stored.

    The walk keeps a list of values still to visit instead of calling itself, so no document
    can exhaust the stack. A bad key, or a bad document that is not an object, counts as ``_body``.
    """
    problems: dict[str, list[str]] = {}
    pending: list[tuple[str, Any]] = []
    if isinstance(document, dict):
        for key, value in document.items():
            field = "_body" if text_problem(key) else key
            pending.extend([(field, key), (field, value)])
    else:
        pending.append(("_body", document))
    while pending:
        field, value = pending.pop()
        if isinstance(value, str):
            problem = text_problem(value)
            if problem and field not in problems:
                problems[field] = [REFUSALS[problem]]
        elif isinstance(value, dict):
            pending.extend((field, item) for pair in value.items() for item in pair)
        elif isinstance(value, list):
            pending.extend((field, item) for item in value)
    return problems


def load_json(data: bytes | str) -> Any:
    """Parse a request body as JSON, refusing what the API could not handle safely."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError:
        raise RefusedBody(400, {"_body": [REFUSALS["not_utf8"]]}) from None
    if nests_deeper_than(text, MAX_DEPTH):
        raise RefusedBody(400, {"_body": [REFUSALS["too_deep"]]})
    try:
        document = json.loads(text)
    except ValueError:  # bad syntax, or an integer of more than 4,300 digits
        raise RefusedBody(400, {"_body": [REFUSALS["not_json"]]}) from None
    problems = unstorable_fields(document)
    if problems:
        raise RefusedBody(422, problems)
    return document


class GuardedJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider, parsing through ``load_json``; answers are written as before."""

    def loads(self, s: str | bytes, **_options: Any) -> Any:
        """Parse JSON the way a request body must be parsed (Flask passes no options)."""
        return load_json(s)


class GuardedRequest(Request):
    """Flask's request, answering a refused body with the API's error instead of a bare 400."""

    def on_json_loading_failed(self, e: ValueError | None) -> Any:
        """Answer a refused body with its reasons; leave the rest (415, ...) to Flask."""
        if isinstance(e, RefusedBody) and e.status == 422:
            raise ValidationFailed(details=e.details)
        if isinstance(e, RefusedBody):
            raise BadRequest(details=e.details)
        return super().on_json_loading_failed(e)


def refuse_hostile_input() -> None:
    """Check the query string and parse a JSON body before the view, whatever the route.

    Running for every request means an unknown route, or /healthz, refuses a hostile body the
    same way the views do. A request without a body (or not marked as JSON) is left alone.
    """
    problems: dict[str, list[str]] = {}
    for name, value in request.args.items(multi=True):
        problem = text_problem(name) or text_problem(value)
        if problem:
            problems.setdefault("_query" if text_problem(name) else name, [REFUSALS[problem]])
    if problems:
        raise ValidationFailed(details=problems)
    if request.is_json and request.get_data():
        request.get_json()


def register_input_guard(app: Flask) -> None:
    """Parse JSON through the guard and check every request before its view runs."""
    app.json = GuardedJSONProvider(app)
    app.request_class = GuardedRequest
    app.before_request(refuse_hostile_input)
