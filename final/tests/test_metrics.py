"""GET /metrics: request counts and latencies by route template, method and status.

The app is built with METRICS_ENABLED set (the testing configuration leaves it off), then
scraped the way Prometheus does, and the exposition text is read line by line.
"""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

BOOK_ROUTE = "/api/v1/books/<id:book_id>"


@pytest.fixture
def metrics_enabled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Switch metrics on for the app the next fixture builds (config reads the environment)."""
    monkeypatch.setenv("METRICS_ENABLED", "1")


@pytest.fixture
def strict_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Turn rate limits on, at two requests a minute, for the app the next fixture builds."""
    monkeypatch.setenv("RATELIMIT_ENABLED", "1")
    monkeypatch.setenv("RATELIMIT_DEFAULT", "2 per minute")


@pytest.fixture
def metrics_client(metrics_enabled: None, client: FlaskClient) -> FlaskClient:
    return client


def sample(client: FlaskClient, name: str, **labels: str) -> float | None:
    """The value of one sample in a fresh scrape, or None when the series does not exist."""
    text = client.get("/metrics").get_data(as_text=True)
    for line in text.splitlines():
        match = re.fullmatch(r"(\w+)\{(.*)\} (\S+)", line)
        if match and match[1] == name:
            found = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', match[2]))
            if found == labels:
                return float(match[3])
    return None


def test_metrics_are_prometheus_text(metrics_client: FlaskClient) -> None:
    response = metrics_client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    body = response.get_data(as_text=True)
    assert "# TYPE http_requests_total counter" in body
    assert "# TYPE http_request_duration_seconds histogram" in body


def test_requests_are_counted_by_route_template_not_raw_path(
    metrics_client: FlaskClient,
) -> None:
    assert metrics_client.get("/api/v1/books/1").status_code == 404
    assert metrics_client.get("/api/v1/books/2").status_code == 404
    labels = {"route": BOOK_ROUTE, "method": "GET"}
    assert sample(metrics_client, "http_requests_total", **labels, status="404") == 2
    assert sample(metrics_client, "http_request_duration_seconds_count", **labels) == 2
    assert "/api/v1/books/1" not in metrics_client.get("/metrics").get_data(as_text=True)


def test_latency_lands_in_histogram_buckets(metrics_client: FlaskClient) -> None:
    metrics_client.get("/healthz")
    labels = {"route": "/healthz", "method": "GET"}
    assert sample(metrics_client, "http_request_duration_seconds_bucket", **labels, le="+Inf") == 1
    assert sample(metrics_client, "http_request_duration_seconds_sum", **labels) is not None


def test_unknown_paths_share_one_series(metrics_client: FlaskClient) -> None:
    for path in ("/no/such/page", "/wp-admin.php", "/.env"):
        assert metrics_client.get(path).status_code == 404
    labels = {"route": "<unmatched>", "method": "GET", "status": "404"}
    assert sample(metrics_client, "http_requests_total", **labels) == 3


def test_unknown_methods_share_one_label(metrics_client: FlaskClient) -> None:
    assert metrics_client.open("/healthz", method="BREW").status_code == 405
    labels = {"route": "<unmatched>", "method": "other", "status": "405"}
    assert sample(metrics_client, "http_requests_total", **labels) == 1


def test_server_errors_are_counted_as_status_500(
    metrics_enabled: None, app: Flask, client: FlaskClient
) -> None:
    def broken() -> str:
        raise RuntimeError("a bug")

    app.add_url_rule("/broken", view_func=broken)
    assert client.get("/broken").status_code == 500
    labels = {"route": "/broken", "method": "GET", "status": "500"}
    assert sample(client, "http_requests_total", **labels) == 1


def test_metrics_are_off_unless_enabled(client: FlaskClient) -> None:
    response = client.get("/metrics")
    assert response.status_code == 404
    body = response.get_json()
    assert body["code"] == "not_found"
    assert set(body) == {"code", "message", "details", "request_id"}
    assert body["request_id"] == response.headers["X-Request-ID"]


def test_metrics_are_not_rate_limited(
    strict_limits: None, metrics_enabled: None, client: FlaskClient
) -> None:
    assert all(client.get("/metrics").status_code == 200 for _ in range(5))
    statuses = [client.get("/api/v1/").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
