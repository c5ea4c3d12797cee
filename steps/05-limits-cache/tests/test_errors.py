"""Every error answers one JSON shape, whoever raises it: code, message, details, request_id."""

from __future__ import annotations

import pytest
from conftest import AuthHeaders
from flask import Flask
from flask.testing import FlaskClient

ERROR_KEYS = {"code", "message", "details", "request_id"}


def assert_error(response_json: object, code: str) -> dict[str, object]:
    """The body is an error with ``code`` and exactly the four keys."""
    assert isinstance(response_json, dict)
    assert set(response_json) == ERROR_KEYS
    assert response_json["code"] == code
    assert isinstance(response_json["message"], str)
    assert response_json["message"]
    return response_json


def test_unknown_route_is_404_not_found(client: FlaskClient) -> None:
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    body = assert_error(response.get_json(), "not_found")
    assert body["request_id"] == response.headers["X-Request-ID"]


def test_wrong_method_is_405_with_allow_header(client: FlaskClient) -> None:
    response = client.delete("/api/v1/books")
    assert response.status_code == 405
    assert_error(response.get_json(), "method_not_allowed")
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}


@pytest.mark.task("01.3")
def test_malformed_json_is_400_bad_request(client: FlaskClient, auth_headers: AuthHeaders) -> None:
    response = client.post(
        "/api/v1/authors",
        data="{not json",
        content_type="application/json",
        headers=auth_headers("librarian"),
    )
    assert response.status_code == 400
    assert_error(response.get_json(), "bad_request")


@pytest.mark.task("04.4")
def test_non_json_body_is_415_unsupported_media_type(
    client: FlaskClient, auth_headers: AuthHeaders
) -> None:
    response = client.post("/api/v1/authors", data="name=Homer", headers=auth_headers("librarian"))
    assert response.status_code == 415
    assert_error(response.get_json(), "unsupported_media_type")


@pytest.mark.task("04.4")
def test_invalid_fields_are_422_with_messages_per_field(
    client: FlaskClient, auth_headers: AuthHeaders
) -> None:
    response = client.post(
        "/api/v1/books",
        json={"title": "", "isbn": "123", "colour": "red"},
        headers=auth_headers("librarian"),
    )
    assert response.status_code == 422
    body = assert_error(response.get_json(), "validation_error")
    details = body["details"]
    assert isinstance(details, dict)
    assert set(details) == {"title", "isbn", "author_id", "colour"}
    assert all(isinstance(messages, list) and messages for messages in details.values())


@pytest.mark.task("04.4")
def test_json_that_is_not_an_object_is_422(client: FlaskClient, auth_headers: AuthHeaders) -> None:
    response = client.post("/api/v1/authors", json=[1, 2], headers=auth_headers("librarian"))
    assert response.status_code == 422
    assert_error(response.get_json(), "validation_error")


def test_unexpected_error_is_500_without_leaking_the_exception(own_app: Flask) -> None:
    def explode() -> str:
        raise RuntimeError("secret internals: password=hunter2")

    own_app.add_url_rule("/explode", view_func=explode)
    client = own_app.test_client()
    response = client.get("/explode")
    assert response.status_code == 500
    body = assert_error(response.get_json(), "internal_error")
    text = response.get_data(as_text=True)
    assert "hunter2" not in text
    assert "Traceback" not in text
    assert body["details"] == {}
