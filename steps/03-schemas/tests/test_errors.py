"""Every error answers the same JSON body: code, message, details and request_id."""

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from app import create_app


def assert_error(response: TestResponse, status: int, code: str) -> dict[str, Any]:
    """Check the status, the body's shape and code, and that the body names the request id."""
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body: dict[str, Any] = response.get_json()
    assert set(body) == {"code", "message", "details", "request_id"}
    assert body["code"] == code
    assert isinstance(body["message"], str)
    assert body["message"]
    assert isinstance(body["details"], dict)
    assert body["request_id"] == response.headers["X-Request-ID"]
    return body


@pytest.mark.task("01.3")
def test_unknown_route_is_404_not_found(client: FlaskClient) -> None:
    assert_error(client.get("/api/v1/nothing-here"), 404, "not_found")


@pytest.mark.task("01.3")
def test_unknown_book_is_404_naming_what_is_missing(client: FlaskClient) -> None:
    body = assert_error(client.get("/api/v1/books/999"), 404, "not_found")
    assert "book" in body["message"]


@pytest.mark.task("01.3")
def test_wrong_method_is_405_with_allow_header(client: FlaskClient) -> None:
    response = client.delete("/api/v1/books")
    assert_error(response, 405, "method_not_allowed")
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}


@pytest.mark.task("01.3")
def test_malformed_json_is_400_bad_request(client: FlaskClient) -> None:
    response = client.post(
        "/api/v1/authors", data='{"name": ', headers={"Content-Type": "application/json"}
    )
    assert_error(response, 400, "bad_request")


@pytest.mark.task("01.3")
def test_non_json_body_is_415_unsupported_media_type(client: FlaskClient) -> None:
    response = client.post("/api/v1/authors", data="name=Homer")
    assert_error(response, 415, "unsupported_media_type")


@pytest.mark.task("03.1")
def test_invalid_fields_are_422_with_messages_per_field(client: FlaskClient) -> None:
    response = client.post("/api/v1/authors", json={"name": "", "colour": "red"})
    details = assert_error(response, 422, "validation_error")["details"]
    assert set(details) == {"name", "colour"}
    assert all(isinstance(messages, list) and messages for messages in details.values())


@pytest.mark.task("03.1")
def test_json_that_is_not_an_object_is_422(client: FlaskClient) -> None:
    response = client.post("/api/v1/authors", json=[1, 2])
    assert assert_error(response, 422, "validation_error")["details"] == {
        "_schema": ["Invalid input type."]
    }


@pytest.mark.task("01.3")
def test_the_error_body_carries_the_clients_request_id(client: FlaskClient) -> None:
    response = client.get("/api/v1/books/999", headers={"X-Request-ID": "abc-123"})
    assert assert_error(response, 404, "not_found")["request_id"] == "abc-123"


@pytest.fixture
def failing_app() -> Flask:
    """An app with one extra route that fails the way a bug would."""
    app = create_app("testing")

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("database password is hunter2")

    return app


@pytest.mark.task("01.3")
def test_a_bug_is_500_internal_error_without_its_insides(failing_app: Flask) -> None:
    response = failing_app.test_client().get("/boom")
    assert_error(response, 500, "internal_error")
    assert b"hunter2" not in response.data
    assert b"Traceback" not in response.data
