"""The document's examples are real: each request example, sent to the app, gets an answer shaped
like the documented response example, and each body refusal the document lists really happens.

The replay runs on the seed data, signed in with the role each operation needs: staff for an
operation that may answer 403, the example's own user (registered by the register example) for
the rest.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import bearer
from contract_checks import JSON, check_response, downloaded_document
from flask import Flask
from flask.testing import FlaskClient

from app.services.seed import seed_database

HTTP_METHODS = ("get", "put", "post", "patch", "delete")
STAFF = {"email": "librarian@library.test", "password": "library-pass"}
# Register first (it creates the user the other examples sign in as), sign out last.
FIRST = ("/api/v1/auth/register", "/api/v1/auth/login")
LAST = ("/api/v1/auth/logout",)


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Every (path, method, operation) in the document."""
    for path, path_item in document["paths"].items():
        for method in HTTP_METHODS:
            if method in path_item:
                yield path, method, path_item[method]


def shape(value: Any) -> Any:
    """The keys and types of a JSON value, without its data: ``{"id": "int", ...}``."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return type(value).__name__


def replay_order(entry: tuple[str, str, dict[str, Any]]) -> tuple[int, str, str]:
    """Register and sign in before the rest, sign out after."""
    path, method, _ = entry
    rank = 0 if path in FIRST else 2 if path in LAST else 1
    return rank, FIRST.index(path) if path in FIRST else 0, f"{path} {method}"


def sign_in(client: FlaskClient, credentials: dict[str, str]) -> dict[str, Any]:
    """The token pair of ``credentials``."""
    response = client.post("/api/v1/auth/login", json=credentials)
    assert response.status_code == 200, response.get_json()
    tokens: dict[str, Any] = response.get_json()
    return tokens


@pytest.fixture
def document(client: FlaskClient) -> dict[str, Any]:
    """The document as a client downloads it."""
    return downloaded_document(client)


@pytest.fixture
def seeded(app: Flask) -> None:
    """The demo data of ``flask seed``: its accounts, authors and books."""
    with app.app_context():
        seed_database()


@pytest.mark.task("06.2")
@pytest.mark.usefixtures("seeded")
def test_each_request_example_gets_an_answer_shaped_like_the_documented_one(
    client: FlaskClient, document: dict[str, Any]
) -> None:
    replayed = []
    user: dict[str, Any] = {}
    staff = bearer(sign_in(client, STAFF)["access_token"])
    for path, method, operation in sorted(operations(document), key=replay_order):
        media = operation.get("requestBody", {}).get("content", {}).get(JSON, {})
        if "example" not in media:
            continue
        example = media["example"]
        if "refresh_token" in example:
            # A token in an example is a placeholder: send the signed-in user's real one.
            example = {**example, "refresh_token": user["tokens"]["refresh_token"]}
        headers = {}
        if operation["security"]:
            needs_staff = "403" in operation["responses"] and "user_id" not in path
            headers = staff if needs_staff else bearer(user["tokens"]["access_token"])
        url = re.sub(r"\{user_id\}", str(user.get("id")), path)
        response = client.open(
            re.sub(r"\{\w+\}", "1", url), method=method.upper(), json=example, headers=headers
        )

        (status,) = [code for code in operation["responses"] if code.startswith("2")]
        assert response.status_code == int(status), f"{method} {path}: {response.get_json()}"
        check_response(document, path, method, response)
        answer = operation["responses"][status].get("content", {}).get(JSON, {})
        if "example" in answer:
            assert shape(response.get_json()) == shape(answer["example"]), f"{method} {path}"
        if path == "/api/v1/auth/register":
            user["id"] = response.get_json()["id"]
        if path == "/api/v1/auth/login":
            user["tokens"] = response.get_json()
        replayed.append(f"{method.upper()} {path}")

    assert len(replayed) >= 8, replayed


def any_url(path: str) -> str:
    """A URL for the path template, with 1 for every id."""
    return re.sub(r"\{[^}]+\}", "1", path)


@pytest.mark.task("06.2")
@pytest.mark.parametrize(
    ("status", "options"),
    [
        (415, {"data": "x", "content_type": "text/plain"}),
        (400, {"data": "{", "content_type": "application/json"}),
    ],
    ids=["not json", "malformed json"],
)
@pytest.mark.usefixtures("seeded")
def test_every_operation_with_a_body_refuses_a_bad_one_as_documented(
    client: FlaskClient, document: dict[str, Any], status: int, options: dict[str, str]
) -> None:
    admin = bearer(sign_in(client, {**STAFF, "email": "admin@library.test"})["access_token"])
    wrong = []
    with_body = [entry for entry in operations(document) if "requestBody" in entry[2]]
    for path, method, operation in with_body:
        headers = admin if operation["security"] else {}
        response = client.open(any_url(path), method=method.upper(), headers=headers, **options)
        if response.status_code != status:
            wrong.append(f"{method.upper()} {path}: {response.status_code}")
        else:
            check_response(document, path, method, response)

    assert with_body, "no operation takes a body"
    assert wrong == []
