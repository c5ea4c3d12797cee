"""Headers that tell browsers to treat API responses as data, never as a page to render or run.

A JSON API serves no scripts, styles or frames, so its Content-Security-Policy forbids them all.
A route that serves HTML (the /docs page) sets its own, looser policy, which is kept.
"""

from flask import Flask, Response

API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'"
CONTENT_SECURITY_POLICY = "Content-Security-Policy"

# Prepared once: every response gets these, so each one costs an append instead of a lookup.
ALWAYS = (("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer"))
WITH_API_POLICY = (*ALWAYS, (CONTENT_SECURITY_POLICY, API_CONTENT_SECURITY_POLICY))


def add_security_headers(response: Response) -> Response:
    """Forbid MIME sniffing and framing, and set a restrictive policy unless the view chose one."""
    headers = response.headers
    # No view sets the first two, so appending them cannot duplicate one.
    headers.extend(ALWAYS if CONTENT_SECURITY_POLICY in headers else WITH_API_POLICY)
    return response


def register_security_headers(app: Flask) -> None:
    """Add the security headers to every response."""
    app.after_request(add_security_headers)
