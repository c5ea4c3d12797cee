"""Registration, sign-in, token rotation with reuse detection, logout and /me."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
from argon2 import PasswordHasher
from conftest import PASSWORD, MakeUser, bearer
from flask import Flask
from flask.testing import FlaskClient
from flask_jwt_extended import create_refresh_token, decode_token
from sqlalchemy import select

from app.blocklist import token_blocklist
from app.extensions import db
from app.models import User

REGISTER = "/api/v1/auth/register"
LOGIN = "/api/v1/auth/login"
REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"
ME = "/api/v1/auth/me"


def login(client: FlaskClient, email: str, password: str = PASSWORD) -> dict[str, Any]:
    """Sign in and return the token body (asserting success)."""
    response = client.post(LOGIN, json={"email": email, "password": password})
    assert response.status_code == 200, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def test_register_creates_a_member_with_a_lower_case_email(client: FlaskClient) -> None:
    response = client.post(
        REGISTER, json={"email": "Ada@Example.ORG", "password": PASSWORD, "name": "Ada"}
    )
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"id", "email", "name", "role", "created_at"}
    assert body["email"] == "ada@example.org"
    assert body["role"] == "member"
    assert body["created_at"].endswith("+00:00")


def test_register_never_answers_the_password_or_its_hash(client: FlaskClient) -> None:
    response = client.post(REGISTER, json={"email": "a@b.org", "password": PASSWORD, "name": "A"})
    text = response.get_data(as_text=True)
    assert PASSWORD not in text
    assert "argon2" not in text
    assert "password" not in text


def test_password_is_stored_as_an_argon2id_hash(app: Flask, client: FlaskClient) -> None:
    client.post(REGISTER, json={"email": "a@b.org", "password": PASSWORD, "name": "A"})
    with app.app_context():
        stored = db.session.scalar(select(User.password_hash))
    assert stored is not None
    assert stored.startswith("$argon2id$")
    assert PasswordHasher().verify(stored, PASSWORD)


def test_duplicate_email_in_any_case_is_409_email_taken(
    client: FlaskClient, make_user: MakeUser
) -> None:
    make_user(email="grace@example.org")
    response = client.post(
        REGISTER, json={"email": "GRACE@example.org", "password": PASSWORD, "name": "G"}
    )
    assert response.status_code == 409
    assert response.get_json()["code"] == "email_taken"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": "a@b.org", "password": "short", "name": "A"}, "password"),
        ({"email": "not-an-email", "password": PASSWORD, "name": "A"}, "email"),
        ({"email": "a@b.org", "password": PASSWORD}, "name"),
        ({"email": "a@b.org", "password": PASSWORD, "name": "A", "role": "admin"}, "role"),
    ],
    ids=["short-password", "bad-email", "missing-name", "unknown-field"],
)
def test_invalid_registration_is_422_naming_the_field(
    client: FlaskClient, payload: dict[str, str], field: str
) -> None:
    response = client.post(REGISTER, json=payload)
    assert response.status_code == 422
    assert field in response.get_json()["details"]


def test_login_answers_a_bearer_token_pair(
    app: Flask, client: FlaskClient, make_user: MakeUser
) -> None:
    user = make_user(role="librarian")
    body = login(client, user.email.upper())
    assert set(body) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 15 * 60
    with app.app_context():
        access = decode_token(body["access_token"])
        refresh = decode_token(body["refresh_token"])
    assert access["sub"] == str(user.id)
    assert access["type"] == "access"
    assert access["role"] == "librarian"
    assert {"exp", "iat", "jti"} <= set(access)
    assert access["exp"] - access["iat"] == 15 * 60
    assert refresh["type"] == "refresh"
    assert refresh["exp"] - refresh["iat"] == 14 * 24 * 3600


@pytest.mark.parametrize("wrong", ["password", "email"])
def test_wrong_credentials_are_401_invalid_credentials_with_one_message(
    client: FlaskClient, make_user: MakeUser, wrong: str
) -> None:
    user = make_user()
    wrong_password = client.post(LOGIN, json={"email": user.email, "password": "nope-nope"})
    unknown_email = client.post(LOGIN, json={"email": "nobody@example.org", "password": PASSWORD})
    response = wrong_password if wrong == "password" else unknown_email
    assert response.status_code == 401
    assert response.get_json()["code"] == "invalid_credentials"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert wrong_password.get_json()["message"] == unknown_email.get_json()["message"]


def test_unknown_email_is_still_checked_against_a_hash(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    verified: list[str] = []
    original = PasswordHasher.verify

    def spy(self: PasswordHasher, hash: str, password: str | bytes) -> bool:
        verified.append(hash)
        return original(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", spy)
    response = client.post(LOGIN, json={"email": "nobody@example.org", "password": PASSWORD})
    assert response.status_code == 401
    assert len(verified) == 1
    assert verified[0].startswith("$argon2id$")


def test_login_rehashes_a_password_hashed_with_old_parameters(
    app: Flask, client: FlaskClient, make_user: MakeUser
) -> None:
    user = make_user()
    memory = app.config["ARGON2_MEMORY_COST"]
    old_hash = PasswordHasher(time_cost=1, memory_cost=memory // 2, parallelism=1).hash(PASSWORD)
    with app.app_context():
        db.session.get_one(User, user.id).password_hash = old_hash
        db.session.commit()
    login(client, user.email)
    with app.app_context():
        new_hash = db.session.get_one(User, user.id).password_hash
    assert new_hash != old_hash
    assert f"m={memory}," in new_hash
    login(client, user.email)


def test_me_answers_the_signed_in_user(client: FlaskClient, make_user: MakeUser) -> None:
    user = make_user(role="admin")
    tokens = login(client, user.email)
    response = client.get(ME, headers=bearer(tokens["access_token"]))
    assert response.status_code == 200
    assert response.get_json()["id"] == user.id
    assert response.get_json()["role"] == "admin"


def test_refresh_rotates_the_pair_and_revokes_the_used_token(
    client: FlaskClient, make_user: MakeUser
) -> None:
    tokens = login(client, make_user().email)
    response = client.post(REFRESH, headers=bearer(tokens["refresh_token"]))
    assert response.status_code == 200
    rotated = response.get_json()
    assert rotated["access_token"] != tokens["access_token"]
    assert rotated["refresh_token"] != tokens["refresh_token"]
    assert client.get(ME, headers=bearer(rotated["access_token"])).status_code == 200
    again = client.post(REFRESH, headers=bearer(tokens["refresh_token"]))
    assert again.status_code == 401
    assert again.get_json()["code"] == "token_revoked"


def test_reusing_a_refresh_token_revokes_every_token_of_the_user(
    client: FlaskClient, make_user: MakeUser
) -> None:
    user = make_user()
    stolen = login(client, user.email)
    rotated = client.post(REFRESH, headers=bearer(stolen["refresh_token"])).get_json()
    other_session = login(client, user.email)

    assert client.post(REFRESH, headers=bearer(stolen["refresh_token"])).status_code == 401

    for token in (rotated["access_token"], other_session["access_token"]):
        response = client.get(ME, headers=bearer(token))
        assert response.status_code == 401
        assert response.get_json()["code"] == "token_revoked"
    for token in (rotated["refresh_token"], other_session["refresh_token"]):
        assert client.post(REFRESH, headers=bearer(token)).status_code == 401
    fresh = login(client, user.email)
    assert client.get(ME, headers=bearer(fresh["access_token"])).status_code == 200


def test_a_refresh_token_spent_by_a_concurrent_request_revokes_every_token(
    app: Flask,
    client: FlaskClient,
    make_user: MakeUser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    user = make_user()
    stolen = login(client, user.email)
    rotated = client.post(REFRESH, headers=bearer(stolen["refresh_token"])).get_json()
    # Two requests with one refresh token can both pass the blocklist check before either
    # revokes it. Replay that race: the check says "not revoked", so only revoke()'s answer
    # (False: already revoked) can tell refresh_tokens that the token was spent twice.
    with app.app_context():
        blocklist = token_blocklist()
    monkeypatch.setattr(blocklist, "is_revoked", lambda _jti: False)
    raced = client.post(REFRESH, headers=bearer(stolen["refresh_token"]))
    monkeypatch.undo()

    assert raced.status_code == 401
    assert raced.get_json()["code"] == "token_revoked"
    response = client.get(ME, headers=bearer(rotated["access_token"]))
    assert response.status_code == 401
    assert response.get_json()["code"] == "token_revoked"


def test_an_old_revoked_token_does_not_end_the_session_started_since(
    client: FlaskClient, make_user: MakeUser
) -> None:
    user = make_user()
    stolen = login(client, user.email)
    client.post(REFRESH, headers=bearer(stolen["refresh_token"]))
    client.post(REFRESH, headers=bearer(stolen["refresh_token"]))  # reuse: all revoked
    fresh = login(client, user.email)
    client.post(REFRESH, headers=bearer(stolen["refresh_token"]))  # already dead: no effect
    assert client.get(ME, headers=bearer(fresh["access_token"])).status_code == 200


def test_logout_revokes_the_access_token(client: FlaskClient, make_user: MakeUser) -> None:
    tokens = login(client, make_user().email)
    response = client.post(LOGOUT, headers=bearer(tokens["access_token"]))
    assert response.status_code == 204
    assert response.get_data() == b""
    after = client.get(ME, headers=bearer(tokens["access_token"]))
    assert after.status_code == 401
    assert after.get_json()["code"] == "token_revoked"
    assert client.post(REFRESH, headers=bearer(tokens["refresh_token"])).status_code == 200


def test_logout_with_the_refresh_token_revokes_both(
    client: FlaskClient, make_user: MakeUser
) -> None:
    tokens = login(client, make_user().email)
    response = client.post(
        LOGOUT,
        json={"refresh_token": tokens["refresh_token"]},
        headers=bearer(tokens["access_token"]),
    )
    assert response.status_code == 204
    refresh = client.post(REFRESH, headers=bearer(tokens["refresh_token"]))
    assert refresh.status_code == 401
    assert refresh.get_json()["code"] == "token_revoked"


def test_logout_refuses_a_refresh_token_that_is_not_the_users(
    client: FlaskClient, make_user: MakeUser
) -> None:
    mine = login(client, make_user().email)
    theirs = login(client, make_user().email)
    for refresh_token in (theirs["refresh_token"], mine["access_token"], "garbage"):
        response = client.post(
            LOGOUT, json={"refresh_token": refresh_token}, headers=bearer(mine["access_token"])
        )
        assert response.status_code == 422
        assert "refresh_token" in response.get_json()["details"]
    assert client.get(ME, headers=bearer(mine["access_token"])).status_code == 200


def test_logout_accepts_an_expired_refresh_token_as_nothing_left_to_revoke(
    app: Flask, client: FlaskClient, make_user: MakeUser
) -> None:
    user = make_user()
    tokens = login(client, user.email)
    with app.app_context():
        expired = create_refresh_token(identity=str(user.id), expires_delta=timedelta(seconds=-5))
    response = client.post(
        LOGOUT, json={"refresh_token": expired}, headers=bearer(tokens["access_token"])
    )
    assert response.status_code == 204
    assert client.get(ME, headers=bearer(tokens["access_token"])).status_code == 401


def test_a_failed_sign_in_is_logged_without_the_email_or_password(
    client: FlaskClient, make_user: MakeUser, caplog: pytest.LogCaptureFixture
) -> None:
    user = make_user()
    with caplog.at_level(logging.INFO):
        for email in (user.email, "nobody@example.org"):
            response = client.post(LOGIN, json={"email": email, "password": "nope-nope-nope"})
            assert response.status_code == 401
    failed = [
        record for record in caplog.records if getattr(record, "event", None) == "login_failed"
    ]
    # The account when the email has one; never the email (personal data) or the password.
    assert [record.account_id for record in failed] == [user.id, None]
    for record in failed:
        for secret in (user.email, "nobody@example.org", "nope-nope-nope"):
            assert secret not in str(vars(record))


def test_refresh_token_reuse_is_logged_as_a_security_event(
    client: FlaskClient, make_user: MakeUser, caplog: pytest.LogCaptureFixture
) -> None:
    user = make_user()
    stolen = login(client, user.email)
    assert client.post(REFRESH, headers=bearer(stolen["refresh_token"])).status_code == 200
    with caplog.at_level(logging.INFO):
        assert client.post(REFRESH, headers=bearer(stolen["refresh_token"])).status_code == 401
    [record] = [r for r in caplog.records if getattr(r, "event", None) == "refresh_reuse_detected"]
    assert record.account_id == user.id
    assert stolen["refresh_token"] not in str(vars(record))
