"""Distributed tracing with OpenTelemetry: one trace per request, with its SQL and Redis calls.

A trace shows where one slow request spent its time, across this app, PostgreSQL and Redis,
which neither a log line nor a metric can. The OpenTelemetry instrumentations do the work, as
their authors intend: Flask's starts a server span per request (continuing an incoming W3C
``traceparent``), SQLAlchemy's and Redis' add a child span per statement and per command.

Only the standard ``OTEL_*`` variables configure it, so any OpenTelemetry backend or collector
works without code: ``OTEL_TRACES_EXPORTER`` is ``otlp``, ``console`` or ``none``, and when it is
unset, tracing is on only if an OTLP endpoint is (``OTEL_EXPORTER_OTLP_ENDPOINT``). Off, nothing
is instrumented at all, so an untraced request costs nothing. The SDK itself reads the rest
(``OTEL_SERVICE_NAME``, ``OTEL_TRACES_SAMPLER``, ``OTEL_EXPORTER_OTLP_*``, ``OTEL_BSP_*``).
"""

from __future__ import annotations

import os

from flask import Flask
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.flask import FlaskInstrumentor
from opentelemetry.instrumentation.redis import RedisInstrumentor
from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
)

from app.config import ConfigError
from app.extensions import db

DEFAULT_SERVICE_NAME = "library-api"
EXPORTERS = ("otlp", "console", "none")


def traces_exporter() -> str:
    """The exporter the environment asks for: ``otlp``, ``console`` or ``none``.

    The OpenTelemetry specification defaults to ``otlp``; this app defaults to off instead,
    so that a laptop without a collector does not retry sending spans to nowhere.
    """
    if os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return "none"
    name = os.environ.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    if not name:
        endpoint = os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or os.environ.get(
            "OTEL_EXPORTER_OTLP_ENDPOINT"
        )
        return "otlp" if endpoint else "none"
    if name not in EXPORTERS:
        raise ConfigError(f"OTEL_TRACES_EXPORTER must be one of {', '.join(EXPORTERS)}: {name!r}")
    return name


def init_tracing(app: Flask) -> None:
    """Trace every request of ``app`` when an exporter is configured; otherwise do nothing."""
    exporter = traces_exporter()
    if exporter == "otlp":
        # Batched: spans leave in the background, never on the request's time.
        instrument(app, BatchSpanProcessor(OTLPSpanExporter()))
    elif exporter == "console":
        # One span printed as soon as it ends, which is what a person watching `make run` wants.
        instrument(app, SimpleSpanProcessor(ConsoleSpanExporter()))


def instrument(app: Flask, processor: SpanProcessor) -> TracerProvider:
    """Instrument Flask, this app's database engine and Redis, sending spans to ``processor``.

    The provider is handed to each instrumentation rather than set globally, because the global
    one can be set only once per process and tests build many apps. Redis and SQLAlchemy are
    instrumented per process: a gunicorn worker builds one app, so that is once per app there.
    """
    service_name = os.environ.get("OTEL_SERVICE_NAME", DEFAULT_SERVICE_NAME)
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: service_name}))
    provider.add_span_processor(processor)
    FlaskInstrumentor.instrument_app(app, tracer_provider=provider)
    with app.app_context():
        # Its declared range still ends before SQLAlchemy 2.1, which it otherwise traces fine
        # (the event hooks it uses are unchanged, and test_tracing.py checks the spans).
        SQLAlchemyInstrumentor().instrument(
            engine=db.engine, tracer_provider=provider, skip_dep_check=True
        )
    RedisInstrumentor().instrument(tracer_provider=provider)
    return provider
