"""Hold a chunked body to ``MAX_CONTENT_LENGTH`` as strictly as one sent with a Content-Length.

Werkzeug answers 413 when the Content-Length is over the limit. A chunked body has none: Werkzeug
reads it up to the limit and drops the rest without a word, so the view got a truncated body, and
the client a puzzling 400 ("not valid JSON"). This middleware reads such a body first, one byte
past the limit, and hands it on with the Content-Length it turned out to have. Werkzeug then
treats both framings alike: 413 over the limit, the whole body otherwise.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import Any
from wsgiref.types import WSGIApplication, WSGIEnvironment

from werkzeug.wsgi import get_content_length


class ChunkedBodyLimit:
    """WSGI middleware: give a body without a Content-Length one, reading at most ``limit + 1``."""

    def __init__(self, app: WSGIApplication, limit: int) -> None:
        self.app = app
        self.limit = limit

    def __call__(
        self, environ: WSGIEnvironment, start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        """Buffer a server-terminated body of unknown length, then call the app."""
        # wsgi.input_terminated: the server ends the stream itself (it decodes the chunks), so
        # reading it cannot hang. Without it, a body with no Content-Length is not read at all.
        if environ.get("wsgi.input_terminated") and get_content_length(environ) is None:
            body = environ["wsgi.input"].read(self.limit + 1)
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
            # The app now sees a body of known length; "chunked" would make Werkzeug ignore it.
            environ.pop("HTTP_TRANSFER_ENCODING", None)
        return self.app(environ, start_response)
