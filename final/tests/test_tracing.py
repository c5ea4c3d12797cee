"""Tracing: one trace per request, with the request's SQL and Redis calls as its child spans.

The spans go to the SDK's in-memory exporter, so the test reads exactly what an OTLP collector
would have received. On the services backend the same request also talks to Redis (the token
blocklist's mirror), so its trace has Redis spans there as well.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from conftest import UserInfo, bearer
from flask import Flask
from flask.testing import FlaskClient
from opentelemetry.instrumentation.flask import FlaskInstrumentor
from opentelemetry.instrumentation.redis import RedisInstrumentor
from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from app import create_app
from app.config import ConfigError
from app.logging_setup import ACCESS_LOGGER
from app.tracing import instrument, traces_exporter

LOANS = "/api/v1/loans"
# A W3C trace context as an upstream service (or nginx, or a browser) would send it.
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_SPAN_ID = "00f067aa0ba902b7"
TRACEPARENT = f"00-{TRACE_ID}-{PARENT_SPAN_ID}-01"


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def app(own_app: Flask, exporter: InMemorySpanExporter) -> Iterator[Flask]:
    """An app of its own, traced into ``exporter``, and every instrumentation removed after."""
    provider = instrument(own_app, SimpleSpanProcessor(exporter))
    yield own_app
    FlaskInstrumentor.uninstrument_app(own_app)
    SQLAlchemyInstrumentor().uninstrument()
    RedisInstrumentor().uninstrument()
    provider.shutdown()


@pytest.fixture
def member(
    make_user: Callable[..., UserInfo], tokens_for: Callable[[UserInfo], dict[str, Any]]
) -> dict[str, str]:
    return bearer(tokens_for(make_user())["access_token"])


def borrow_traced(
    client: FlaskClient,
    exporter: InMemorySpanExporter,
    book_id: int,
    headers: dict[str, str],
) -> tuple[Any, list[ReadableSpan]]:
    """POST /loans with a fresh exporter, returning the response and the spans it produced."""
    exporter.clear()
    response = client.post(LOANS, json={"book_id": book_id}, headers=headers)
    return response, list(exporter.get_finished_spans())


def server_span(spans: list[ReadableSpan]) -> ReadableSpan:
    (span,) = [span for span in spans if span.kind is SpanKind.SERVER]
    return span


def children_of(parent: ReadableSpan, spans: list[ReadableSpan]) -> list[ReadableSpan]:
    return [
        span
        for span in spans
        if span.parent is not None and span.parent.span_id == parent.context.span_id
    ]


def access_record(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.strip()]
    (record,) = [line for line in lines if line["logger"] == ACCESS_LOGGER]
    return record


def test_a_loan_is_one_server_span_with_its_sql_as_children(
    client: FlaskClient,
    exporter: InMemorySpanExporter,
    member: dict[str, str],
    make_book: Callable[..., int],
    backend: str,
) -> None:
    book_id = make_book()
    response, spans = borrow_traced(client, exporter, book_id, member)
    assert response.status_code == 201
    server = server_span(spans)
    assert server.attributes is not None
    assert server.attributes["http.route"] == LOANS
    assert server.attributes["http.status_code"] == 201
    children = children_of(server, spans)
    sql = [span for span in children if span.attributes and "db.statement" in span.attributes]
    statements = " ".join(str(span.attributes["db.statement"]) for span in sql if span.attributes)
    assert "UPDATE books" in statements
    assert "INSERT INTO loans" in statements
    redis_spans = [
        span for span in children if span.attributes and span.attributes.get("db.system") == "redis"
    ]
    if backend == "services":
        assert redis_spans, "the blocklist mirror's lookup in Redis has no span"
    else:
        assert not redis_spans


def test_an_incoming_traceparent_is_continued(
    client: FlaskClient,
    exporter: InMemorySpanExporter,
    member: dict[str, str],
    make_book: Callable[..., int],
) -> None:
    response, spans = borrow_traced(
        client, exporter, make_book(), {**member, "traceparent": TRACEPARENT}
    )
    assert response.status_code == 201
    server = server_span(spans)
    assert format(server.context.trace_id, "032x") == TRACE_ID
    assert server.parent is not None
    assert format(server.parent.span_id, "016x") == PARENT_SPAN_ID
    assert {format(span.context.trace_id, "032x") for span in spans} == {TRACE_ID}


def test_the_request_log_line_names_its_trace_and_span(
    client: FlaskClient,
    exporter: InMemorySpanExporter,
    member: dict[str, str],
    make_book: Callable[..., int],
    capsys: pytest.CaptureFixture[str],
) -> None:
    book_id = make_book()
    capsys.readouterr()
    response, spans = borrow_traced(client, exporter, book_id, member)
    server = server_span(spans)
    record = access_record(capsys)
    assert record["request_id"] == response.headers["X-Request-ID"]
    assert record["trace_id"] == format(server.context.trace_id, "032x")
    assert record["span_id"] == format(server.context.span_id, "016x")


def test_without_an_exporter_nothing_is_traced_or_logged_as_traced(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for variable in ("OTEL_TRACES_EXPORTER", "OTEL_EXPORTER_OTLP_ENDPOINT"):
        monkeypatch.delenv(variable, raising=False)
    untraced = create_app("testing")
    capsys.readouterr()
    response = untraced.test_client().get("/healthz", headers={"traceparent": TRACEPARENT})
    assert response.status_code == 200
    assert not getattr(untraced, "_is_instrumented_by_opentelemetry", False)
    record = access_record(capsys)
    assert "trace_id" not in record
    assert "span_id" not in record


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({}, "none"),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}, "otlp"),
        ({"OTEL_TRACES_EXPORTER": "console"}, "console"),
        ({"OTEL_TRACES_EXPORTER": "otlp", "OTEL_SDK_DISABLED": "true"}, "none"),
    ],
)
def test_the_standard_variables_choose_the_exporter(
    monkeypatch: pytest.MonkeyPatch, variables: dict[str, str], expected: str
) -> None:
    for variable in ("OTEL_TRACES_EXPORTER", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_SDK_DISABLED"):
        monkeypatch.delenv(variable, raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    assert traces_exporter() == expected


def test_an_unknown_exporter_refuses_to_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "zipkin")
    with pytest.raises(ConfigError, match="OTEL_TRACES_EXPORTER"):
        create_app("testing")
