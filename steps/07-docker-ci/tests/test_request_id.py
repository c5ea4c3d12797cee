"""X-Request-ID: echoed when sane, generated otherwise, on every response and in error bodies."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient


def test_sane_request_id_is_echoed(client: FlaskClient) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": "trace-42 abc"})
    assert response.headers["X-Request-ID"] == "trace-42 abc"


def test_request_id_is_generated_when_absent(client: FlaskClient) -> None:
    first = client.get("/healthz").headers["X-Request-ID"]
    second = client.get("/healthz").headers["X-Request-ID"]
    assert first
    assert first != second


@pytest.mark.parametrize(
    "value",
    ["x" * 129, "caf\u00e9", "line\tbreak"],
    ids=["too-long", "non-ascii", "control-character"],
)
def test_insane_request_id_is_replaced(client: FlaskClient, value: str) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": value})
    assert response.headers["X-Request-ID"] != value
    assert 1 <= len(response.headers["X-Request-ID"]) <= 128


def test_longest_sane_request_id_is_kept(client: FlaskClient) -> None:
    value = "y" * 128
    assert client.get("/healthz", headers={"X-Request-ID": value}).headers["X-Request-ID"] == value


def test_error_body_carries_the_request_id(client: FlaskClient) -> None:
    response = client.get("/nowhere", headers={"X-Request-ID": "abc-123"})
    assert response.status_code == 404
    assert response.get_json()["request_id"] == "abc-123"
    assert response.headers["X-Request-ID"] == "abc-123"
