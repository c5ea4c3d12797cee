"""Prometheus metrics at GET /metrics: request counts and latencies per route, method and status.

Routes are labelled by their template (`/api/v1/books/<id:book_id>`), never by the raw path:
one time series per book id would grow without bound and exhaust Prometheus. Errors are the
`status=~"5.."` series of `http_requests_total`, so the error rate is one query:
`sum(rate(http_requests_total{status=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))`.

Each gunicorn worker is its own process with its own counters, so a scrape would see one worker
at a time. Set `PROMETHEUS_MULTIPROC_DIR` to an empty, writable directory (gunicorn.conf.py clears
it at start) and every worker writes its samples there; /metrics then adds them up. Serve
/metrics on an internal network only: it tells whoever reads it how the API is used.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, Response, current_app, g, request
from prometheus_client import CollectorRegistry, Counter, Histogram, multiprocess
from prometheus_client.exposition import choose_encoder

from app.extensions import limiter

# Methods outside this set are counted as "other", so junk methods cannot create new series.
_KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_UNMATCHED_ROUTE = "<unmatched>"


@dataclass(frozen=True)
class _Metrics:
    """One app's registry and instruments: tests build many apps, and each needs its own."""

    registry: CollectorRegistry
    requests: Counter
    latency: Histogram


def init_metrics(app: Flask) -> None:
    """Count and time every request, and serve GET /metrics, when METRICS_ENABLED is true."""
    if not app.config["METRICS_ENABLED"]:
        return
    if directory := os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Each worker writes its samples here; without the folder, the first request would fail.
        Path(directory).mkdir(parents=True, exist_ok=True)
    registry = CollectorRegistry()
    app.extensions["metrics"] = _Metrics(
        registry=registry,
        requests=Counter(
            "http_requests_total",
            "HTTP requests answered, by route template, method and status.",
            ["route", "method", "status"],
            registry=registry,
        ),
        latency=Histogram(
            "http_request_duration_seconds",
            "Time from the start of the request to the response, by route template and method.",
            ["route", "method"],
            registry=registry,
        ),
    )
    app.before_request(_start_timer)
    app.after_request(_record_request)
    app.add_url_rule("/metrics", view_func=metrics, methods=["GET"])


@limiter.exempt
def metrics() -> Response:
    """Prometheus metrics, in the format the scraper's Accept header asks for."""
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        # Aggregate every worker's samples from the shared directory, fresh for each scrape.
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]  # untyped upstream
    else:
        registry = current_app.extensions["metrics"].registry
    encode, content_type = choose_encoder(request.headers.get("Accept", ""))
    return Response(encode(registry), content_type=content_type)


def _start_timer() -> None:
    g.metrics_started = time.perf_counter()


def _record_request(response: Response) -> Response:
    """Count the request and observe its latency under its route template."""
    instruments: _Metrics = current_app.extensions["metrics"]
    route = request.url_rule.rule if request.url_rule is not None else _UNMATCHED_ROUTE
    method = request.method if request.method in _KNOWN_METHODS else "other"
    instruments.requests.labels(route=route, method=method, status=str(response.status_code)).inc()
    started: float | None = g.get("metrics_started")
    if started is not None:  # None when an earlier hook (the rate limiter's 429) answered first
        instruments.latency.labels(route=route, method=method).observe(
            time.perf_counter() - started
        )
    return response
