"""The OpenAPI 3.1 document, generated from the routes and schemas that serve the API.

Each view's docstring carries its summary and its per-method YAML, and the marshmallow schemas carry
the shapes, so the document changes in the same commit as the code. Walking ``app.url_map`` instead
of listing views by hand means a new route cannot be left out: an undocumented one still appears,
and the tests then fail on its missing responses.
"""

from __future__ import annotations

import inspect
import re
from http import HTTPStatus
from typing import Any, NamedTuple

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec_webframeworks.flask import FlaskPlugin
from flask import Flask
from werkzeug.routing import Rule

from app.ids import MAX_ID

# Docstrings name their schemas as strings ("BookPageSchema"). apispec looks such names up in
# marshmallow's class registry, which knows every schema once app.schemas has been imported.
from app.schemas import AuthorInputSchema, BookInputSchema

OPENAPI_VERSION = "3.1.0"

# The cached document lives in the app's own extension registry: one document per app.
_EXTENSION_KEY = "openapi_spec"

# Endpoints that are not part of the API contract. "static" and "swagger_ui.*" serve files.
_UNDOCUMENTED_ENDPOINTS = frozenset({"static"})
_UNDOCUMENTED_BLUEPRINTS = frozenset({"swagger_ui"})

# A URL variable in a rule: "<book_id>", "<id:book_id>" or "<int(min=1):book_id>".
_RULE_VARIABLE = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")
# Werkzeug's "int" converter matches digits only, so it never sees a negative number; "id" is
# the app's own (app/ids.py), bounded to the ids a row can have.
_CONVERTER_SCHEMAS: dict[str, dict[str, Any]] = {
    "id": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    "int": {"type": "integer", "minimum": 0},
    "uuid": {"type": "string", "format": "uuid"},
}

# Flask-Limiter's default limit covers every route except these, which the orchestrator polls.
_RATE_LIMIT_EXEMPT_ENDPOINTS = frozenset({"health.healthz"})
_BEARER_AUTH: dict[str, list[str]] = {"bearerAuth": []}

# HEAD and OPTIONS are answered by Flask itself for every route; they are not operations of ours.
_IMPLICIT_METHODS = frozenset({"HEAD", "OPTIONS"})

_DESCRIPTION = """\
A small library: users borrow books written by authors.

* **Authentication**: `POST /api/v1/auth/login` returns an access token and a refresh token.
  Send the access token as `Authorization: Bearer <token>`; `POST /api/v1/auth/refresh` takes the
  refresh token the same way.
* **Errors**: every error answers `{code, message, details, request_id}`. On 422, `details` maps
  each invalid field to its messages.
* **Collections** answer `{items, page, per_page, total}` and take `page`, `per_page` (1 to 100)
  and `sort`.
* **Caching**: cached reads carry an `ETag`; send it back in `If-None-Match` to get a 304.
* **Rate limits**: a 429 carries `Retry-After` (seconds).
* Every response carries `X-Request-ID`; quote it when you report a problem.
"""

_TAGS = [
    {"name": "health", "description": "The liveness probe for the orchestrator."},
    {"name": "meta", "description": "Where to start: the API index and this document."},
    {"name": "auth", "description": "Registration, tokens and the current user."},
    {"name": "users", "description": "User accounts (admins) and each user's loans."},
    {"name": "authors", "description": "The people who wrote the books."},
    {"name": "books", "description": "The catalogue, with the number of copies available."},
    {"name": "loans", "description": "Borrowing and returning books."},
]

_REQUEST_ID_EXAMPLE = "0b6f2f5c1c9a4e4d8f7e2a3b4c5d6e7f"

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "The body of every error response.",
    "required": ["code", "message", "details", "request_id"],
    "properties": {
        "code": {
            "type": "string",
            "pattern": "^[a-z][a-z0-9_]*$",
            "description": "A stable, snake_case name for the error, for programs.",
        },
        "message": {"type": "string", "description": "A sentence for a person."},
        "details": {"type": "object", "description": "More about the error; may be empty."},
        "request_id": {"type": "string", "description": "The value of the X-Request-ID header."},
    },
    "additionalProperties": False,
}

# A 422 is an error whose details map each field to its messages.
VALIDATION_ERROR_SCHEMA: dict[str, Any] = {
    "allOf": [{"$ref": "#/components/schemas/Error"}],
    "properties": {
        "details": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        }
    },
}

_HEADERS: dict[str, dict[str, Any]] = {
    "X-Request-ID": {
        "description": "The request's id: the one the client sent, or a new one.",
        "required": True,
        "schema": {"type": "string"},
    },
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "required": True,
        "schema": {"type": "integer", "minimum": 0},
    },
    "ETag": {
        "description": "The representation's version; send it back in If-None-Match.",
        "required": True,
        "schema": {"type": "string"},
    },
}

_PARAMETERS: dict[str, dict[str, Any]] = {
    "IfNoneMatch": {
        "in": "header",
        "name": "If-None-Match",
        "description": "An ETag from an earlier answer; the server answers 304 if it still holds.",
        "schema": {"type": "string"},
    },
}


class _ErrorResponse(NamedTuple):
    """A reusable error response: its status, what it means, and an example body."""

    status: int
    description: str
    code: str
    message: str


_ERROR_RESPONSES: dict[str, _ErrorResponse] = {
    "BadRequest": _ErrorResponse(
        400, "The request is malformed.", "bad_request", "The body is not valid JSON."
    ),
    "Unauthorized": _ErrorResponse(
        401,
        "The bearer token is missing, invalid or expired.",
        "unauthorized",
        "Missing or invalid access token.",
    ),
    "Forbidden": _ErrorResponse(
        403,
        "The token is valid but does not allow this action.",
        "forbidden",
        "You are not allowed to do this.",
    ),
    "NotFound": _ErrorResponse(404, "No such resource.", "not_found", "Book 42 does not exist."),
    "Conflict": _ErrorResponse(
        409,
        "The request conflicts with the resource's current state.",
        "conflict",
        "This loan has already been returned.",
    ),
    "UnsupportedMediaType": _ErrorResponse(
        415,
        "The body is not sent as application/json.",
        "unsupported_media_type",
        "Send the body as application/json.",
    ),
    "ValidationError": _ErrorResponse(
        422,
        "The input failed validation; details maps each field to its messages.",
        "validation_error",
        "The input is not valid.",
    ),
    "RateLimited": _ErrorResponse(
        429,
        "Too many requests; wait for Retry-After seconds.",
        "rate_limited",
        "Too many requests. Try again later.",
    ),
}
_VALIDATION_DETAILS_EXAMPLE = {"title": ["Missing data for required field."]}


def build_spec(app: Flask) -> dict[str, Any]:
    """Return the OpenAPI document for ``app``, building it on the first call."""
    cached: dict[str, Any] | None = app.extensions.get(_EXTENSION_KEY)
    if cached is not None:
        return cached
    spec = APISpec(
        title="Library API",
        version="1.0.0",
        openapi_version=OPENAPI_VERSION,
        plugins=[FlaskPlugin(), MarshmallowPlugin()],
        info={"description": _DESCRIPTION, "license": {"name": "MIT", "identifier": "MIT"}},
        servers=[{"url": "/", "description": "The server that serves this document"}],
        tags=_TAGS,
    )
    _add_components(spec)
    documented = _documented_rules(app)
    for rule in documented:
        spec.path(
            view=app.view_functions[rule.endpoint], app=app, parameters=_path_parameters(rule)
        )
    document = spec.to_dict()
    for rule in documented:
        _complete_operations(document, rule, app.view_functions[rule.endpoint].__doc__ or "")
    app.extensions[_EXTENSION_KEY] = document
    return document


def _add_components(spec: APISpec) -> None:
    """Register the security scheme and the schemas, headers and responses that routes share."""
    spec.components.security_scheme(
        "bearerAuth",
        {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "An access token from POST /api/v1/auth/login.",
        },
    )
    # A PATCH loads the input schema with partial=True, so every field is optional; a string in
    # a docstring cannot say "partial", so these bodies get components of their own.
    spec.components.schema("AuthorPatch", schema=AuthorInputSchema(partial=True))
    spec.components.schema("BookPatch", schema=BookInputSchema(partial=True))
    spec.components.schema("Error", ERROR_SCHEMA)
    spec.components.schema("ValidationError", VALIDATION_ERROR_SCHEMA)
    for name, header in _HEADERS.items():
        spec.components.header(name, header)
    for name, parameter in _PARAMETERS.items():
        spec.components.parameter(name, parameter["in"], parameter)
    spec.components.response(
        "NotModified",
        {
            "description": "The representation has not changed since the ETag you sent.",
            "headers": {
                "ETag": {"$ref": "#/components/headers/ETag"},
                "X-Request-ID": {"$ref": "#/components/headers/X-Request-ID"},
            },
        },
    )
    for name, error in _ERROR_RESPONSES.items():
        is_validation = error.status == 422
        schema_name = "ValidationError" if is_validation else "Error"
        headers = {"X-Request-ID": {"$ref": "#/components/headers/X-Request-ID"}}
        if error.status == 429:
            headers["Retry-After"] = {"$ref": "#/components/headers/Retry-After"}
        example = {
            "code": error.code,
            "message": error.message,
            "details": _VALIDATION_DETAILS_EXAMPLE if is_validation else {},
            "request_id": _REQUEST_ID_EXAMPLE,
        }
        spec.components.response(
            name,
            {
                "description": error.description,
                "headers": headers,
                "content": {
                    "application/json": {
                        "schema": {"$ref": f"#/components/schemas/{schema_name}"},
                        "example": example,
                    }
                },
            },
        )


def _documented_rules(app: Flask) -> list[Rule]:
    """The URL rules that belong in the document, in a stable order."""
    # BEGIN TASK 06.1
    rules = [
        rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in _UNDOCUMENTED_ENDPOINTS
        and rule.endpoint.split(".", 1)[0] not in _UNDOCUMENTED_BLUEPRINTS
    ]
    endpoints = [rule.endpoint for rule in rules]
    for endpoint in endpoints:
        # FlaskPlugin documents only the first rule of an endpoint; refuse to drop one silently.
        if endpoints.count(endpoint) > 1:
            raise ValueError(f"Endpoint {endpoint!r} has several URL rules; give each its view.")
    return sorted(rules, key=lambda rule: rule.rule)
    # END TASK


def _path_parameters(rule: Rule) -> list[dict[str, Any]]:
    """Describe the rule's URL variables (``<id:book_id>``) as OpenAPI path parameters."""
    return [
        {
            "in": "path",
            "name": match["name"],
            "required": True,
            "schema": _CONVERTER_SCHEMAS.get(match["converter"], {"type": "string"}),
        }
        for match in _RULE_VARIABLE.finditer(rule.rule)
    ]


def _complete_operations(document: dict[str, Any], rule: Rule, docstring: str) -> None:
    """Fill in what every operation needs and its docstring YAML leaves implicit.

    The summary is the docstring's first line and the description its next paragraph, unless
    the YAML sets them; each method the rule serves gets an operation (an empty one if the
    docstring forgot it); every inline response gets a description (its status phrase, unless
    the YAML gives one) and lists the X-Request-ID header; and a documented operation lists the
    errors the machinery around its view can answer (see ``_machinery_errors``).
    """
    summary, description = _summary_and_description(docstring)
    path_item = document["paths"][FlaskPlugin.flaskpath2openapi(rule.rule)]
    methods = sorted((rule.methods or set()) - _IMPLICIT_METHODS)
    for method in methods:
        operation = path_item.setdefault(method.lower(), {})
        operation.setdefault("summary", summary)
        if description:
            operation.setdefault("description", description)
        suffix = f"_{method.lower()}" if len(methods) > 1 else ""
        operation.setdefault("operationId", rule.endpoint.replace(".", "_") + suffix)
        if "responses" in operation:
            for status, name in _machinery_errors(operation, rule.endpoint).items():
                operation["responses"].setdefault(
                    status, {"$ref": f"#/components/responses/{name}"}
                )
        for status, response in operation.get("responses", {}).items():
            if "$ref" not in response:
                response.setdefault("description", HTTPStatus(int(status)).phrase)
                response.setdefault("headers", {}).setdefault(
                    "X-Request-ID", {"$ref": "#/components/headers/X-Request-ID"}
                )


def _machinery_errors(operation: dict[str, Any], endpoint: str) -> dict[str, str]:
    """The error responses (status: component) an operation gets from outside its view.

    Writing these once here keeps every docstring down to its own answers, and keeps them true:
    the contract tests fail if the app stops answering as this function says.
    """
    errors: dict[str, str] = {}
    if "requestBody" in operation:
        # request.get_json() refuses a body that is not JSON (415) or not well formed (400),
        # and the load schema refuses bad fields.
        errors |= {
            "400": "BadRequest",
            "415": "UnsupportedMediaType",
            "422": "ValidationError",
        }
    if _BEARER_AUTH in operation.get("security", []):
        # Flask-JWT-Extended answers for a missing, malformed, expired or revoked token.
        errors["401"] = "Unauthorized"
    if endpoint not in _RATE_LIMIT_EXEMPT_ENDPOINTS:
        errors["429"] = "RateLimited"
    return errors


def _summary_and_description(docstring: str) -> tuple[str, str]:
    """Split a view docstring into its first line and the paragraph before ``---``."""
    prose = inspect.cleandoc(docstring).split("\n---", 1)[0].strip()
    summary, _, rest = prose.partition("\n")
    return summary.strip(), " ".join(rest.split())
