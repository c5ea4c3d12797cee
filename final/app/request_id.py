"""A request id ties together one request's response, its error body and its log lines.

A client or proxy may send ``X-Request-ID`` to follow a call across services. We echo it only when
it is sane, so a hostile value cannot flood the logs or forge log lines; otherwise we make one.
"""

import itertools
import os
import secrets

from flask import Flask, Response, g, request

HEADER = "X-Request-ID"
MAX_LENGTH = 128


class RequestIdSource:
    """Make ids as a random per-process prefix followed by a counter: 32 hex characters.

    A correlation id must be unique and hard to guess, not secret: it only names a request in
    the logs. Sixteen random hex characters per process make it unguessable enough, and the
    counter makes it unique within the process, for the price of an addition instead of a
    fresh ``os.urandom`` (which ``uuid4`` reads) on every request. A forked worker draws a
    prefix of its own, so two gunicorn workers never hand out the same id.
    """

    def __init__(self) -> None:
        self.restart()
        os.register_at_fork(after_in_child=self.restart)

    def restart(self) -> None:
        """Draw a new random prefix and count from zero again."""
        self.prefix = secrets.token_hex(8)
        self.counter = itertools.count()  # next() on a count is atomic under the GIL

    def next_id(self) -> str:
        """The next id of this process."""
        return f"{self.prefix}{next(self.counter):016x}"


_ids = RequestIdSource()


def is_sane_request_id(value: str) -> bool:
    """True for 1 to 128 printable ASCII characters."""
    return 1 <= len(value) <= MAX_LENGTH and value.isascii() and value.isprintable()


def assign_request_id() -> None:
    """Take the client's id when it is sane, otherwise generate a fresh one."""
    incoming = request.headers.get(HEADER)
    if incoming is not None and is_sane_request_id(incoming):
        g.request_id = incoming
    else:
        g.request_id = _ids.next_id()


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
