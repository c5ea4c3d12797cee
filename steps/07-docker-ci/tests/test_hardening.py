"""CORS."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from app import create_app


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
