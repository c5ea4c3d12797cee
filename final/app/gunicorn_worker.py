"""Gunicorn's worker, answering the requests gunicorn refuses itself in the API's JSON error shape.

A request line or headers that gunicorn cannot parse never reach Flask: gunicorn answers on its
own, with a small HTML page. A client of a JSON API should not have to parse HTML to learn what
went wrong, so this worker writes the same ``{code, message, details, request_id}`` body as every
other error, with the code and message of ``HTTP_ERRORS``. ``gunicorn.conf.py`` selects it.
"""

from __future__ import annotations

import json
import socket
import uuid
from http import HTTPStatus

from gunicorn import util
from gunicorn.http.errors import (
    ChunkMissingTerminator,
    InvalidChunkExtension,
    InvalidChunkSize,
    InvalidHeader,
    InvalidHeaderName,
    InvalidHTTPVersion,
    InvalidProxyLine,
    InvalidRequestLine,
    InvalidRequestMethod,
    InvalidSchemeHeaders,
    LimitRequestHeaders,
    LimitRequestLine,
    ObsoleteFolding,
)
from gunicorn.workers.gthread import ThreadWorker

from app.errors import HTTP_ERRORS

# The client's mistakes gunicorn catches, and the status it gives each (as gunicorn itself does).
# Anything else (a 501 transfer coding, the app's own failure) keeps gunicorn's handling.
REFUSED_REQUESTS: tuple[tuple[tuple[type[Exception], ...], int], ...] = (
    ((LimitRequestLine,), 414),
    ((LimitRequestHeaders,), 431),
    (
        (
            InvalidRequestLine,
            InvalidRequestMethod,
            InvalidHTTPVersion,
            InvalidHeader,
            InvalidHeaderName,
            ObsoleteFolding,
            InvalidChunkSize,
            ChunkMissingTerminator,
            InvalidChunkExtension,
            InvalidProxyLine,
            InvalidSchemeHeaders,
        ),
        400,
    ),
)


def refusal_status(error: Exception) -> int | None:
    """The status for a request gunicorn refused, or None when the error is not the client's."""
    for kinds, status in REFUSED_REQUESTS:
        if isinstance(error, kinds):
            return status
    return None


def json_error(status: int) -> bytes:
    """A complete HTTP answer with the API's error body; the connection closes after it."""
    code, message = HTTP_ERRORS[status]
    # No Flask request exists yet, so the id is made here, in the same format as the app's.
    request_id = uuid.uuid4().hex
    error = {"code": code, "message": message, "details": {}, "request_id": request_id}
    body = json.dumps(error).encode()
    head = (
        f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        f"X-Request-ID: {request_id}\r\n"
        "X-Content-Type-Options: nosniff\r\n\r\n"
    )
    return head.encode("latin-1") + body


# gunicorn ships no type hints, so mypy sees its classes as Any.
class JsonErrorWorker(ThreadWorker):  # type: ignore[misc]
    """The threaded (gthread) worker, with JSON answers for the requests it cannot parse."""

    def handle_error(
        self, req: object, client: socket.socket, addr: tuple[str, int] | None, exc: Exception
    ) -> None:
        """Answer a malformed request in JSON; leave every other error to gunicorn."""
        status = refusal_status(exc)
        if status is None:
            super().handle_error(req, client, addr, exc)
            return
        self.log.warning("Invalid request from ip=%s: %s", (addr or ("",))[0], exc)
        try:
            util.write_nonblock(client, json_error(status))
        except OSError:
            self.log.debug("Failed to send the error answer.")
