"""Flask's signed-cookie session, opened only when a request brings a session cookie.

The API itself is stateless (tokens, not cookies), yet Flask opens a session for every request:
its default interface builds a signing serializer first, and reads seven cookie settings after
the response, even when no cookie came and nothing was stored. This interface keeps that
behaviour for every request that has or makes a session, and skips the work for the others.
"""

from flask import Flask, Request, Response
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin


class CookieSessionInterface(SecureCookieSessionInterface):
    """Flask's own session interface, minus its work for requests without a session."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        """A new empty session when no cookie came (what Flask would return), else Flask's."""
        if app.secret_key and self.get_cookie_name(app) not in request.cookies:
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        """Write the cookie as Flask does, unless the session stayed empty and untouched."""
        if not session and not session.modified and not session.accessed:
            return  # Flask would add no cookie and no Vary header here either
        super().save_session(app, session, response)
