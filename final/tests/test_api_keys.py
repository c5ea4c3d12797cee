"""API keys: made by an admin, shown once, stored as a hash, scoped, limited per key, revoked."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta

import pytest
from conftest import AuthHeaders, MakeUser, UserInfo, bearer
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.extensions import db
from app.models import ApiKey
from app.models.base import utc_now
from app.services import api_keys, users

API_KEYS = "/api/v1/api-keys"
AUTHORS = "/api/v1/authors"
MakeKey = Callable[..., str]


@pytest.fixture
def admin(make_user: MakeUser) -> UserInfo:
    return make_user(role="admin")


@pytest.fixture
def make_key(app: Flask, admin: UserInfo) -> MakeKey:
    """Make a key of ``admin`` through the service and return the key itself."""

    def factory(*scopes: str, owner: UserInfo | None = None) -> str:
        with app.app_context():
            made = api_keys.create_api_key(
                owner=users.get_user((owner or admin).id),
                name="integration",
                scopes=list(scopes) or ["catalog:write"],
                expires_in_days=30,
            )
            return made.key

    return factory


def key_header(key: str) -> dict[str, str]:
    return {"X-API-Key": key}


def test_an_admin_makes_a_key_shown_once_and_stored_as_its_hash(
    app: Flask, client: FlaskClient, admin: UserInfo, tokens_for: Callable[..., dict[str, str]]
) -> None:
    headers = bearer(tokens_for(admin)["access_token"])
    response = client.post(
        API_KEYS, json={"name": "Stock sync", "scopes": ["catalog:write"]}, headers=headers
    )

    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    key = body["key"]
    assert key.startswith("lib_live_")
    assert len(key) > 40
    assert key.startswith(body["shown"])
    assert len(body["shown"]) < 20
    assert body["scopes"] == ["catalog:write"]
    assert body["revoked_at"] is None
    with app.app_context():
        row = db.session.scalars(select(ApiKey)).one()
        assert row.key_hash == hashlib.sha256(key.encode()).hexdigest()
        assert key not in {row.name, row.shown, row.key_hash, row.scope}

    listed = client.get(API_KEYS, headers=headers).get_json()
    assert listed["total"] == 1
    assert "key" not in listed["items"][0]


@pytest.mark.parametrize("send", ["x-api-key", "authorization"])
def test_a_key_calls_the_routes_of_its_scopes(
    client: FlaskClient, make_key: MakeKey, send: str
) -> None:
    key = make_key("catalog:write")
    headers = key_header(key) if send == "x-api-key" else {"Authorization": f"ApiKey {key}"}

    response = client.post(AUTHORS, json={"name": "Homer"}, headers=headers)

    assert response.status_code == 201
    assert response.get_json()["name"] == "Homer"


def test_a_key_without_the_scope_is_403_insufficient_scope(
    client: FlaskClient, make_key: MakeKey
) -> None:
    response = client.get("/api/v1/users", headers=key_header(make_key("catalog:write")))

    assert response.status_code == 403
    assert response.get_json()["code"] == "insufficient_scope"
    assert response.headers["WWW-Authenticate"] == (
        'ApiKey error="insufficient_scope", scope="users:read"'
    )


def test_a_key_cannot_sign_out_or_refresh(client: FlaskClient, make_key: MakeKey) -> None:
    headers = key_header(make_key("users:read", "users:write"))

    for path in ("/api/v1/auth/logout", "/api/v1/auth/refresh"):
        response = client.post(path, headers=headers)
        assert response.status_code == 401
        assert response.get_json()["code"] == "unauthorized"


def test_an_unknown_key_is_401_invalid_api_key(client: FlaskClient) -> None:
    response = client.post(AUTHORS, json={"name": "Homer"}, headers=key_header("lib_live_nope"))

    assert response.status_code == 401
    assert response.get_json()["code"] == "invalid_api_key"
    assert response.headers["WWW-Authenticate"] == "ApiKey"


def test_an_expired_key_is_401(app: Flask, client: FlaskClient, make_key: MakeKey) -> None:
    key = make_key()
    with app.app_context():
        row = db.session.scalars(select(ApiKey)).one()
        row.expires_at = utc_now() - timedelta(seconds=1)
        db.session.commit()

    response = client.post(AUTHORS, json={"name": "Homer"}, headers=key_header(key))

    assert response.status_code == 401
    assert response.get_json()["code"] == "invalid_api_key"


def test_rotation_makes_the_new_key_first_then_revokes_the_old_one(
    client: FlaskClient, admin: UserInfo, tokens_for: Callable[..., dict[str, str]]
) -> None:
    headers = bearer(tokens_for(admin)["access_token"])
    new_key = {"name": "Stock sync", "scopes": ["catalog:write"]}
    old = client.post(API_KEYS, json=new_key, headers=headers).get_json()
    new = client.post(API_KEYS, json=new_key, headers=headers).get_json()
    for made in (old, new):
        assert (
            client.post(AUTHORS, json={"name": "A"}, headers=key_header(made["key"])).status_code
            == 201
        )

    revoked = client.post(f"{API_KEYS}/{old['id']}/revoke", headers=headers)

    assert revoked.status_code == 200
    assert revoked.get_json()["revoked_at"] is not None
    again = client.post(f"{API_KEYS}/{old['id']}/revoke", headers=headers)
    assert again.get_json()["revoked_at"] == revoked.get_json()["revoked_at"]
    refused = client.post(AUTHORS, json={"name": "B"}, headers=key_header(old["key"]))
    assert refused.status_code == 401
    assert (
        client.post(AUTHORS, json={"name": "C"}, headers=key_header(new["key"])).status_code == 201
    )


def test_only_admins_make_keys_and_only_with_known_scopes(
    client: FlaskClient,
    auth_headers: AuthHeaders,
    admin: UserInfo,
    tokens_for: Callable[..., dict[str, str]],
) -> None:
    body = {"name": "Stock sync", "scopes": ["catalog:write"]}
    librarian = client.post(API_KEYS, json=body, headers=auth_headers("librarian"))
    assert librarian.status_code == 403
    assert librarian.get_json()["code"] == "forbidden"

    admin_headers = bearer(tokens_for(admin)["access_token"])
    for wrong in ({"scopes": ["catalog:everything"]}, {"scopes": []}, {"expires_in_days": 366}):
        response = client.post(API_KEYS, json=body | wrong, headers=admin_headers)
        assert response.status_code == 422
        assert set(response.get_json()["details"]) == set(wrong)


def test_each_refused_scope_is_a_message_of_the_scopes_field(
    client: FlaskClient, admin: UserInfo, tokens_for: Callable[..., dict[str, str]]
) -> None:
    body = {"name": "Stock sync", "scopes": ["catalog:write", "catalog:everything", 7]}
    response = client.post(API_KEYS, json=body, headers=bearer(tokens_for(admin)["access_token"]))
    assert response.status_code == 422
    messages = response.get_json()["details"]["scopes"]
    assert [message.split(": ", 1)[0] for message in messages] == ["1", "2"]
    assert messages[0].startswith("1: Must be one of: catalog:read, catalog:write")
    assert messages[1] == "2: Not a valid string."


def test_a_key_of_a_demoted_admin_loses_what_the_role_no_longer_grants(
    client: FlaskClient,
    make_key: MakeKey,
    make_user: MakeUser,
    admin: UserInfo,
    tokens_for: Callable[..., dict[str, str]],
) -> None:
    key = make_key("catalog:write", "users:read")
    other_admin = bearer(tokens_for(make_user(role="admin"))["access_token"])
    demoted = client.patch(
        f"/api/v1/users/{admin.id}", json={"role": "member"}, headers=other_admin
    )
    assert demoted.status_code == 200

    response = client.post(AUTHORS, json={"name": "Homer"}, headers=key_header(key))

    assert response.status_code == 403


@pytest.fixture
def limits_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rate limits on, two requests a minute, for the app the fixtures build next."""
    monkeypatch.setenv("RATELIMIT_ENABLED", "true")
    monkeypatch.setenv("RATELIMIT_DEFAULT", "2 per minute")


def test_each_key_has_its_own_rate_limit(
    limits_on: None, client: FlaskClient, make_key: MakeKey
) -> None:
    """Two keys from one address: one spends its budget, the other and the address do not."""
    first, second = make_key(), make_key()
    for _ in range(2):
        assert client.get("/api/v1/books", headers=key_header(first)).status_code == 200

    limited = client.get("/api/v1/books", headers=key_header(first))

    assert limited.status_code == 429
    assert "Retry-After" in limited.headers
    assert client.get("/api/v1/books", headers=key_header(second)).status_code == 200
    assert client.get("/api/v1/books").status_code == 200


def test_the_document_declares_the_api_key_scheme(client: FlaskClient) -> None:
    document = client.get("/openapi.json").get_json()

    scheme = document["components"]["securitySchemes"]["apiKeyAuth"]
    assert scheme == scheme | {"type": "apiKey", "in": "header", "name": "X-API-Key"}
    assert document["paths"][API_KEYS]["post"]["security"] == [
        {"bearerAuth": ["integrations:write"]},
        {"apiKeyAuth": ["integrations:write"]},
    ]


def test_the_list_of_keys_pages_with_a_link_header(
    client: FlaskClient,
    admin: UserInfo,
    make_key: MakeKey,
    tokens_for: Callable[..., dict[str, str]],
) -> None:
    make_key()
    make_key()
    headers = bearer(tokens_for(admin)["access_token"])
    response = client.get(f"{API_KEYS}?per_page=1", headers=headers)
    assert response.status_code == 200
    assert response.get_json()["links"]["next"] == "/api/v1/api-keys?page=2&per_page=1"
    assert 'rel="next"' in response.headers["Link"]
