"""Every error leaves the API in one shape: ``{code, message, details, request_id}``.

Code raises an ``ApiError`` (or lets Flask raise an ``HTTPException``); the handlers registered here
turn both into that JSON body, so a client never sees an HTML page or a stack trace.
"""

from collections.abc import Iterator
from itertools import islice
from typing import Any

from flask import Flask, Response, current_app, jsonify
from marshmallow import ValidationError
from redis.exceptions import RedisError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from app.request_id import current_request_id

# The machine-readable code and the message for each status Flask or Werkzeug may raise.
HTTP_ERRORS: dict[int, tuple[str, str]] = {
    400: ("bad_request", "The request could not be understood; check that the body is JSON."),
    401: ("unauthorized", "Authentication is required."),
    403: ("forbidden", "You are not allowed to do this."),
    404: ("not_found", "The requested resource was not found."),
    405: ("method_not_allowed", "This method is not allowed on this resource."),
    409: ("conflict", "The request conflicts with the current state of the resource."),
    413: ("payload_too_large", "The request body is too large."),
    414: ("uri_too_long", "The request line (method, path and query string) is too long."),
    415: (
        "unsupported_media_type",
        "The request body must be JSON (Content-Type: application/json).",
    ),
    422: ("validation_error", "The input is not valid."),
    429: ("rate_limited", "Too many requests. Try again later."),
    431: ("header_fields_too_large", "The request's header fields are too large."),
    503: ("service_unavailable", "The service is temporarily unavailable. Try again later."),
}


# A client fixes a request from its first few field errors: a body of a million unknown keys must
# not earn an answer larger than the body, so details keep this many fields, names cut this short.
MAX_DETAIL_FIELDS = 20
MAX_FIELD_NAME = 64


class ApiError(Exception):
    """An error the client can act on; subclasses set the status, code and default message."""

    status = 500
    code = "internal_error"
    message = "The server could not complete the request."

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message or self.message)
        self.message = message or self.message
        self.code = code or self.code
        self.details = details or {}
        # Extra response headers, for errors whose standard names one (a challenge, say).
        self.headers: dict[str, str] = {}


class BadRequest(ApiError):
    """The body cannot be read at all (not JSON, nested too deep...); ``details`` says why."""

    status = 400
    code = "bad_request"
    message = HTTP_ERRORS[400][1]


class Unauthorized(ApiError):
    """No usable credentials; ``code`` says which kind (invalid_token, token_expired...)."""

    status = 401
    code = "unauthorized"
    message = HTTP_ERRORS[401][1]


class Forbidden(ApiError):
    """The caller is known but their role does not allow this."""

    status = 403
    code = "forbidden"
    message = HTTP_ERRORS[403][1]


class InsufficientScope(Forbidden):
    """The token is valid but was not granted a scope the route needs (RFC 6750, section 3.1).

    The challenge names the scopes to ask for, so a client can request a better token.
    """

    code = "insufficient_scope"

    def __init__(self, needed: tuple[str, ...], scheme: str = "Bearer") -> None:
        scope = " ".join(needed)
        super().__init__(
            f"The token or API key lacks a scope this needs: {scope}.", details={"scope": scope}
        )
        # The challenge names the scheme the request used: a key's holder needs a better key.
        self.headers["WWW-Authenticate"] = f'{scheme} error="insufficient_scope", scope="{scope}"'


class NotFound(ApiError):
    """The resource does not exist (or the caller may not know that it does)."""

    status = 404
    code = "not_found"
    message = HTTP_ERRORS[404][1]


class Conflict(ApiError):
    """The request clashes with the current state; ``code`` names the clash."""

    status = 409
    code = "conflict"
    message = HTTP_ERRORS[409][1]


class ValidationFailed(ApiError):
    """The input was understood but is not valid; ``details`` maps fields to messages."""

    status = 422
    code = "validation_error"
    message = HTTP_ERRORS[422][1]


class ServiceUnavailable(ApiError):
    """A backing service (the database, Redis) does not answer."""

    status = 503
    code = "service_unavailable"
    message = HTTP_ERRORS[503][1]


def bounded_details(details: dict[str, Any]) -> dict[str, Any]:
    """The first ``MAX_DETAIL_FIELDS`` fields of ``details``; ``_truncated`` counts the rest.

    Field names come from the client (an unknown key is echoed back), so they are cut short too.
    """
    shown = {
        name[:MAX_FIELD_NAME]: messages
        for name, messages in islice(details.items(), MAX_DETAIL_FIELDS)
    }
    hidden = len(details) - MAX_DETAIL_FIELDS
    if hidden > 0:
        shown["_truncated"] = [f"{hidden} more fields were refused and are not listed."]
    return shown


def error_response(
    status: int, code: str, message: str, details: dict[str, Any] | None = None
) -> Response:
    """Build the JSON error response every handler returns."""
    body = {
        "code": code,
        "message": message,
        "details": bounded_details(details or {}),
        "request_id": current_request_id(),
    }
    response = jsonify(body)
    response.status_code = status
    if status == 401:
        # RFC 9110: a 401 names the authentication scheme the client should use.
        response.headers["WWW-Authenticate"] = "Bearer"
    return response


def handle_api_error(error: ApiError) -> Response:
    """Answer an error our own code raised."""
    response = error_response(error.status, error.code, error.message, error.details)
    response.headers.update(error.headers)
    return response


def field_messages(value: Any, path: str = "") -> Iterator[str]:
    """Every message in marshmallow's ``value`` for one field, led by the item it is about.

    A list field reports its items one level down (``{0: ["Not a valid string."]}``) and a
    nested field its own fields; each message is then led by that path (``"0: Not a valid
    string."``), so that a field's details stay a list of strings, as the document promises.
    """
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from field_messages(inner, f"{path}{key}.")
    elif isinstance(value, list):
        for inner in value:
            yield from field_messages(inner, path)
    else:
        yield f"{path.removesuffix('.')}: {value}" if path else str(value)


def handle_validation_error(error: ValidationError) -> Response:
    """Answer a schema that refused its input: 422 with the messages of each field."""
    messages = error.messages if isinstance(error.messages, dict) else {"_schema": error.messages}
    details = {str(field): list(field_messages(value)) for field, value in messages.items()}
    return error_response(422, "validation_error", HTTP_ERRORS[422][1], details)


def handle_http_exception(error: HTTPException) -> Response:
    """Answer an error Flask or Werkzeug raised (unknown route, wrong method, bad JSON...)."""
    status = error.code or 500
    code, message = HTTP_ERRORS.get(status, ("internal_error", ApiError.message))
    response = error_response(status, code, message)
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        response.headers["Allow"] = ", ".join(sorted(error.valid_methods))
    return response


def handle_backend_unavailable(error: OperationalError | RedisError) -> Response:
    """Answer 503 when the database or Redis cannot be reached, so clients retry later."""
    current_app.logger.error("Backend unavailable: %s", type(error).__name__)
    return error_response(503, "service_unavailable", HTTP_ERRORS[503][1])


def handle_unexpected_error(error: Exception) -> Response:
    """Log a bug with its traceback, and tell the client nothing about its insides."""
    current_app.logger.exception("Unhandled error", exc_info=error)
    return error_response(500, "internal_error", ApiError.message)


def register_error_handlers(app: Flask) -> None:
    """Route every kind of error to its JSON handler."""
    app.register_error_handler(ApiError, handle_api_error)
    app.register_error_handler(ValidationError, handle_validation_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(OperationalError, handle_backend_unavailable)
    app.register_error_handler(RedisError, handle_backend_unavailable)
    app.register_error_handler(Exception, handle_unexpected_error)
