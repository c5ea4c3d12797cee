"""The pieces of an OAuth 2 reading app that the consent-flow tests share: its registration,
its PKCE pair and its requests, in the test client and in the browser alike."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from urllib.parse import urlencode

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

AUTHORIZE = "/oauth/authorize"
TOKEN = "/oauth/token"
CALLBACK = "https://reader.example/callback"


def s256(verifier: str) -> str:
    """The S256 challenge of ``verifier`` (RFC 7636, 4.2), computed here independently."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def basic(client_id: str, secret: str) -> dict[str, str]:
    """HTTP Basic client credentials."""
    pair = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {pair}"}


@dataclass(frozen=True)
class ReadingApp:
    """A registered third-party app: its credentials and the PKCE pair of one request."""

    client_id: str
    secret: str
    verifier: str

    def authorize_url(self, **overrides: str) -> str:
        """An authorization request for ``loans:read``, with its S256 challenge."""
        query = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": CALLBACK,
            "scope": "loans:read",
            "state": "state-42",
            "code_challenge": s256(self.verifier),
            "code_challenge_method": "S256",
        } | overrides
        return f"{AUTHORIZE}?{urlencode(query)}"

    def exchange(self, client: FlaskClient, code: str, **overrides: str) -> TestResponse:
        """Redeem ``code`` at the token endpoint with this app's verifier."""
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": CALLBACK,
            "code_verifier": self.verifier,
        } | overrides
        return client.post(TOKEN, data=form, headers=basic(self.client_id, self.secret))


def register_reading_app(client: FlaskClient, admin: dict[str, str]) -> ReadingApp:
    """Register a reading app for the code flow with refresh tokens, as an admin."""
    response = client.post(
        "/api/v1/clients",
        json={
            "name": "Reading app",
            "scopes": ["catalog:read", "loans:read"],
            "grant_types": ["authorization_code", "refresh_token"],
            "redirect_uris": [CALLBACK],
        },
        headers=admin,
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    return ReadingApp(body["client"]["client_id"], body["client_secret"], secrets.token_urlsafe(48))
