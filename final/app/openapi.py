"""The OpenAPI 3.1 document, generated from the routes and schemas that serve the API.

Each view declares what it takes and answers with ``@operation`` (``app/operations.py``), its
docstring gives the summary, and the marshmallow schemas carry the shapes, so the document changes
in the same commit as the code. The answers every route shares (a bad body, a missing token, the
rate limit) are added here, once. Walking ``app.url_map`` instead of listing views by hand means a
new route cannot be left out: an undeclared one still appears, and the tests then fail on its
missing responses.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from http import HTTPStatus
from typing import Any, NamedTuple

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec_webframeworks.flask import FlaskPlugin
from flask import Flask
from werkzeug.routing import Rule

from app.errors import HTTP_ERRORS
from app.ids import MAX_ID
from app.operations import Operation, SchemaRef, declared
from app.scopes import SCOPES

OPENAPI_VERSION = "3.1.0"

# The cached document lives in the app's own extension registry: one document per app.
_EXTENSION_KEY = "openapi_spec"

# Endpoints that are not part of the API contract. "static" and "swagger_ui.*" serve files.
# "metrics" is the Prometheus scrape endpoint: it exists only when METRICS_ENABLED is set, answers
# the Prometheus text format rather than JSON, and is meant for the scraper on the internal network
# (a proxy usually hides it), so documenting it would describe a route most clients never see.
_UNDOCUMENTED_ENDPOINTS = frozenset({"static", "metrics"})
# "oauth" speaks OAuth 2, not this API: its token endpoint takes forms and answers RFC 6749's
# errors, its authorize page is HTML, and its own metadata document (RFC 8414) describes it.
_UNDOCUMENTED_BLUEPRINTS = frozenset({"swagger_ui", "oauth"})

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
_RATE_LIMIT_EXEMPT_ENDPOINTS = frozenset({"health.healthz", "health.readyz"})
_BEARER_SCHEME = "bearerAuth"
_API_KEY_SCHEME = "apiKeyAuth"
_JSON = "application/json"

# HEAD and OPTIONS are answered by Flask itself for every route; they are not operations of ours.
_IMPLICIT_METHODS = frozenset({"HEAD", "OPTIONS"})

_DESCRIPTION = """\
A small library: users borrow books written by authors.

* **Authentication**: `POST /api/v1/auth/login` returns an access token and a refresh token.
  Send the access token as `Authorization: Bearer <token>`; `POST /api/v1/auth/refresh` takes the
  refresh token the same way.
* **Errors**: every error answers `{code, message, details, request_id}`. On 422, `details` maps
  each invalid field to its messages.
* **Collections** answer `{items, page, per_page, total, links}` and take `page`, `per_page`
  (1 to 100) and `sort`; `links` (and the `Link` header) give the URLs of the next and other pages.
* **Idempotency**: `POST /api/v1/loans` accepts an `Idempotency-Key` header; a replay answers the
  first response again with `Idempotent-Replayed: true`.
* **Caching**: cached reads carry an `ETag`; send it back in `If-None-Match` to get a 304.
* **Rate limits**: a 429 carries `Retry-After` (seconds).
* Every response carries `X-Request-ID`; quote it when you report a problem.
"""

_TAGS = [
    {"name": "health", "description": "Liveness and readiness probes for the orchestrator."},
    {"name": "meta", "description": "Where to start: the API index and this document."},
    {"name": "auth", "description": "Registration, tokens and the current user."},
    {"name": "users", "description": "User accounts (admins) and each user's loans."},
    {"name": "authors", "description": "The people who wrote the books."},
    {"name": "books", "description": "The catalogue, with the number of copies available."},
    {"name": "loans", "description": "Borrowing and returning books."},
    {"name": "clients", "description": "OAuth 2 clients: services and apps members delegate to."},
    {"name": "api_keys", "description": "Keys for internal integrations (admins)."},
]

_REQUEST_ID_EXAMPLE = "0b6f2f5c1c9a4e4d8f7e2a3b4c5d6e7f"


def _error_schema(description: str, details: dict[str, Any]) -> dict[str, Any]:
    """One member of the error family: the four keys every error answers, ``details`` typed.

    Each member is a whole object rather than an ``allOf`` over ``Error``: a client generator
    then makes one plain class per member, each ``details`` a named type of its own.
    """
    return {
        "type": "object",
        "description": description,
        "required": ["code", "message", "details", "request_id"],
        "properties": {
            "code": {
                "type": "string",
                "pattern": "^[a-z][a-z0-9_]*$",
                "description": "A stable, snake_case name for the error, for programs.",
            },
            "message": {"type": "string", "description": "A sentence for a person."},
            "details": details,
            "request_id": {
                "type": "string",
                "description": "The value of the X-Request-ID header.",
            },
        },
        "additionalProperties": False,
    }


# The bodies that have no marshmallow schema: the probes', the index's, this document's, and the
# error family (the body of every error response, and the members whose details carry data).
_SCHEMAS: dict[str, dict[str, Any]] = {
    "Health": {
        "type": "object",
        "required": ["status"],
        "properties": {"status": {"type": "string", "enum": ["ok"]}},
    },
    "Readiness": {
        "type": "object",
        "required": ["status", "checks"],
        "properties": {
            "status": {"type": "string", "enum": ["ok"]},
            "checks": {"$ref": "#/components/schemas/DependencyChecks"},
        },
    },
    "ApiIndex": {
        "type": "object",
        "required": ["name", "version", "links", "templates"],
        "properties": {
            "name": {"type": "string"},
            "version": {"type": "string"},
            "links": {
                "type": "object",
                "description": "The path of each collection and document, by name.",
                "additionalProperties": {"type": "string"},
            },
            "templates": {
                "type": "object",
                "description": "The RFC 6570 URI template of each item, as in /api/v1/books/{id}.",
                "additionalProperties": {"type": "string"},
            },
        },
    },
    "OpenApiDocument": {
        "type": "object",
        "required": ["openapi", "info", "paths"],
        "properties": {
            "openapi": {"type": "string", "const": OPENAPI_VERSION},
            "info": {"type": "object"},
            "paths": {"type": "object"},
        },
    },
    "FieldErrors": {
        "type": "object",
        "description": "Each refused field (or _schema, _body) and why it was refused.",
        "additionalProperties": {"type": "array", "items": {"type": "string"}},
    },
    "ConflictDetails": {
        "type": "object",
        "description": "What a conflict is about, when it carries data.",
        "properties": {
            "active_loans": {
                "type": "integer",
                "minimum": 1,
                "description": "The copies on loan (copies_below_active_loans).",
            },
        },
        "additionalProperties": False,
    },
    "JsonWebKey": {
        "type": "object",
        "description": "One public signing key (RFC 7517), named by its kid.",
        "required": ["kty", "crv", "x", "y", "kid", "alg", "use"],
        "properties": {
            "kty": {"type": "string", "enum": ["EC"]},
            "crv": {"type": "string", "enum": ["P-256"]},
            "x": {"type": "string"},
            "y": {"type": "string"},
            "kid": {"type": "string"},
            "alg": {"type": "string", "enum": ["ES256"]},
            "use": {"type": "string", "enum": ["sig"]},
        },
    },
    "JsonWebKeySet": {
        "type": "object",
        "description": "The public keys that verify tokens (RFC 7517); a kid names each key.",
        "required": ["keys"],
        "properties": {
            "keys": {"type": "array", "items": {"$ref": "#/components/schemas/JsonWebKey"}},
        },
    },
    "DependencyChecks": {
        "type": "object",
        "description": "The state of each dependency the readiness probe checks.",
        "additionalProperties": {"type": "string", "enum": ["ok", "unavailable", "not_configured"]},
    },
    "UnavailableDetails": {
        "type": "object",
        "description": "Which dependencies answered, when the readiness probe failed.",
        "properties": {"checks": {"$ref": "#/components/schemas/DependencyChecks"}},
        "additionalProperties": False,
    },
    "Error": _error_schema(
        "The body of every error response.",
        {"type": "object", "description": "More about the error; may be empty."},
    ),
    "ValidationError": _error_schema(
        "The input failed validation: details maps each field to its messages.",
        {"$ref": "#/components/schemas/FieldErrors"},
    ),
    "ConflictError": _error_schema(
        "The request clashes with the current state; code names the clash"
        " (already_borrowed, book_unavailable, isbn_taken...).",
        {"$ref": "#/components/schemas/ConflictDetails"},
    ),
    "UnavailableError": _error_schema(
        "A backing service does not answer; details may say which.",
        {"$ref": "#/components/schemas/UnavailableDetails"},
    ),
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
    "Link": {
        "description": (
            "RFC 8288 links to this page and to the first, previous, next and last ones, the"
            ' same URLs as the body\'s links: <url>; rel="next", ...'
        ),
        "required": True,
        "schema": {"type": "string"},
    },
    "Idempotent-Replayed": {
        "description": "Present and true when this is the stored answer to an earlier request.",
        "schema": {"type": "string", "enum": ["true"]},
    },
}

_PARAMETERS: dict[str, dict[str, Any]] = {
    "IfNoneMatch": {
        "in": "header",
        "name": "If-None-Match",
        "description": "An ETag from an earlier answer; the server answers 304 if it still holds.",
        "schema": {"type": "string"},
    },
    "IdempotencyKey": {
        "in": "header",
        "name": "Idempotency-Key",
        "description": "A unique key per intended action: repeating it replays the first answer.",
        "schema": {"type": "string", "minLength": 1, "maxLength": 255},
        "example": "3f1c9b1e-0d2a-4a57-9d7e-6a2f1b8c4d10",
    },
}


class _ErrorResponse(NamedTuple):
    """A reusable error response: its component's name, what it means, its body's schema."""

    name: str
    description: str
    schema: str


# The example of each response is the code and message errors.HTTP_ERRORS gives its status: the
# table the API answers from, so the document cannot show a message the API never sends.
_ERROR_RESPONSES: dict[int, _ErrorResponse] = {
    400: _ErrorResponse("BadRequest", "The request is malformed.", "Error"),
    401: _ErrorResponse(
        "Unauthorized", "The bearer token is missing, invalid or expired.", "Error"
    ),
    403: _ErrorResponse(
        "Forbidden",
        "The credentials are valid but do not allow this action: the role forbids it "
        "(forbidden), or they lack a scope (insufficient_scope, with a WWW-Authenticate "
        "challenge naming it).",
        "Error",
    ),
    404: _ErrorResponse("NotFound", "No such resource.", "Error"),
    409: _ErrorResponse(
        "Conflict", "The request conflicts with the resource's current state.", "ConflictError"
    ),
    413: _ErrorResponse("PayloadTooLarge", "The body is larger than the server accepts.", "Error"),
    414: _ErrorResponse(
        "UriTooLong", "The request line (method, path and query string) is too long.", "Error"
    ),
    415: _ErrorResponse(
        "UnsupportedMediaType", "The body is not sent as application/json.", "Error"
    ),
    422: _ErrorResponse(
        "ValidationError",
        "The input failed validation; details maps each field to its messages.",
        "ValidationError",
    ),
    429: _ErrorResponse("RateLimited", "Too many requests; wait for Retry-After seconds.", "Error"),
    503: _ErrorResponse(
        "ServiceUnavailable",
        "The database or Redis does not answer; try again shortly.",
        "UnavailableError",
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
        plugins=[MarshmallowPlugin()],
        info={"description": _DESCRIPTION, "license": {"name": "MIT", "identifier": "MIT"}},
        servers=[{"url": "/", "description": "The server that serves this document"}],
        tags=_TAGS,
    )
    _add_components(spec)
    for rule in _documented_rules(app):
        spec.path(
            path=FlaskPlugin.flaskpath2openapi(rule.rule),
            operations=_operations(spec, rule, app.view_functions[rule.endpoint]),
            parameters=_path_parameters(rule),
        )
    document = spec.to_dict()
    app.extensions[_EXTENSION_KEY] = document
    return document


def _add_components(spec: APISpec) -> None:
    """Register the security scheme and the schemas, headers and responses that routes share."""
    spec.components.security_scheme(
        _BEARER_SCHEME,
        {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "An access token from POST /api/v1/auth/login. Its `scope` claim "
            "lists what it may do; each operation names the scopes it needs:\n\n"
            + "\n".join(f"* `{name}`: {meaning}" for name, meaning in SCOPES.items()),
        },
    )
    spec.components.security_scheme(
        _API_KEY_SCHEME,
        {
            "type": "apiKey",
            "in": "header",
            "name": "X-API-Key",
            "description": "An API key from POST /api/v1/api-keys (also accepted as "
            "`Authorization: ApiKey <key>`), on the operations that name their scopes.",
        },
    )
    for name, schema in _SCHEMAS.items():
        spec.components.schema(name, schema)
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
    for status, error in _ERROR_RESPONSES.items():
        code, message = HTTP_ERRORS[status]
        headers = {"X-Request-ID": {"$ref": "#/components/headers/X-Request-ID"}}
        if status == 429:
            headers["Retry-After"] = {"$ref": "#/components/headers/Retry-After"}
        example = {
            "code": code,
            "message": message,
            "details": _VALIDATION_DETAILS_EXAMPLE if status == 422 else {},
            "request_id": _REQUEST_ID_EXAMPLE,
        }
        spec.components.response(
            error.name,
            {
                "description": error.description,
                "headers": headers,
                "content": {_JSON: {"schema": _ref("schemas", error.schema), "example": example}},
            },
        )


def _documented_rules(app: Flask) -> list[Rule]:
    """The URL rules that belong in the document, in a stable order."""
    rules = [
        rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in _UNDOCUMENTED_ENDPOINTS
        and rule.endpoint.split(".", 1)[0] not in _UNDOCUMENTED_BLUEPRINTS
    ]
    endpoints = [rule.endpoint for rule in rules]
    for endpoint in endpoints:
        # One view, one path: an operationId must name a single operation of the document.
        if endpoints.count(endpoint) > 1:
            raise ValueError(f"Endpoint {endpoint!r} has several URL rules; give each its view.")
    return sorted(rules, key=lambda rule: rule.rule)


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


def _operations(spec: APISpec, rule: Rule, view: Callable[..., Any]) -> dict[str, dict[str, Any]]:
    """The operation of each method the rule serves, from the view's docstring and declaration.

    A view nobody declared still gets its summary and operationId, so it shows up in the
    document (and the tests then fail on its missing responses) instead of hiding.
    """
    summary, description = _summary_and_description(view.__doc__ or "")
    methods = sorted((rule.methods or set()) - _IMPLICIT_METHODS)
    operation = declared(view)
    operations: dict[str, dict[str, Any]] = {}
    for method in methods:
        suffix = f"_{method.lower()}" if len(methods) > 1 else ""
        described: dict[str, Any] = {
            "summary": summary,
            "operationId": rule.endpoint.replace(".", "_") + suffix,
        }
        if description:
            described["description"] = description
        if operation is not None:
            described |= _declared_parts(spec, operation, rule.endpoint)
        operations[method.lower()] = described
    return operations


def _declared_parts(spec: APISpec, operation: Operation, endpoint: str) -> dict[str, Any]:
    """Tags, security, parameters, request body and responses of a declared operation."""
    # apispec turns a string into a reference to the component parameter of that name.
    parameters: list[Any] = list(operation.parameters)
    if operation.query is not None:
        parameters.insert(0, {"in": "query", "schema": operation.query})
    if operation.cached:
        parameters.append("IfNoneMatch")
    parts: dict[str, Any] = {
        "tags": [operation.tag or endpoint.split(".", 1)[0]],
        # An empty list says "public" out loud, where a missing one would leave it implied.
        "security": _security(operation),
        "responses": _responses(operation, endpoint),
    }
    if parameters:
        parts["parameters"] = parameters
    if operation.body is not None:
        media: dict[str, Any] = {"schema": _body_schema(spec, operation.body, operation.partial)}
        if operation.example is not None:
            media["example"] = operation.example
        parts["requestBody"] = {"required": operation.body_required, "content": {_JSON: media}}
    return parts


def _security(operation: Operation) -> list[dict[str, list[str]]]:
    """Who may call the operation: a token or, where it names its scopes, an API key too.

    OpenAPI 3.1 lets a requirement of a non-OAuth scheme name the scopes (roles) it needs, so
    the scopes stay on the schemes clients already use instead of a second, OAuth-only one.
    """
    if operation.scopes:
        scopes = list(operation.scopes)
        return [{_BEARER_SCHEME: scopes}, {_API_KEY_SCHEME: scopes}]
    return [{_BEARER_SCHEME: []}] if operation.bearer else []


def _body_schema(spec: APISpec, body: SchemaRef, partial: bool) -> Any:
    """The body's schema; a partial one gets a component of its own (``BookPatch``)."""
    if not partial or isinstance(body, str):
        return _schema(body)
    name = body.__name__.removesuffix("Schema").removesuffix("Input") + "Patch"
    if name not in spec.components.schemas:
        spec.components.schema(name, schema=body(partial=True))
    return _ref("schemas", name)


def _responses(operation: Operation, endpoint: str) -> dict[str, Any]:
    """The success response, the 304 of a cached read, and every error the operation may answer."""
    headers = {name: _ref("headers", name) for name in ("X-Request-ID", *operation.headers)}
    if operation.cached:
        headers["ETag"] = _ref("headers", "ETag")
    success: dict[str, Any] = {
        "description": HTTPStatus(operation.status).phrase,
        "headers": headers,
    }
    if operation.response is not None:
        media: dict[str, Any] = {"schema": _schema(operation.response)}
        if operation.answer is not None:
            media["example"] = operation.answer
        success["content"] = {_JSON: media}
    responses: dict[str, Any] = {str(operation.status): success}
    if operation.cached:
        responses["304"] = _ref("responses", "NotModified")
    for status in sorted(operation.errors | _machinery_errors(operation, endpoint)):
        responses[str(status)] = _ref("responses", _ERROR_RESPONSES[status].name)
    return responses


def _machinery_errors(operation: Operation, endpoint: str) -> set[int]:
    """The error statuses an operation gets from outside its view.

    Writing these once here keeps every declaration down to its own answers, and keeps them
    true: the contract tests fail if the app stops answering as this function says.
    """
    errors: set[int] = set()
    if operation.body is not None:
        # request.get_json() refuses a body that is not JSON (415) or not well formed (400),
        # Flask refuses one over MAX_CONTENT_LENGTH (413), and the load schema refuses bad fields.
        errors |= {400, 413, 415, 422}
    if operation.query is not None:
        # gunicorn refuses a request line over limit_request_line (4094 bytes) before the app
        # runs (414, app/gunicorn_worker.py), and a query string is how a client gets there.
        errors |= {414, 422}
    if operation.bearer:
        # Flask-JWT-Extended answers for a missing, malformed, expired or revoked token.
        errors.add(401)
    if endpoint not in _RATE_LIMIT_EXEMPT_ENDPOINTS:
        errors.add(429)
    return errors


def _schema(schema: SchemaRef) -> Any:
    """A marshmallow schema class as it is (apispec names it), a component's name as a $ref."""
    if isinstance(schema, str):
        return _ref("schemas", schema)
    return schema


def _ref(section: str, name: str) -> dict[str, str]:
    """A reference to ``#/components/<section>/<name>``."""
    return {"$ref": f"#/components/{section}/{name}"}


def _summary_and_description(docstring: str) -> tuple[str, str]:
    """Split a view docstring into its first line and the prose after it."""
    summary, _, rest = inspect.cleandoc(docstring).partition("\n")
    return summary.strip(), " ".join(rest.split())
