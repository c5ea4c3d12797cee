"""The production WSGI app with one header added, ``X-Worker-Pid``, for the multi-worker proofs.

A test that claims "whichever worker answers" must see that more than one worker did; gunicorn
serves this module instead of ``wsgi`` only in those tests, and the app itself is unchanged.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

from wsgi import app as flask_app

StartResponse = Callable[..., Any]


def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    """Call the Flask app, adding this worker's process id to the response headers."""

    def start_with_pid(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
        headers.append(("X-Worker-Pid", str(os.getpid())))
        return start_response(status, headers, *rest)

    return flask_app(environ, start_with_pid)
