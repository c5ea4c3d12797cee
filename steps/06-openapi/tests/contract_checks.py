"""Checks that hold the API to its OpenAPI document, shared by the document and contract tests.

``check_response`` is the heart of the contract tests: it finds what the document promises for a
path, method and status, and fails when the real response breaks that promise.
"""

from __future__ import annotations

import json
from typing import Any

from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from werkzeug.test import TestResponse

JSON = "application/json"


def downloaded_document(client: FlaskClient) -> dict[str, Any]:
    """The OpenAPI document as a client downloads and parses it.

    It is parsed with the standard library, as a client would parse it. ``get_json()`` would go
    through the app's JSON provider, whose guard is meant for request bodies: it would walk every
    string of the document for text no database can store, which costs more than the download.
    """
    response = client.get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = json.loads(response.get_data())
    return document


def validate_against(document: dict[str, Any], schema: dict[str, Any], instance: Any) -> None:
    """Validate ``instance`` against ``schema``, resolving ``#/components/...`` in ``document``.

    Carrying the document's components inside the schema lets its local references resolve
    without a resolver of their own. Formats (date-time, email...) are checked too.
    """
    # BEGIN TASK 06.3
    with_components = {**schema, "components": document["components"]}
    validator = Draft202012Validator(
        with_components, format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    validator.validate(instance)
    # END TASK


def resolve(document: dict[str, Any], item: dict[str, Any]) -> dict[str, Any]:
    """Follow a ``{"$ref": "#/components/..."}`` to the object it names."""
    while "$ref" in item:
        target: Any = document
        for part in item["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        item = target
    return item


def documented_response(
    document: dict[str, Any], path: str, method: str, status: int
) -> dict[str, Any]:
    """The response the document promises, or an AssertionError naming what is missing."""
    operations = document["paths"].get(path)
    assert operations is not None, f"{path} is not in the document"
    operation = operations.get(method.lower())
    assert operation is not None, f"{method.upper()} {path} is not in the document"
    responses = operation.get("responses", {})
    response = responses.get(str(status), responses.get("default"))
    assert response is not None, (
        f"{method.upper()} {path} answered {status}, which the document does not list"
        f" (it lists {sorted(responses)})"
    )
    return resolve(document, response)


def check_response(
    document: dict[str, Any], path: str, method: str, response: TestResponse
) -> None:
    """Fail unless ``response`` is one the document promises for ``method path``.

    ``path`` is the document's template (``/api/v1/books/{book_id}``), not the URL requested.
    """
    # BEGIN TASK 06.4
    promised = documented_response(document, path, method, response.status_code)
    where = f"{method.upper()} {path} -> {response.status_code}"
    for name, header in promised.get("headers", {}).items():
        if resolve(document, header).get("required", False):
            assert name in response.headers, f"{where}: the {name} header is missing"
    content = promised.get("content")
    if not content:
        assert not response.data, f"{where}: the document promises no body, got {response.data!r}"
        return
    assert response.mimetype in content, (
        f"{where}: answered {response.mimetype}, the document lists {sorted(content)}"
    )
    if response.mimetype == JSON:
        validate_against(document, content[JSON]["schema"], response.get_json())
    # END TASK
