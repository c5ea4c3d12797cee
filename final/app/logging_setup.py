"""Structured logging: one JSON object per line on stderr, plus one access line per request.

A log shipper (Loki, CloudWatch, Datadog...) parses JSON without fragile regexes, and the
request id ties every line of a request to the `X-Request-ID` the client saw; when tracing is on
(app/tracing.py), the trace and span ids tie it to the request's trace as well. Bodies and
headers are never logged, and as a last resort anything that looks like a token or a password
is masked.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from datetime import UTC, datetime
from typing import Any, TextIO

from flask import Flask, Response, g, has_request_context, request
from flask.logging import default_handler
from flask_jwt_extended import get_jwt_identity
from opentelemetry import trace

from app.request_id import current_request_id

ACCESS_LOGGER = "app.access"
_access_log = logging.getLogger(ACCESS_LOGGER)

# Attributes every LogRecord has; anything else on a record came from `extra=` and is logged.
_RECORD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}

# A JWT: three base64url parts, the first always starting with '{"' encoded as 'eyJ'.
_JWT = re.compile(r"\beyJ[\w-]+\.[\w-]+\.[\w-]*")
# Only Bearer: "Basic" also starts ordinary sentences, and this API has no basic auth.
_CREDENTIALS = re.compile(r"(?i)\b(bearer)\s+[\w.~+/=-]+")
# password=..., "password": "...", refresh_token: '...' (the value quoted or not).
_SECRET_FIELD = re.compile(
    r"""(?ix)
    (["']?\b(?:password|passwd|secret|token|access_token|refresh_token|api_key)\b["']?\s*[:=]\s*)
    ("[^"]*"|'[^']*'|[^\s,&;}]+)
    """
)
MASK = "[REDACTED]"

# Fields whose values the app makes itself (a time, a level, an upper-cased HTTP method, a
# verified token's subject): no free text reaches them, so they skip the redaction. The access
# line adds its own numbers and the address the trusted proxy wrote.
_OWN_FIELDS = frozenset({"timestamp", "level", "logger", "method", "user_id"})
_ACCESS_FIELDS = _OWN_FIELDS | {"status", "duration_ms", "remote_addr"}


def _mask_field(match: re.Match[str]) -> str:
    key, value = match.groups()
    quote = value[0] if value[0] in "\"'" else ""
    return f"{key}{quote}{MASK}{quote}"


def redact(text: str) -> str:
    """Mask token-like substrings: JWTs, bearer credentials, password=... pairs."""
    text = _JWT.sub(MASK, text)
    text = _CREDENTIALS.sub(rf"\1 {MASK}", text)
    return _SECRET_FIELD.sub(_mask_field, text)


def _current_user_id() -> str | None:
    """The JWT identity of this request, or None when no token was verified."""
    try:
        identity = get_jwt_identity()
    except RuntimeError:  # no @jwt_required / verify_jwt_in_request ran on this request
        return None
    return None if identity is None else str(identity)


def _trace_context() -> dict[str, str]:
    """The ids of the trace and span this line was written in, or nothing outside a trace.

    With them, one click leads from a log line to the request's trace, and back.
    """
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return {}
    return {
        "trace_id": trace.format_trace_id(context.trace_id),
        "span_id": trace.format_span_id(context.span_id),
    }


class JsonFormatter(logging.Formatter):
    """Render a record as one JSON object, with the request's context when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        """Return the record as a single JSON line, secrets masked in every free-text value."""
        entry: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if has_request_context():
            entry["request_id"] = current_request_id()
            entry["method"] = request.method
            entry["path"] = request.path  # no query string: it may carry a token
            user_id = _current_user_id()
            if user_id is not None:
                entry["user_id"] = user_id
        entry |= _trace_context()
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRIBUTES and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        own = _ACCESS_FIELDS if record.name == ACCESS_LOGGER else _OWN_FIELDS
        for key, value in entry.items():
            if isinstance(value, str) and key not in own:
                entry[key] = redact(value)
        return json.dumps(entry, default=str, ensure_ascii=False)


class StderrHandler(logging.StreamHandler[TextIO]):
    """A stream handler that writes to whatever `sys.stderr` is when a record is emitted.

    A plain `StreamHandler(sys.stderr)` keeps the stream it was built with; following the
    current one lets pytest's capture (and any later redirection) see the lines.
    """

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    def emit(self, record: logging.LogRecord) -> None:
        """Write the record to the current stderr (the handler's lock is held here)."""
        self.stream = sys.stderr
        super().emit(record)


# The development server's own line per request ("127.0.0.1 - - [date] "GET / HTTP/1.1" 200 -"):
# the access line already records each request, so this one would only repeat it.
_DEVELOPMENT_SERVER_REQUEST = re.compile(r'^\S+ - - \[[^\]]*\] "')
# Terminal colour codes, which the development server puts in its banner and its request lines.
_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")


class DevelopmentServerFilter(logging.Filter):
    """Drop the development server's request lines and strip colours from its other lines.

    Under ``flask run`` every request would otherwise be logged twice, once as our access line
    and once by Werkzeug, and Werkzeug's colour codes would land inside the JSON.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep the record unless it is a request line; remove terminal colours from it."""
        message = _ANSI_ESCAPE.sub("", record.getMessage())
        if _DEVELOPMENT_SERVER_REQUEST.match(message):
            return False
        record.msg, record.args = message, None
        return True


def configure_logging(app: Flask) -> None:
    """Log JSON lines to stderr and write one access line per request."""
    root = logging.getLogger()
    for handler in root.handlers[:]:
        if isinstance(handler, StderrHandler):  # calling create_app twice must not log twice
            root.removeHandler(handler)
    handler = StderrHandler()
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    level = app.config["LOG_LEVEL"].upper()
    root.setLevel(level)
    # Flask sets its logger to DEBUG in debug mode; LOG_LEVEL decides here, in every mode. And
    # Flask's own plain-text handler would print every app.logger line a second time.
    app.logger.setLevel(level)
    app.logger.removeHandler(default_handler)
    werkzeug_logger = logging.getLogger("werkzeug")
    if not any(isinstance(f, DevelopmentServerFilter) for f in werkzeug_logger.filters):
        werkzeug_logger.addFilter(DevelopmentServerFilter())

    app.before_request(_start_timer)
    app.after_request(_log_request)


def _start_timer() -> None:
    g.request_started = time.perf_counter()


def _log_request(response: Response) -> Response:
    """Write the access line: who asked what, the answer's status, and how long it took.

    The record is built here and handed to the logger whole: ``Logger.log`` would first walk the
    call stack to find which line logged (``findCaller``), which no JSON line shows, on every
    request.
    """
    level = logging.ERROR if response.status_code >= 500 else logging.INFO
    if not _access_log.isEnabledFor(level):
        return response
    started: float | None = g.get("request_started")
    duration_ms = None if started is None else round((time.perf_counter() - started) * 1000, 2)
    status = response.status_code
    record = _access_log.makeRecord(
        ACCESS_LOGGER,
        level,
        __file__,
        0,
        "%s %s %s",
        (request.method, request.path, status),
        None,
        extra={"status": status, "duration_ms": duration_ms, "remote_addr": request.remote_addr},
    )
    _access_log.handle(record)
    return response
