"""Refuse the NUL character (U+0000) anywhere in a request's query string or JSON body.

PostgreSQL cannot store U+0000 in text and raises an error that would surface as a 500, while
SQLite stores it silently. Refusing it before any view runs gives every backend the same clear 422.
"""

from typing import Any

from flask import Flask, request

from app.errors import ValidationFailed

NUL = "\x00"
MESSAGE = "Must not contain the NUL character (U+0000)."


def contains_nul(value: Any) -> bool:
    """True when a string, or any key or value nested in a JSON document, holds U+0000."""
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(contains_nul(key) or contains_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(contains_nul(item) for item in value)
    return False


def refuse_nul_characters() -> None:
    """Answer 422 before the view when the query string or the JSON body holds U+0000."""
    fields = [
        name
        for name, value in request.args.items(multi=True)
        if contains_nul(name) or contains_nul(value)
    ]
    # silent=True: a malformed body is left for the view, which answers 400 as usual.
    if request.is_json and contains_nul(request.get_json(silent=True)):
        fields.append("_body")
    if fields:
        raise ValidationFailed(details={field: [MESSAGE] for field in fields})


def register_nul_guard(app: Flask) -> None:
    """Check every request for U+0000 before its view runs."""
    app.before_request(refuse_nul_characters)
