"""Every way a token can fail answers 401 with WWW-Authenticate and a code that says why."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import jwt as pyjwt
import pytest
from conftest import AuthHeaders, MakeUser, TokensFor, UserInfo, bearer
from flask import Flask
from flask.testing import FlaskClient
from flask_jwt_extended import create_access_token, decode_token

from app import tokens
from app.extensions import db
from app.models import User

ME = "/api/v1/auth/me"
REFRESH = "/api/v1/auth/refresh"


def assert_401(response: Any, code: str) -> None:
    """A 401 with the error body ``code`` and the Bearer challenge."""
    assert response.status_code == 401
    assert response.get_json()["code"] == code
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


@pytest.fixture
def account(make_user: MakeUser) -> UserInfo:
    return make_user()


@pytest.fixture
def account_tokens(account: UserInfo, tokens_for: TokensFor) -> dict[str, Any]:
    return tokens_for(account)


@pytest.fixture
def claims(app: Flask, account_tokens: dict[str, Any]) -> dict[str, Any]:
    """The claims of the account's valid access token, to forge variations of it."""
    with app.app_context():
        decoded: dict[str, Any] = decode_token(account_tokens["access_token"])
    return decoded


def test_no_token_is_401_unauthorized(client: FlaskClient) -> None:
    assert_401(client.get(ME), "unauthorized")


def test_header_without_bearer_prefix_is_401_unauthorized(
    client: FlaskClient, account_tokens: dict[str, Any]
) -> None:
    response = client.get(ME, headers={"Authorization": account_tokens["access_token"]})
    assert_401(response, "unauthorized")


def test_malformed_token_is_401_invalid_token(client: FlaskClient) -> None:
    assert_401(client.get(ME, headers=bearer("not.a.jwt")), "invalid_token")


def test_token_with_wrong_signature_is_401_invalid_token(
    client: FlaskClient, claims: dict[str, Any]
) -> None:
    forged = pyjwt.encode(claims, "another-key-that-is-at-least-32-bytes!", algorithm="HS256")
    assert_401(client.get(ME, headers=bearer(forged)), "invalid_token")


def test_tampered_payload_is_401_invalid_token(
    client: FlaskClient, account_tokens: dict[str, Any], claims: dict[str, Any]
) -> None:
    header, _, signature = account_tokens["access_token"].split(".")
    tampered = f"{header}.{_b64({**claims, 'role': 'admin', 'sub': '999'})}.{signature}"
    assert_401(client.get(ME, headers=bearer(tampered)), "invalid_token")


def test_unsigned_alg_none_token_is_401_invalid_token(
    client: FlaskClient, claims: dict[str, Any]
) -> None:
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."
    assert_401(client.get(ME, headers=bearer(unsigned)), "invalid_token")


def test_expired_token_is_401_token_expired(
    app: Flask, client: FlaskClient, account: UserInfo
) -> None:
    with app.app_context():
        expired = create_access_token(
            identity=str(account.id),
            additional_claims={"role": "member", "ver": 0},
            expires_delta=timedelta(seconds=-5),
        )
    assert_401(client.get(ME, headers=bearer(expired)), "token_expired")


def test_refresh_token_used_as_access_token_is_401_invalid_token(
    client: FlaskClient, account_tokens: dict[str, Any]
) -> None:
    assert_401(client.get(ME, headers=bearer(account_tokens["refresh_token"])), "invalid_token")


def test_access_token_used_to_refresh_is_401_invalid_token(
    client: FlaskClient, account_tokens: dict[str, Any]
) -> None:
    response = client.post(REFRESH, headers=bearer(account_tokens["access_token"]))
    assert_401(response, "invalid_token")


@pytest.mark.task("04.2")
def test_revoked_token_is_401_token_revoked(
    client: FlaskClient, account_tokens: dict[str, Any]
) -> None:
    client.post("/api/v1/auth/logout", headers=bearer(account_tokens["access_token"]))
    assert_401(client.get(ME, headers=bearer(account_tokens["access_token"])), "token_revoked")


@pytest.mark.task("04.4")
def test_token_of_a_deleted_user_is_401_invalid_token(
    client: FlaskClient,
    account: UserInfo,
    account_tokens: dict[str, Any],
    auth_headers: AuthHeaders,
) -> None:
    deleted = client.delete(f"/api/v1/users/{account.id}", headers=auth_headers("admin"))
    assert deleted.status_code == 204
    assert_401(client.get(ME, headers=bearer(account_tokens["access_token"])), "invalid_token")


@pytest.mark.task("04.2")
def test_token_with_a_subject_that_is_not_a_user_id_is_401_invalid_token(
    app: Flask, client: FlaskClient
) -> None:
    with app.app_context():
        odd = create_access_token(identity="not-a-number")
    assert_401(client.get(ME, headers=bearer(odd)), "invalid_token")


@pytest.mark.parametrize(
    ("loader", "code"),
    [(tokens.needs_fresh_token, "unauthorized"), (tokens.invalid_token_claims, "invalid_token")],
)
def test_loaders_no_route_triggers_yet_still_answer_401_bodies(
    app: Flask, loader: Callable[[dict[str, Any], dict[str, Any]], Any], code: str
) -> None:
    with app.test_request_context("/api/v1/auth/me"):
        response = loader({}, {})
    assert_401(response, code)


@pytest.mark.task("04.4")
def test_a_new_account_never_gets_a_deleted_users_id_or_tokens(
    client: FlaskClient,
    make_user: MakeUser,
    tokens_for: TokensFor,
    auth_headers: AuthHeaders,
) -> None:
    admin = auth_headers("admin")
    doomed = make_user()  # the highest id, the one SQLite would hand out again
    doomed_tokens = tokens_for(doomed)
    assert client.delete(f"/api/v1/users/{doomed.id}", headers=admin).status_code == 204
    account = {"email": "next@example.org", "password": "a-long-password", "name": "Next"}
    registered = client.post("/api/v1/auth/register", json=account)
    assert registered.status_code == 201
    assert registered.get_json()["id"] > doomed.id
    assert_401(client.get(ME, headers=bearer(doomed_tokens["access_token"])), "invalid_token")
    assert_401(
        client.post(REFRESH, headers=bearer(doomed_tokens["refresh_token"])), "invalid_token"
    )


@pytest.mark.task("04.2")
def test_a_token_does_not_fit_another_account_made_under_its_id(
    app: Flask, client: FlaskClient, account: UserInfo, account_tokens: dict[str, Any]
) -> None:
    with app.app_context():
        # What a restored backup or another database could do: a new account with the old id.
        db.session.delete(db.session.get(User, account.id))
        db.session.commit()
        db.session.add(User(id=account.id, email="new@example.org", name="New", password_hash="-"))
        db.session.commit()
    assert_401(client.get(ME, headers=bearer(account_tokens["access_token"])), "invalid_token")
    assert_401(
        client.post(REFRESH, headers=bearer(account_tokens["refresh_token"])), "invalid_token"
    )
