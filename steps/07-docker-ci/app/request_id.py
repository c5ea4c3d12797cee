"""A request id ties together one request's response, its error body and its log lines.

A client or proxy may send ``X-Request-ID`` to follow a call across services. We echo it only when
it is sane, so a hostile value cannot flood the logs or forge log lines; otherwise we make one.
"""

import uuid

from flask import Flask, Response, g, request

HEADER = "X-Request-ID"
MAX_LENGTH = 128


def is_sane_request_id(value: str) -> bool:
    """True for 1 to 128 printable ASCII characters."""
    return 1 <= len(value) <= MAX_LENGTH and value.isascii() and value.isprintable()


def assign_request_id() -> None:
    """Take the client's id when it is sane, otherwise generate a fresh one."""
    incoming = request.headers.get(HEADER)
    if incoming is not None and is_sane_request_id(incoming):
        g.request_id = incoming
    else:
        g.request_id = uuid.uuid4().hex


def current_request_id() -> str:
    """The id of the request being handled."""
    if "request_id" not in g:
        assign_request_id()
    return str(g.request_id)


def add_request_id_header(response: Response) -> Response:
    """Put the request id on every response, errors included."""
    response.headers[HEADER] = current_request_id()
    return response


def register_request_id(app: Flask) -> None:
    """Assign an id before each request and send it back after."""
    app.before_request(assign_request_id)
    app.after_request(add_request_id_header)
