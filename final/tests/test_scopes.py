"""Scopes: every token carries its grant, and a route refuses a token without the scope it needs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from conftest import PASSWORD, MakeUser, UserInfo, bearer
from flask import Flask
from flask.testing import FlaskClient
from flask_jwt_extended import decode_token

from app.scopes import ROLE_SCOPES, SCOPES
from app.services import auth, users

LOGIN = "/api/v1/auth/login"
REFRESH = "/api/v1/auth/refresh"


@pytest.fixture
def narrow_tokens(app: Flask) -> Callable[..., dict[str, str]]:
    """Tokens for ``user`` granted only ``scopes``, as a client asking for less would get."""

    def factory(user: UserInfo, *scopes: str) -> dict[str, str]:
        with app.app_context():
            pair = auth.issue_tokens(users.get_user(user.id), scopes=frozenset(scopes))
            return {"access_token": pair.access_token, "refresh_token": pair.refresh_token}

    return factory


@pytest.mark.parametrize("role", sorted(ROLE_SCOPES))
def test_a_sign_in_grants_the_scopes_of_the_role(
    app: Flask, client: FlaskClient, make_user: MakeUser, role: str
) -> None:
    user = make_user(role=role)
    body = client.post(LOGIN, json={"email": user.email, "password": PASSWORD}).get_json()

    with app.app_context():
        access = decode_token(body["access_token"])
        refresh = decode_token(body["refresh_token"])
    assert set(access["scope"].split()) == ROLE_SCOPES[role]
    assert refresh["scope"] == access["scope"]


def test_a_member_gets_the_member_scopes_and_staff_get_more() -> None:
    assert {"catalog:read", "loans:read", "loans:write"} <= ROLE_SCOPES["member"]
    assert "catalog:write" not in ROLE_SCOPES["member"]
    assert ROLE_SCOPES["member"] < ROLE_SCOPES["librarian"] < ROLE_SCOPES["admin"]
    assert set().union(*ROLE_SCOPES.values()) == set(SCOPES)


def test_a_token_without_the_scope_is_403_insufficient_scope_with_the_challenge(
    client: FlaskClient,
    make_user: MakeUser,
    narrow_tokens: Callable[..., dict[str, str]],
) -> None:
    librarian = make_user(role="librarian")
    headers = bearer(narrow_tokens(librarian, "loans:read")["access_token"])

    response = client.post("/api/v1/authors", json={"name": "Homer"}, headers=headers)

    assert response.status_code == 403
    body = response.get_json()
    assert body["code"] == "insufficient_scope"
    assert body["details"] == {"scope": "catalog:write"}
    assert set(body) == {"code", "message", "details", "request_id"}
    assert response.headers["WWW-Authenticate"] == (
        'Bearer error="insufficient_scope", scope="catalog:write"'
    )
    assert client.get("/api/v1/loans", headers=headers).status_code == 200


def test_the_role_still_decides_when_the_token_has_the_scope(
    client: FlaskClient,
    make_user: MakeUser,
    narrow_tokens: Callable[..., dict[str, str]],
) -> None:
    """A member's token that claims catalog:write is refused: the role does not grant it."""
    member = make_user()
    headers = bearer(narrow_tokens(member, "catalog:write")["access_token"])

    response = client.post("/api/v1/books", json={}, headers=headers)

    assert response.status_code == 403
    assert response.get_json()["code"] == "forbidden"


def test_a_refreshed_pair_keeps_the_narrower_grant(
    client: FlaskClient,
    make_user: MakeUser,
    narrow_tokens: Callable[..., dict[str, str]],
) -> None:
    member = make_user()
    tokens = narrow_tokens(member, "loans:read")

    refreshed = client.post(REFRESH, headers=bearer(tokens["refresh_token"]))
    assert refreshed.status_code == 200
    headers = bearer(refreshed.get_json()["access_token"])

    assert client.get("/api/v1/loans", headers=headers).status_code == 200
    response = client.post("/api/v1/loans", json={"book_id": 1}, headers=headers)
    assert response.status_code == 403
    assert response.get_json()["code"] == "insufficient_scope"


def both(scope: str) -> list[dict[str, list[str]]]:
    """A security requirement met by a token or an API key granted ``scope``."""
    return [{"bearerAuth": [scope]}, {"apiKeyAuth": [scope]}]


def test_the_document_declares_each_operations_scopes(client: FlaskClient) -> None:
    document: dict[str, Any] = client.get("/openapi.json").get_json()
    paths = document["paths"]

    assert paths["/api/v1/books"]["post"]["security"] == both("catalog:write")
    assert paths["/api/v1/loans"]["get"]["security"] == both("loans:read")
    assert paths["/api/v1/loans"]["post"]["security"] == both("loans:write")
    named = {
        scope
        for path_item in paths.values()
        for key, operation in path_item.items()
        if key != "parameters"
        for requirement in operation.get("security", [])
        for scope in requirement.get("bearerAuth", [])
    }
    assert named <= set(SCOPES)
    assert "403" in paths["/api/v1/loans"]["post"]["responses"]
    for scope in SCOPES:
        assert scope in document["components"]["securitySchemes"]["bearerAuth"]["description"]
