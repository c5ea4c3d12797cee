"""Delegated access: the sign-in and consent page, authorization codes with PKCE (S256 only),
the code exchange, refresh tokens a member lists and revokes, and every refusal on the way."""

from __future__ import annotations

import secrets
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import PASSWORD, AuthHeaders, MakeUser, TokensFor, UserInfo, bearer
from flask import Flask
from flask.testing import FlaskClient
from flask_jwt_extended import decode_token
from oauth_flow import CALLBACK, TOKEN, ReadingApp, basic, csrf_token, register_reading_app
from werkzeug.test import TestResponse

from app.extensions import db
from app.models import User

GRANTS = "/api/v1/users/me/grants"


@pytest.fixture
def reading_app(client: FlaskClient, auth_headers: AuthHeaders) -> ReadingApp:
    """A reading app registered for the code flow with refresh tokens."""
    return register_reading_app(client, auth_headers("admin"))


@pytest.fixture
def account(make_user: MakeUser) -> UserInfo:
    """The member who delegates."""
    return make_user("member")


def sign_in(client: FlaskClient, url: str, user: UserInfo) -> TestResponse:
    """Open the page and sign in through its form; answers the consent page."""
    page = client.get(url)
    assert page.status_code == 200, page.get_data(as_text=True)
    signed_in = client.post(
        url,
        data={
            "csrf_token": csrf_token(page),
            "email": user.email,
            "password": user.password,
            "action": "sign_in",
        },
    )
    assert signed_in.status_code == 303
    return client.get(url)


def consent(client: FlaskClient, url: str, user: UserInfo, action: str = "allow") -> TestResponse:
    """Sign in and answer the consent page with ``action``; answers the redirect."""
    page = sign_in(client, url, user)
    return client.post(url, data={"csrf_token": csrf_token(page), "action": action})


def redirect_query(response: TestResponse) -> dict[str, str]:
    """The query of a redirect to the callback, one value per name."""
    assert response.status_code == 302, response.get_data(as_text=True)
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == CALLBACK
    return {name: values[0] for name, values in parse_qs(location.query).items()}


def code_for(client: FlaskClient, app: ReadingApp, user: UserInfo) -> str:
    """A fresh authorization code for ``app`` and ``user``."""
    return redirect_query(consent(client, app.authorize_url(), user))["code"]


def test_the_page_signs_in_then_asks_for_consent_under_a_strict_policy(
    client: FlaskClient, reading_app: ReadingApp, account: UserInfo
) -> None:
    url = reading_app.authorize_url()
    first = client.get(url)

    assert first.status_code == 200
    assert first.mimetype == "text/html"
    assert "Reading app" in first.get_data(as_text=True)
    assert 'name="password"' in first.get_data(as_text=True)
    policy = first.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    assert f"form-action 'self' {CALLBACK}" in policy
    assert first.headers["Cache-Control"] == "no-store"
    cookie = first.headers["Set-Cookie"]
    for attribute in ("HttpOnly", "Secure", "SameSite=Lax", "Path=/oauth"):
        assert attribute in cookie

    page = sign_in(client, url, account)

    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "loans:read" in text
    assert 'value="allow"' in text
    assert 'name="password"' not in text


def test_allowing_redirects_with_a_code_and_the_state(
    client: FlaskClient, reading_app: ReadingApp, account: UserInfo
) -> None:
    query = redirect_query(consent(client, reading_app.authorize_url(), account))

    assert query["state"] == "state-42"
    assert len(query["code"]) >= 40


def test_the_code_and_verifier_buy_the_members_token_narrowed_to_the_scope(
    app: Flask, client: FlaskClient, reading_app: ReadingApp, account: UserInfo
) -> None:
    code = code_for(client, reading_app, account)

    response = reading_app.exchange(client, code)

    assert response.status_code == 200, response.get_json()
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "loans:read"
    assert body["refresh_token"]
    with app.app_context():
        claims = decode_token(body["access_token"])
    assert claims["sub"] == str(account.id)
    assert claims["scope"] == "loans:read"
    assert claims["client_id"] == reading_app.client_id
    loans = client.get("/api/v1/loans", headers=bearer(body["access_token"]))
    assert loans.status_code == 200
    borrow = client.post("/api/v1/loans", json={"book_id": 1}, headers=bearer(body["access_token"]))
    assert borrow.status_code == 403
    assert borrow.get_json()["code"] == "insufficient_scope"


def test_denying_redirects_with_access_denied(
    client: FlaskClient, reading_app: ReadingApp, account: UserInfo
) -> None:
    query = redirect_query(consent(client, reading_app.authorize_url(), account, action="deny"))

    assert query["error"] == "access_denied"
    assert query["state"] == "state-42"
    assert "code" not in query


def test_a_wrong_verifier_is_invalid_grant(
    client: FlaskClient, reading_app: ReadingApp, account: UserInfo
) -> None:
    code = code_for(client, reading_app, account)

    response = reading_app.exchange(client, code, code_verifier=secrets.token_urlsafe(48))

    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_grant"


def test_a_missing_verifier_is_refused(
    client: FlaskClient, reading_app: ReadingApp, account: UserInfo
) -> None:
    code = code_for(client, reading_app, account)

    response = reading_app.exchange(client, code, code_verifier="")

    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"


def test_a_code_works_once(client: FlaskClient, reading_app: ReadingApp, account: UserInfo) -> None:
    code = code_for(client, reading_app, account)

    first = reading_app.exchange(client, code)
    second = reading_app.exchange(client, code)

    assert first.status_code == 200
    assert second.status_code == 400
    assert second.get_json()["error"] == "invalid_grant"


def test_an_expired_code_is_invalid_grant(
    app: Flask, client: FlaskClient, reading_app: ReadingApp, account: UserInfo
) -> None:
    app.config["OAUTH_CODE_EXPIRES"] = app.config["OAUTH_CODE_EXPIRES"] * -1
    code = code_for(client, reading_app, account)

    response = reading_app.exchange(client, code)

    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_grant"


def test_the_exchange_must_repeat_the_redirect_uri(
    client: FlaskClient, reading_app: ReadingApp, account: UserInfo
) -> None:
    code = code_for(client, reading_app, account)

    response = reading_app.exchange(client, code, redirect_uri="https://reader.example/other")

    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_grant"


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "https://evil.example/callback",
        f"{CALLBACK}/more",
        f"{CALLBACK}?next=https://evil.example",
        "https://READER.example/callback",
    ],
)
def test_a_foreign_redirect_uri_is_refused_on_the_page_never_followed(
    client: FlaskClient, reading_app: ReadingApp, redirect_uri: str
) -> None:
    response = client.get(reading_app.authorize_url(redirect_uri=redirect_uri))

    assert response.status_code == 400
    assert "Location" not in response.headers
    assert "is not supported by client" in response.get_data(as_text=True)


def test_an_unknown_client_is_refused_on_the_page(client: FlaskClient) -> None:
    app = ReadingApp("no-such-client", "secret", secrets.token_urlsafe(48))

    response = client.get(app.authorize_url())

    assert response.status_code == 400
    assert "Location" not in response.headers


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge_method": ""}, "invalid_request"),
        ({"code_challenge": ""}, "invalid_request"),
        ({"scope": "loans:write"}, "invalid_scope"),
    ],
)
def test_a_bad_request_from_a_known_client_is_sent_back_to_it(
    client: FlaskClient, reading_app: ReadingApp, overrides: dict[str, str], error: str
) -> None:
    response = client.get(reading_app.authorize_url(**overrides))

    query = redirect_query(response)
    assert query["error"] == error
    assert query["state"] == "state-42"


def test_a_plain_challenge_never_yields_a_code(
    client: FlaskClient, reading_app: ReadingApp, account: UserInfo
) -> None:
    url = reading_app.authorize_url(
        code_challenge=reading_app.verifier, code_challenge_method="plain"
    )

    response = client.post(url, data={"action": "allow"})

    assert "code" not in redirect_query(response)


@pytest.mark.parametrize("token", [None, "forged-token", ""])
def test_a_consent_without_the_sessions_csrf_token_is_refused(
    client: FlaskClient, reading_app: ReadingApp, account: UserInfo, token: str | None
) -> None:
    url = reading_app.authorize_url()
    sign_in(client, url, account)
    form = {"action": "allow"} | ({"csrf_token": token} if token is not None else {})

    response = client.post(url, data=form)

    assert response.status_code == 400
    assert "Location" not in response.headers
    assert "The form expired" in response.get_data(as_text=True)


def test_a_sign_in_without_the_csrf_token_is_refused(
    client: FlaskClient, reading_app: ReadingApp, account: UserInfo
) -> None:
    url = reading_app.authorize_url()
    client.get(url)

    response = client.post(
        url, data={"email": account.email, "password": account.password, "action": "sign_in"}
    )

    assert response.status_code == 400


def test_another_sessions_csrf_token_is_refused(
    app: Flask, reading_app: ReadingApp, account: UserInfo
) -> None:
    attacker, victim = app.test_client(), app.test_client()
    url = reading_app.authorize_url()
    attackers_token = csrf_token(attacker.get(url))
    sign_in(victim, url, account)

    response = victim.post(url, data={"csrf_token": attackers_token, "action": "allow"})

    assert response.status_code == 400


def test_a_wrong_password_shows_the_form_again_with_401(
    client: FlaskClient, reading_app: ReadingApp, account: UserInfo
) -> None:
    url = reading_app.authorize_url()
    page = client.get(url)

    response = client.post(
        url,
        data={
            "csrf_token": csrf_token(page),
            "email": account.email,
            "password": "not-" + PASSWORD,
            "action": "sign_in",
        },
    )

    assert response.status_code == 401
    assert "The email or password is incorrect." in response.get_data(as_text=True)


def test_a_new_password_ends_the_pages_session(
    app: Flask, client: FlaskClient, reading_app: ReadingApp, account: UserInfo
) -> None:
    url = reading_app.authorize_url()
    page = sign_in(client, url, account)
    with app.app_context():
        user = db.session.get(User, account.id)
        assert user is not None
        user.token_version += 1
        db.session.commit()

    response = client.post(url, data={"csrf_token": csrf_token(page), "action": "allow"})

    assert response.status_code == 401
    assert "Location" not in response.headers


def test_consent_without_signing_in_is_refused(
    client: FlaskClient, reading_app: ReadingApp
) -> None:
    url = reading_app.authorize_url()
    page = client.get(url)

    response = client.post(url, data={"csrf_token": csrf_token(page), "action": "allow"})

    assert response.status_code == 401
    assert "Location" not in response.headers


def refresh(client: FlaskClient, app: ReadingApp, token: str) -> TestResponse:
    """Trade a refresh token at the token endpoint."""
    return client.post(
        TOKEN,
        data={"grant_type": "refresh_token", "refresh_token": token},
        headers=basic(app.client_id, app.secret),
    )


def test_the_refresh_token_rotates_and_a_replayed_one_revokes_the_grant(
    client: FlaskClient, reading_app: ReadingApp, account: UserInfo
) -> None:
    first = reading_app.exchange(client, code_for(client, reading_app, account)).get_json()

    second = refresh(client, reading_app, first["refresh_token"])

    assert second.status_code == 200
    rotated = second.get_json()
    assert rotated["refresh_token"] != first["refresh_token"]
    assert rotated["scope"] == "loans:read"
    replayed = refresh(client, reading_app, first["refresh_token"])
    assert replayed.status_code == 400
    assert replayed.get_json()["error"] == "invalid_grant"
    assert refresh(client, reading_app, rotated["refresh_token"]).status_code == 400


def test_the_member_lists_and_revokes_the_grant(
    client: FlaskClient,
    reading_app: ReadingApp,
    account: UserInfo,
    tokens_for: TokensFor,
) -> None:
    tokens = reading_app.exchange(client, code_for(client, reading_app, account)).get_json()
    headers = bearer(tokens_for(account)["access_token"])

    listed = client.get(GRANTS, headers=headers)

    assert listed.status_code == 200
    assert listed.get_json()["total"] == 1
    assert 'rel="self"' in listed.headers["Link"]
    [grant] = listed.get_json()["items"]
    assert grant["client_name"] == "Reading app"
    assert grant["client_id"] == reading_app.client_id
    assert grant["scopes"] == ["loans:read"]
    revoked = client.delete(f"{GRANTS}/{grant['id']}", headers=headers)
    assert revoked.status_code == 204
    assert client.get(GRANTS, headers=headers).get_json()["items"] == []
    assert refresh(client, reading_app, tokens["refresh_token"]).status_code == 400


def test_a_member_cannot_revoke_another_members_grant(
    client: FlaskClient,
    reading_app: ReadingApp,
    account: UserInfo,
    make_user: MakeUser,
    tokens_for: TokensFor,
) -> None:
    reading_app.exchange(client, code_for(client, reading_app, account))
    grant_id = client.get(GRANTS, headers=bearer(tokens_for(account)["access_token"])).get_json()[
        "items"
    ][0]["id"]
    other = bearer(tokens_for(make_user("member"))["access_token"])

    response = client.delete(f"{GRANTS}/{grant_id}", headers=other)

    assert response.status_code == 404
    assert response.get_json()["code"] == "not_found"
