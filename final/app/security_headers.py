"""Headers that tell browsers to treat API responses as data, never as a page to render or run.

A JSON API serves no scripts, styles or frames, so its Content-Security-Policy forbids them all.
A route that serves HTML (the /docs page) sets its own, looser policy, which is kept.
"""

from flask import Flask, Response

API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'"


def add_security_headers(response: Response) -> Response:
    """Forbid MIME sniffing and framing, and set a restrictive policy unless the view chose one."""
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers.setdefault("Content-Security-Policy", API_CONTENT_SECURITY_POLICY)
    return response


def register_security_headers(app: Flask) -> None:
    """Add the security headers to every response."""
    app.after_request(add_security_headers)
