"""Security headers, CORS and the request size limit."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from app import create_app


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
