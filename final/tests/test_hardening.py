"""Security headers, CORS and the request size limit."""

from __future__ import annotations

import io
import json

import pytest
from flask.testing import FlaskClient
from gunicorn.http.errors import InvalidRequestLine, LimitRequestHeaders, LimitRequestLine
from werkzeug.test import TestResponse

from app import create_app
from app.gunicorn_worker import json_error, refusal_status


def test_api_responses_forbid_sniffing_and_everything_active(client: FlaskClient) -> None:
    response = client.get("/api/v1/books")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert (
        response.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    )


def test_error_responses_carry_the_security_headers(client: FlaskClient) -> None:
    response = client.get("/nowhere")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]


def test_no_origin_is_allowed_by_default(client: FlaskClient) -> None:
    response = client.get("/api/v1/books", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_configured_origin_is_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORS_ORIGINS", "https://app.example, https://admin.example")
    client = create_app("testing").test_client()
    allowed = client.get("/api/v1/", headers={"Origin": "https://admin.example"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://admin.example"
    other = client.get("/api/v1/", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers


def post_chunked(client: FlaskClient, url: str, body: bytes) -> TestResponse:
    """POST ``body`` as a server hands over a chunked one: no Content-Length, the stream ended."""
    return client.post(
        url,
        input_stream=io.BytesIO(body),
        headers={"Content-Type": "application/json"},
        environ_overrides={"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input_terminated": True},
    )


def test_a_chunked_body_over_the_limit_is_413(client: FlaskClient) -> None:
    body = json.dumps({"name": "x" * (1024 * 1024)}).encode()
    for url in ("/api/v1/authors", "/healthz", "/nowhere"):
        response = post_chunked(client, url, body)
        assert response.status_code == 413
        assert response.get_json()["code"] == "payload_too_large"


def test_a_chunked_body_within_the_limit_is_read_whole(client: FlaskClient) -> None:
    name = "x" * 200
    body = json.dumps({"name": name, "padding": " " * (1024 * 1024 - 300)}).encode()
    assert len(body) < 1024 * 1024
    response = post_chunked(client, "/api/v1/authors", body)
    # Read whole, the body is valid JSON: the guard lets it through and sign-in is asked for.
    assert response.status_code == 401


def test_gunicorn_refusals_are_written_in_the_error_shape() -> None:
    # Under gunicorn itself: test_proof_hostile.py. Here, the mapping and the bytes it writes.
    assert refusal_status(InvalidRequestLine("GARBAGE")) == 400
    assert refusal_status(LimitRequestLine(10_000, 4_094)) == 414
    assert refusal_status(LimitRequestHeaders("too large")) == 431
    assert refusal_status(RuntimeError("the app's own failure")) is None
    head, _, body = json_error(431).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 431 Request Header Fields Too Large\r\n")
    assert b"Content-Type: application/json" in head
    assert json.loads(body)["code"] == "header_fields_too_large"
