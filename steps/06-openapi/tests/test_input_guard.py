"""Hostile input is refused before any view: deep JSON, bad UTF-8, lone surrogates, NUL.

Each of these used to reach code that crashed on it (a 500 and a traceback in the log). Now every
route, known or not, answers a 4xx in the API's error shape and logs nothing at ERROR.
"""

from __future__ import annotations

import json
import logging
import re

import pytest
from conftest import AuthHeaders
from flask import Flask
from flask.testing import FlaskClient

from app.input_guard import MAX_DEPTH, REFUSALS

ERROR_KEYS = {"code", "message", "details", "request_id"}
JSON = {"Content-Type": "application/json"}

# What an attacker sends, and the status the guard must answer, whatever the route.
HOSTILE_BODIES: dict[str, tuple[str | bytes, int, dict[str, list[str]]]] = {
    "nested too deep": ("[" * 100_000, 400, {"_body": [REFUSALS["too_deep"]]}),
    "invalid UTF-8": (b'{"name": "\xff"}', 400, {"_body": [REFUSALS["not_utf8"]]}),
    "lone surrogate": ('{"name": "\\ud800"}', 422, {"name": [REFUSALS["surrogate"]]}),
    "NUL": ('{"name": ["ok", {"x": "a\\u0000"}]}', 422, {"name": [REFUSALS["nul"]]}),
    "NUL in a key": ('{"na\\u0000me": "a"}', 422, {"_body": [REFUSALS["nul"]]}),
}


@pytest.fixture
def admin(auth_headers: AuthHeaders) -> dict[str, str]:
    """An admin's headers, so that a body gets past sign-in to the schema of its route."""
    return auth_headers("admin")


def every_route(app: Flask) -> list[tuple[str, str]]:
    """(method, url) for every rule of the app, with 1 for each id, and one unknown route."""
    routes = [("POST", "/nowhere")]
    for rule in app.url_map.iter_rules():
        url = re.sub(r"<[^>]+>", "1", rule.rule)
        routes += [(method, url) for method in sorted(rule.methods or ()) if method != "OPTIONS"]
    return routes


@pytest.mark.parametrize("kind", HOSTILE_BODIES)
def test_hostile_bodies_are_refused_on_every_route_without_an_error_log(
    app: Flask, client: FlaskClient, caplog: pytest.LogCaptureFixture, kind: str
) -> None:
    body, status, details = HOSTILE_BODIES[kind]
    for method, url in every_route(app):
        response = client.open(url, method=method, data=body, headers=JSON)
        assert response.status_code == status, (method, url, response.get_data(as_text=True))
        if method != "HEAD":
            assert set(response.get_json()) == ERROR_KEYS
            assert response.get_json()["details"] == details
    assert [record for record in caplog.records if record.levelno >= logging.ERROR] == []


@pytest.mark.task("04.4")
def test_nesting_up_to_the_limit_reaches_the_schema(
    client: FlaskClient, admin: dict[str, str]
) -> None:
    deepest = {"name": json.loads("[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1))}
    response = client.post("/api/v1/authors", json=deepest, headers=admin)
    assert response.status_code == 422
    assert response.get_json()["details"]["name"] == ["Not a valid string."]
    response = client.post("/api/v1/authors", json={"name": [deepest]}, headers=admin)
    assert response.status_code == 400


@pytest.mark.task("04.4")
def test_brackets_inside_strings_do_not_count_as_nesting(
    client: FlaskClient, admin: dict[str, str]
) -> None:
    response = client.post("/api/v1/authors", json={"name": "[{" * 50}, headers=admin)
    assert response.status_code == 201
    assert response.get_json()["name"] == "[{" * 50


def test_an_unterminated_string_is_400_not_json(client: FlaskClient) -> None:
    response = client.post("/api/v1/authors", data='{"name": "\\"' + "[" * 5_000, headers=JSON)
    assert response.status_code == 400
    assert response.get_json()["details"] == {"_body": [REFUSALS["not_json"]]}


def test_an_integer_of_thousands_of_digits_is_400_not_json(client: FlaskClient) -> None:
    body = '{"birth_year": ' + "9" * 5_000 + "}"
    response = client.post("/api/v1/authors", data=body, headers=JSON)
    assert response.status_code == 400
    assert response.get_json()["details"] == {"_body": [REFUSALS["not_json"]]}


def test_a_request_marked_json_without_a_body_reaches_the_view(client: FlaskClient) -> None:
    response = client.get("/api/v1/books", headers=JSON)
    assert response.status_code == 200


def test_nul_in_the_query_string_is_422_naming_the_parameter(client: FlaskClient) -> None:
    response = client.get("/api/v1/books?q=a%00b")
    assert response.status_code == 422
    assert response.get_json()["details"] == {"q": [REFUSALS["nul"]]}
    response = client.get("/api/v1/books?q%00=a")
    assert response.status_code == 422
    assert response.get_json()["details"] == {"_query": [REFUSALS["nul"]]}


def test_a_surrogate_encoded_in_the_query_string_is_plain_text(client: FlaskClient) -> None:
    # %ED%A0%80 would be U+D800 encoded as UTF-8, which UTF-8 forbids: Werkzeug keeps it as text.
    response = client.get("/api/v1/books?q=%ED%A0%80")
    assert response.status_code == 200
    assert response.get_json()["total"] == 0


def test_details_list_at_most_twenty_fields_and_say_how_many_more(client: FlaskClient) -> None:
    body = {f"field{number}": "a\x00" for number in range(30)}
    response = client.post("/api/v1/authors", json=body)
    assert response.status_code == 422
    details = response.get_json()["details"]
    assert len(details) == 21
    assert details["_truncated"] == ["10 more fields were refused and are not listed."]


@pytest.mark.task("04.4")
def test_a_megabyte_of_unknown_keys_gets_a_short_422(
    client: FlaskClient, admin: dict[str, str]
) -> None:
    body = {f"{number:06d}" + "k" * 1_000: 1 for number in range(1_000)}
    response = client.post("/api/v1/authors", json=body, headers=admin)
    assert response.status_code == 422
    details = response.get_json()["details"]
    assert len(response.data) < 5_000
    assert details["_truncated"] == ["981 more fields were refused and are not listed."]
    assert all(len(name) <= 64 for name in details)
