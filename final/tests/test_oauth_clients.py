"""Service clients: registered by admins, secrets shown once, the client credentials grant,
secret rotation with an overlap, and revocation."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from conftest import AuthHeaders, bearer
from flask import Flask
from flask.testing import FlaskClient
from flask_jwt_extended import decode_token

from app.extensions import db
from app.models import OAuthClient
from app.models.oauth import digest

CLIENTS = "/api/v1/clients"
TOKEN = "/oauth/token"
PARTNER = {"name": "Partner bookshop", "scopes": ["catalog:read", "catalog:write"]}


def basic(client_id: str, secret: str) -> dict[str, str]:
    """HTTP Basic credentials, as RFC 6749 2.3.1 prefers clients to send them."""
    pair = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {pair}"}


@pytest.fixture
def register_client(
    client: FlaskClient, auth_headers: AuthHeaders
) -> Callable[..., dict[str, Any]]:
    """Register a client as an admin and return the answer: ``register_client(scopes=[...])``."""
    admin = auth_headers("admin")

    def factory(**fields: Any) -> dict[str, Any]:
        response = client.post(CLIENTS, json=PARTNER | fields, headers=admin)
        assert response.status_code == 201, response.get_json()
        body: dict[str, Any] = response.get_json()
        return body

    return factory


def client_token(client: FlaskClient, client_id: str, secret: str, **form: str) -> Any:
    """Ask the token endpoint for a client credentials token."""
    return client.post(
        TOKEN, data={"grant_type": "client_credentials", **form}, headers=basic(client_id, secret)
    )


def test_registering_answers_the_secret_once_and_stores_only_its_digest(
    app: Flask, client: FlaskClient, auth_headers: AuthHeaders
) -> None:
    admin = auth_headers("admin")
    response = client.post(CLIENTS, json=PARTNER, headers=admin)

    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    secret = body["client_secret"]
    assert len(secret) >= 43
    assert body["client"]["scopes"] == ["catalog:read", "catalog:write"]
    assert body["client"]["grant_types"] == ["client_credentials"]
    with app.app_context():
        stored = db.session.get(OAuthClient, body["client"]["id"])
        assert stored is not None
        assert stored.secret_hash == digest(secret)
        assert secret not in (stored.secret_hash, stored.client_id)
    shown = client.get(f"{CLIENTS}/{body['client']['id']}", headers=admin).get_json()
    assert "client_secret" not in shown
    assert shown["client_id"] == body["client"]["client_id"]


@pytest.mark.parametrize("role", ["member", "librarian"])
def test_only_admins_register_clients(
    client: FlaskClient, auth_headers: AuthHeaders, role: str
) -> None:
    response = client.post(CLIENTS, json=PARTNER, headers=auth_headers(role))

    assert response.status_code == 403
    assert response.get_json()["code"] == "forbidden"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"scopes": ["catalog:delete-everything"]}, "scopes"),
        ({"grant_types": ["password"]}, "grant_types"),
        ({"grant_types": ["authorization_code"]}, "redirect_uris"),
        ({"grant_types": ["refresh_token"]}, "grant_types"),
        (
            {"grant_types": ["authorization_code"], "redirect_uris": ["http://app.example/cb"]},
            "redirect_uris",
        ),
        (
            {"grant_types": ["authorization_code"], "redirect_uris": ["https://a.example/cb#x"]},
            "redirect_uris",
        ),
        (
            {"grant_types": ["authorization_code"], "redirect_uris": ["https://[reader/cb"]},
            "redirect_uris",
        ),
        (
            {
                "grant_types": ["authorization_code"],
                "redirect_uris": ["https://reader.example/cb;script-src"],
            },
            "redirect_uris",
        ),
        ({"name": ""}, "name"),
    ],
)
def test_a_bad_registration_is_422_naming_the_field(
    client: FlaskClient,
    auth_headers: AuthHeaders,
    fields: dict[str, Any],
    field: str,
) -> None:
    response = client.post(CLIENTS, json=PARTNER | fields, headers=auth_headers("admin"))

    assert response.status_code == 422
    body = response.get_json()
    assert body["code"] == "validation_error"
    assert field in body["details"]
    assert body["request_id"] == response.headers["X-Request-ID"]


def test_client_credentials_answer_a_short_lived_scoped_jwt(
    app: Flask, client: FlaskClient, register_client: Callable[..., dict[str, Any]]
) -> None:
    registered = register_client()
    client_id = registered["client"]["client_id"]

    response = client_token(client, client_id, registered["client_secret"])

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "catalog:read catalog:write"
    assert body["expires_in"] == 600
    assert "refresh_token" not in body
    with app.app_context():
        claims = decode_token(body["access_token"])
    assert claims["sub"] == f"client:{client_id}"
    assert claims["scope"] == "catalog:read catalog:write"
    assert claims["client_id"] == client_id
    assert claims["exp"] - claims["iat"] == 600
    assert "role" not in claims


def test_a_client_may_ask_for_fewer_scopes_but_not_more(
    client: FlaskClient, register_client: Callable[..., dict[str, Any]]
) -> None:
    registered = register_client()
    client_id, secret = registered["client"]["client_id"], registered["client_secret"]

    fewer = client_token(client, client_id, secret, scope="catalog:read")
    more = client_token(client, client_id, secret, scope="catalog:read loans:write")

    assert fewer.status_code == 200
    assert fewer.get_json()["scope"] == "catalog:read"
    assert more.status_code == 400
    assert more.get_json()["error"] == "invalid_scope"


def test_the_secret_may_also_come_in_the_form(
    client: FlaskClient, register_client: Callable[..., dict[str, Any]]
) -> None:
    registered = register_client()
    form = {
        "grant_type": "client_credentials",
        "client_id": registered["client"]["client_id"],
        "client_secret": registered["client_secret"],
    }

    response = client.post(TOKEN, data=form)

    assert response.status_code == 200
    assert response.get_json()["token_type"] == "Bearer"


def test_a_wrong_secret_is_401_invalid_client_in_the_oauth_form(
    client: FlaskClient, register_client: Callable[..., dict[str, Any]]
) -> None:
    registered = register_client()

    response = client_token(client, registered["client"]["client_id"], "not-the-secret")

    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_client"


@pytest.mark.parametrize(
    "credentials",
    [
        {"data": {"client_id": "a\x00b", "client_secret": "x"}},
        {"headers": basic("a\x00b", "x")},
    ],
)
def test_a_nul_character_in_the_credentials_is_400_invalid_request(
    client: FlaskClient, credentials: dict[str, Any]
) -> None:
    form = {"grant_type": "client_credentials", **credentials.get("data", {})}

    response = client.post(TOKEN, data=form, headers=credentials.get("headers", {}))

    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"


def test_an_unknown_grant_type_is_400_unsupported_grant_type(client: FlaskClient) -> None:
    response = client.post(TOKEN, data={"grant_type": "password"})

    assert response.status_code == 400
    assert response.get_json()["error"] == "unsupported_grant_type"


def test_a_client_not_registered_for_a_grant_cannot_use_it(
    client: FlaskClient, register_client: Callable[..., dict[str, Any]]
) -> None:
    registered = register_client(
        grant_types=["authorization_code"], redirect_uris=["https://reader.example/cb"]
    )

    response = client_token(client, registered["client"]["client_id"], registered["client_secret"])

    assert response.status_code == 400
    assert response.get_json()["error"] == "unauthorized_client"


def test_a_service_token_is_refused_where_a_user_is_needed(
    client: FlaskClient, register_client: Callable[..., dict[str, Any]]
) -> None:
    registered = register_client(scopes=["users:read"])
    token = client_token(
        client, registered["client"]["client_id"], registered["client_secret"]
    ).get_json()["access_token"]

    response = client.get("/api/v1/auth/me", headers=bearer(token))

    assert response.status_code == 403
    assert response.get_json()["code"] == "forbidden"


def test_a_service_token_does_what_its_scopes_allow_and_no_more(
    client: FlaskClient, register_client: Callable[..., dict[str, Any]]
) -> None:
    registered = register_client(scopes=["catalog:write"])
    headers = bearer(
        client_token(
            client, registered["client"]["client_id"], registered["client_secret"]
        ).get_json()["access_token"]
    )

    author = client.post("/api/v1/authors", json={"name": "Jane Austen"}, headers=headers)
    loans = client.get("/api/v1/loans", headers=headers)

    assert author.status_code == 201, author.get_json()
    assert loans.status_code == 403
    assert loans.get_json()["code"] == "insufficient_scope"
    assert 'error="insufficient_scope"' in loans.headers["WWW-Authenticate"]


def test_rotation_keeps_the_old_secret_valid_during_the_overlap_only(
    app: Flask,
    client: FlaskClient,
    auth_headers: AuthHeaders,
    register_client: Callable[..., dict[str, Any]],
) -> None:
    registered = register_client()
    client_pk, client_id = registered["client"]["id"], registered["client"]["client_id"]
    old_secret = registered["client_secret"]
    admin = auth_headers("admin")

    rotated = client.post(f"{CLIENTS}/{client_pk}/secret", headers=admin)

    assert rotated.status_code == 200
    assert rotated.headers["Cache-Control"] == "no-store"
    new_secret = rotated.get_json()["client_secret"]
    assert new_secret != old_secret
    assert rotated.get_json()["client"]["previous_secret_expires_at"] is not None
    assert client_token(client, client_id, new_secret).status_code == 200
    assert client_token(client, client_id, old_secret).status_code == 200

    with app.app_context():
        stored = db.session.get(OAuthClient, client_pk)
        assert stored is not None
        assert stored.previous_secret_expires_at is not None
        stored.previous_secret_expires_at -= timedelta(days=2)
        db.session.commit()

    assert client_token(client, client_id, old_secret).status_code == 401
    assert client_token(client, client_id, new_secret).status_code == 200


def test_a_second_rotation_retires_the_oldest_secret_at_once(
    client: FlaskClient,
    auth_headers: AuthHeaders,
    register_client: Callable[..., dict[str, Any]],
) -> None:
    registered = register_client()
    client_pk, client_id = registered["client"]["id"], registered["client"]["client_id"]
    admin = auth_headers("admin")

    client.post(f"{CLIENTS}/{client_pk}/secret", headers=admin)
    client.post(f"{CLIENTS}/{client_pk}/secret", headers=admin)

    assert client_token(client, client_id, registered["client_secret"]).status_code == 401


def test_a_revoked_client_gets_no_token_and_its_tokens_stop_working(
    client: FlaskClient,
    auth_headers: AuthHeaders,
    register_client: Callable[..., dict[str, Any]],
) -> None:
    registered = register_client(scopes=["users:read"])
    client_id, secret = registered["client"]["client_id"], registered["client_secret"]
    token = client_token(client, client_id, secret).get_json()["access_token"]
    admin = auth_headers("admin")

    revoked = client.delete(f"{CLIENTS}/{registered['client']['id']}", headers=admin)

    assert revoked.status_code == 204
    assert client_token(client, client_id, secret).status_code == 401
    refused = client.get("/api/v1/auth/me", headers=bearer(token))
    assert refused.status_code == 401
    assert refused.get_json()["code"] == "invalid_token"
    listed = client.get(CLIENTS, headers=admin).get_json()
    assert listed["total"] == 1
    assert listed["items"][0]["revoked_at"] is not None


def test_the_client_list_pages_with_links(
    client: FlaskClient,
    auth_headers: AuthHeaders,
    register_client: Callable[..., dict[str, Any]],
) -> None:
    for number in range(3):
        register_client(name=f"Client {number}")

    response = client.get(f"{CLIENTS}?per_page=2&sort=name", headers=auth_headers("admin"))

    assert response.status_code == 200
    body = response.get_json()
    assert [item["name"] for item in body["items"]] == ["Client 0", "Client 1"]
    assert body["total"] == 3
    assert body["links"]["next"] == f"{CLIENTS}?page=2&per_page=2&sort=name"
    assert 'rel="next"' in response.headers["Link"]


def test_an_unknown_client_is_404(client: FlaskClient, auth_headers: AuthHeaders) -> None:
    admin = auth_headers("admin")

    for response in (
        client.get(f"{CLIENTS}/999", headers=admin),
        client.post(f"{CLIENTS}/999/secret", headers=admin),
        client.delete(f"{CLIENTS}/999", headers=admin),
    ):
        assert response.status_code == 404
        assert response.get_json()["code"] == "not_found"


def test_the_metadata_document_describes_the_server_as_configured(
    app: Flask, client: FlaskClient
) -> None:
    response = client.get("/.well-known/oauth-authorization-server")

    assert response.status_code == 200
    body = response.get_json()
    assert body["issuer"] == app.config["JWT_ENCODE_ISSUER"]
    assert body["jwks_uri"] == "http://localhost/.well-known/jwks.json"
    assert body["token_endpoint"] == "http://localhost/oauth/token"
    assert body["authorization_endpoint"] == "http://localhost/oauth/authorize"
    assert body["grant_types_supported"] == [
        "client_credentials",
        "authorization_code",
        "refresh_token",
    ]
    assert body["code_challenge_methods_supported"] == ["S256"]
    assert "catalog:write" in body["scopes_supported"]
