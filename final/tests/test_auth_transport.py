"""How auth answers travel: no cache may store them; logout reads a body however it is framed."""

from __future__ import annotations

import io
import json

from conftest import PASSWORD, MakeUser, TokensFor, bearer
from flask.testing import FlaskClient

LOGIN = "/api/v1/auth/login"
REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"


def test_sign_in_and_refresh_answers_may_not_be_stored(
    client: FlaskClient, make_user: MakeUser
) -> None:
    login = client.post(LOGIN, json={"email": make_user().email, "password": PASSWORD})
    assert login.status_code == 200
    assert login.headers["Cache-Control"] == "no-store"
    # RFC 6749, section 5.1: a token response also says so to HTTP/1.0 caches.
    assert login.headers["Pragma"] == "no-cache"
    refresh = client.post(REFRESH, headers=bearer(login.get_json()["refresh_token"]))
    assert refresh.status_code == 200
    assert refresh.headers["Cache-Control"] == "no-store"


def test_a_refused_sign_in_may_not_be_stored_either(client: FlaskClient) -> None:
    response = client.post(LOGIN, json={"email": "nobody@example.org", "password": "wrong"})
    assert response.status_code == 401
    assert response.headers["Cache-Control"] == "no-store"


def test_logout_reads_a_chunked_body_and_revokes_its_refresh_token(
    client: FlaskClient,
    make_user: MakeUser,
    tokens_for: TokensFor,
) -> None:
    tokens = tokens_for(make_user())
    body = json.dumps({"refresh_token": tokens["refresh_token"]}).encode()
    # What a server hands the app for Transfer-Encoding: chunked: a stream the server itself
    # ends (wsgi.input_terminated), and no usable Content-Length.
    response = client.post(
        LOGOUT,
        input_stream=io.BytesIO(body),
        headers={**bearer(tokens["access_token"]), "Content-Type": "application/json"},
        environ_overrides={"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input_terminated": True},
    )
    assert response.status_code == 204
    assert response.request.content_length is None
    refresh = client.post(REFRESH, headers=bearer(tokens["refresh_token"]))
    assert refresh.status_code == 401
    assert refresh.get_json()["code"] == "token_revoked"
