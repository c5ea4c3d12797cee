"""Who may call what: 401 without a valid token, 403 with a valid token of the wrong role."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from conftest import ROLES, AuthHeaders, MakeUser, UserInfo, bearer
from flask.testing import FlaskClient

# (method, path, roles allowed). {other} is a user id that is not the caller's.
PROTECTED = [
    ("GET", "/api/v1/users", {"admin"}),
    ("DELETE", "/api/v1/users/{other}", {"admin"}),
    ("GET", "/api/v1/users/{other}", {"admin"}),
    ("PATCH", "/api/v1/users/{other}", {"admin"}),
    ("GET", "/api/v1/users/{other}/loans", {"librarian", "admin"}),
    ("POST", "/api/v1/authors", {"librarian", "admin"}),
    ("PATCH", "/api/v1/authors/1", {"librarian", "admin"}),
    ("DELETE", "/api/v1/authors/1", {"librarian", "admin"}),
    ("POST", "/api/v1/books", {"librarian", "admin"}),
    ("PATCH", "/api/v1/books/1", {"librarian", "admin"}),
    ("DELETE", "/api/v1/books/1", {"librarian", "admin"}),
]
SIGNED_IN = [
    ("GET", "/api/v1/auth/me"),
    ("POST", "/api/v1/auth/logout"),
    ("GET", "/api/v1/loans"),
    ("POST", "/api/v1/loans"),
    ("GET", "/api/v1/loans/1"),
    ("POST", "/api/v1/loans/1/return"),
]
ALL_ROUTES = [(method, path) for method, path, _ in PROTECTED] + SIGNED_IN
# The routes roles_required guards (task 04.4). The other protected routes need any valid token
# (task 04.2), and the service decides whether the account or loan is the caller's to see.
ROLE_ROUTES = {
    ("GET", "/api/v1/users"),
    ("DELETE", "/api/v1/users/{other}"),
    ("POST", "/api/v1/authors"),
    ("PATCH", "/api/v1/authors/1"),
    ("DELETE", "/api/v1/authors/1"),
    ("POST", "/api/v1/books"),
    ("PATCH", "/api/v1/books/1"),
    ("DELETE", "/api/v1/books/1"),
}


def by_role_check(cases: list[tuple[str, str, set[str]]]) -> list[Any]:
    """The cases, each marked with the task whose code decides between 403 and getting past."""
    return [
        pytest.param(*case, marks=pytest.mark.task("04.4" if case[:2] in ROLE_ROUTES else "04.2"))
        for case in cases
    ]


@pytest.fixture
def other_user(make_user: MakeUser) -> UserInfo:
    return make_user(email="someone.else@example.org")


@pytest.mark.parametrize(("method", "path"), ALL_ROUTES)
def test_without_a_token_every_protected_route_is_401(
    client: FlaskClient, other_user: UserInfo, method: str, path: str
) -> None:
    response = client.open(path.format(other=other_user.id), method=method, json={})
    assert response.status_code == 401
    assert response.get_json()["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize(("method", "path"), ALL_ROUTES)
def test_with_a_garbage_token_every_protected_route_is_401(
    client: FlaskClient, other_user: UserInfo, method: str, path: str
) -> None:
    response = client.open(
        path.format(other=other_user.id), method=method, json={}, headers=bearer("x.y.z")
    )
    assert response.status_code == 401
    assert response.get_json()["code"] == "invalid_token"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path", "allowed"), by_role_check(PROTECTED))
def test_wrong_role_is_403_and_right_role_gets_past_the_check(
    client: FlaskClient,
    auth_headers: AuthHeaders,
    other_user: UserInfo,
    role: str,
    method: str,
    path: str,
    allowed: set[str],
) -> None:
    response = client.open(
        path.format(other=other_user.id), method=method, json={}, headers=auth_headers(role)
    )
    if role in allowed:
        assert response.status_code not in (401, 403, 500)
    else:
        assert response.status_code == 403
        assert response.get_json()["code"] == "forbidden"


@pytest.mark.task("04.4")
def test_demoted_user_loses_access_at_once(
    client: FlaskClient,
    make_user: MakeUser,
    tokens_for: Callable[[UserInfo], dict[str, str]],
    auth_headers: AuthHeaders,
) -> None:
    librarian = make_user(role="librarian")
    headers = bearer(tokens_for(librarian)["access_token"])
    assert (
        client.post("/api/v1/authors", json={"name": "Homer"}, headers=headers).status_code == 201
    )
    demote = client.patch(
        f"/api/v1/users/{librarian.id}", json={"role": "member"}, headers=auth_headers("admin")
    )
    assert demote.status_code == 200
    assert client.post("/api/v1/authors", json={"name": "Ovid"}, headers=headers).status_code == 403
