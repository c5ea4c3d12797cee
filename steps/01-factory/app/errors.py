"""Every error leaves the API in one shape: ``{code, message, details, request_id}``.

Code raises an ``ApiError`` (or lets Flask raise an ``HTTPException``); the handlers registered here
turn both into that JSON body, so a client never sees an HTML page or a stack trace.
"""

from typing import Any

from flask import Flask, Response, current_app, jsonify
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from app.request_id import current_request_id

# The machine-readable code for each HTTP status Flask or Werkzeug may raise on their own.
CODES_BY_STATUS = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    503: "service_unavailable",
}


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


class NotFound(ApiError):
    """The resource does not exist (or the caller may not know that it does)."""

    status = 404
    code = "not_found"
    message = "The requested resource was not found."


class Conflict(ApiError):
    """The request clashes with the current state; ``code`` names the clash."""

    status = 409
    code = "conflict"
    message = "The request conflicts with the current state of the resource."


class ValidationFailed(ApiError):
    """The input was understood but is not valid; ``details`` maps fields to messages."""

    status = 422
    code = "validation_error"
    message = "The input is not valid."


def error_response(
    status: int, code: str, message: str, details: dict[str, Any] | None = None
) -> Response:
    """Build the JSON error response every handler returns."""
    # BEGIN TASK 01.3
    body = {
        "code": code,
        "message": message,
        "details": details or {},
        "request_id": current_request_id(),
    }
    response = jsonify(body)
    response.status_code = status
    return response
    # END TASK


def handle_api_error(error: ApiError) -> Response:
    """Answer an error our own code raised."""
    return error_response(error.status, error.code, error.message, error.details)


def handle_http_exception(error: HTTPException) -> Response:
    """Answer an error Flask or Werkzeug raised (unknown route, wrong method, bad JSON...)."""
    status = error.code or 500
    code = CODES_BY_STATUS.get(status, "internal_error")
    message = error.description or "The request could not be handled."
    response = error_response(status, code, message)
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        response.headers["Allow"] = ", ".join(sorted(error.valid_methods))
    return response


def handle_unexpected_error(error: Exception) -> Response:
    """Log a bug with its traceback, and tell the client nothing about its insides."""
    current_app.logger.exception("Unhandled error", exc_info=error)
    return error_response(500, "internal_error", ApiError.message)


def register_error_handlers(app: Flask) -> None:
    """Route every kind of error to its JSON handler."""
    app.register_error_handler(ApiError, handle_api_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected_error)
