"""Prometheus metrics: request counts and latencies at GET /metrics."""

from __future__ import annotations

from flask import Flask, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest


def init_metrics(app: Flask) -> None:
    """Serve GET /metrics when METRICS_ENABLED is set."""
    if not app.config.get("METRICS_ENABLED", False):
        return
    registry = CollectorRegistry()

    def metrics() -> Response:
        return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)

    app.add_url_rule("/metrics", "metrics", metrics, methods=["GET"])
