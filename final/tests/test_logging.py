"""Logs are JSON lines on stderr: one access line per request, tied to the response by its
request id, and never a password or a token, whatever the request carried.
"""

from __future__ import annotations

import json
import logging
import threading
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import bearer
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from app import create_app
from app.logging_setup import ACCESS_LOGGER, StderrHandler, redact

PASSWORD = "correct-horse-battery-staple-42"
# Looks like a JWT (header.payload.signature) without being one anybody could use.
FAKE_JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJlLW5vdC12YWxpZA"


def log_records(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    """Every line written to stderr since the last call, each parsed as JSON (or failing)."""
    return [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.strip()]


def access_records(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [record for record in log_records(capsys) if record["logger"] == ACCESS_LOGGER]


def test_request_writes_one_json_access_line(
    client: FlaskClient, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    response = client.get("/healthz")

    [record] = access_records(capsys)
    assert response.status_code == 200
    assert record["request_id"] == response.headers["X-Request-ID"]
    assert record["method"] == "GET"
    assert record["path"] == "/healthz"
    assert record["status"] == 200
    assert record["level"] == "INFO"
    assert isinstance(record["duration_ms"], float)
    assert record["duration_ms"] >= 0
    assert "user_id" not in record
    assert record["timestamp"].endswith("Z")
    assert datetime.fromisoformat(record["timestamp"]).utcoffset() == timedelta(0)


def test_access_line_carries_the_clients_request_id(
    client: FlaskClient, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    response = client.get("/healthz", headers={"X-Request-ID": "trace-42"})
    [record] = access_records(capsys)
    assert response.headers["X-Request-ID"] == record["request_id"] == "trace-42"


def test_query_string_is_not_logged(
    client: FlaskClient, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    client.get("/healthz?token=secret-in-the-url")
    [record] = access_records(capsys)
    assert record["path"] == "/healthz"
    assert "secret-in-the-url" not in json.dumps(record)


def test_server_error_logs_its_traceback_under_the_same_request_id(
    own_app: Flask, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken() -> str:
        raise RuntimeError("a bug in a view")

    own_app.add_url_rule("/broken", view_func=broken)
    client = own_app.test_client()
    capsys.readouterr()
    response = client.get("/broken")

    records = log_records(capsys)
    [error] = [record for record in records if "exception" in record]
    [access] = [record for record in records if record["logger"] == ACCESS_LOGGER]
    assert response.status_code == 500
    assert "RuntimeError: a bug in a view" in error["exception"]
    assert error["level"] == "ERROR"
    assert access["level"] == "ERROR"
    assert access["status"] == 500
    assert error["request_id"] == access["request_id"] == response.headers["X-Request-ID"]


def sign_up_and_in(client: FlaskClient, email: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Register an account with PASSWORD and sign in: its body and the login body (tokens)."""
    registered = client.post(
        "/api/v1/auth/register", json={"email": email, "name": "Reader", "password": PASSWORD}
    )
    assert registered.status_code == 201
    login = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 200
    return registered.get_json(), login.get_json()


def test_signing_in_logs_neither_the_password_nor_the_tokens(
    client: FlaskClient, capsys: pytest.CaptureFixture[str]
) -> None:
    _, tokens = sign_up_and_in(client, "ada@example.org")
    wrong = {"email": "ada@example.org", "password": PASSWORD + "-wrong"}
    assert client.post("/api/v1/auth/login", json=wrong).status_code == 401
    me = client.get("/api/v1/auth/me", headers=bearer(tokens["access_token"]))
    assert me.status_code == 200
    refresh = client.post("/api/v1/auth/refresh", headers=bearer(tokens["refresh_token"]))
    assert refresh.status_code == 200
    logout = client.post(
        "/api/v1/auth/logout",
        headers=bearer(tokens["access_token"]),
        json={"refresh_token": tokens["refresh_token"]},
    )
    assert logout.status_code == 204

    output = capsys.readouterr().err
    assert '"logger": "app.access"' in output
    for secret in (PASSWORD, tokens["access_token"], tokens["refresh_token"]):
        assert secret not in output
    assert refresh.get_json()["access_token"] not in output


def test_security_events_are_json_lines_with_the_request_id_and_no_secret(
    client: FlaskClient, capsys: pytest.CaptureFixture[str]
) -> None:
    _, tokens = sign_up_and_in(client, "ada@example.org")
    wrong = {"email": "ada@example.org", "password": PASSWORD + "-wrong"}
    capsys.readouterr()
    failed = client.post("/api/v1/auth/login", json=wrong, headers={"X-Request-ID": "trace-7"})
    assert failed.status_code == 401
    refresh = bearer(tokens["refresh_token"])
    assert client.post("/api/v1/auth/refresh", headers=refresh).status_code == 200
    reused = client.post("/api/v1/auth/refresh", headers={**refresh, "X-Request-ID": "trace-8"})
    assert reused.status_code == 401

    events = {r["event"]: r for r in log_records(capsys) if "event" in r}
    assert events["login_failed"]["request_id"] == "trace-7"
    assert events["refresh_reuse_detected"]["request_id"] == "trace-8"
    for record in events.values():
        assert isinstance(record["account_id"], int)
        for secret in ("ada@example.org", PASSWORD, tokens["refresh_token"]):
            assert secret not in json.dumps(record)


def test_authenticated_request_logs_the_user_id(
    client: FlaskClient, capsys: pytest.CaptureFixture[str]
) -> None:
    user, tokens = sign_up_and_in(client, "grace@example.org")
    capsys.readouterr()
    client.get("/api/v1/auth/me", headers=bearer(tokens["access_token"]))
    [record] = access_records(capsys)
    assert record["user_id"] == str(user["id"])


def test_invalid_token_is_neither_logged_nor_attributed(
    client: FlaskClient, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    response = client.get("/api/v1/auth/me", headers=bearer(FAKE_JWT))
    output = capsys.readouterr().err
    assert response.status_code == 401
    assert FAKE_JWT not in output
    assert '"user_id"' not in output


def test_secrets_in_a_log_message_are_masked(
    app: Flask, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    with app.test_request_context("/"):
        app.logger.warning(
            "careless: password=%s Authorization: Bearer %s",
            PASSWORD,
            FAKE_JWT,
            extra={"jwt": FAKE_JWT},
        )
    [record] = log_records(capsys)
    assert PASSWORD not in json.dumps(record)
    assert FAKE_JWT not in json.dumps(record)
    assert record["jwt"] == "[REDACTED]"
    assert record["message"].startswith("careless: password=[REDACTED]")


@pytest.fixture
def restore_log_levels() -> Iterator[None]:
    """Put the log levels back after the test: they belong to the process, not to one app."""
    loggers = [logging.getLogger(), logging.getLogger("app")]
    levels = [logger.level for logger in loggers]
    yield
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)


def test_log_level_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    restore_log_levels: None,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("LOG_LEVEL", "warning")
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.setenv("JWT_KEYS_DIR", str(tmp_path / "jwt-keys"))
    app = create_app("development")  # debug mode, where Flask alone would log at DEBUG
    capsys.readouterr()
    app.logger.info("routine detail")
    app.logger.warning("worth a look")
    assert [record["message"] for record in log_records(capsys)] == ["worth a look"]


def test_stack_and_extra_fields_are_logged(app: Flask, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    app.logger.info("loan overdue", extra={"loan_id": 7}, stack_info=True)
    [record] = log_records(capsys)
    assert record["loan_id"] == 7
    assert "test_stack_and_extra_fields_are_logged" in record["stack"]
    assert "request_id" not in record  # outside a request there is none


def test_a_broken_log_call_never_breaks_the_caller(
    app: Flask, capsys: pytest.CaptureFixture[str]
) -> None:
    [handler] = [h for h in logging.getLogger().handlers if isinstance(h, StderrHandler)]
    capsys.readouterr()
    handler.handle(logging.makeLogRecord({"msg": "%s and %s", "args": ("one argument short",)}))
    assert "--- Logging error ---" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"token {FAKE_JWT} seen", "token [REDACTED] seen"),
        ("Authorization: Bearer abc.def-ghi", "Authorization: Bearer [REDACTED]"),
        ("Basic usage of the API", "Basic usage of the API"),
        (
            '{"password": "hunter2", "email": "a@b.c"}',
            '{"password": "[REDACTED]", "email": "a@b.c"}',
        ),
        ("password=hunter2&next=/books", "password=[REDACTED]&next=/books"),
        ("refresh_token: 'abc'", "refresh_token: '[REDACTED]'"),
        ("the token expired", "the token expired"),
        ("GET /api/v1/books/42 200", "GET /api/v1/books/42 200"),
    ],
)
def test_redact_masks_token_like_text(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_building_another_app_does_not_log_twice(
    client: FlaskClient, capsys: pytest.CaptureFixture[str]
) -> None:
    create_app("testing")
    capsys.readouterr()
    client.get("/healthz")
    assert len(access_records(capsys)) == 1


def test_the_development_server_logs_each_request_once_without_colours(
    app: Flask, capsys: pytest.CaptureFixture[str]
) -> None:
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.handle_request)
    thread.start()
    logging.getLogger("werkzeug").info("\x1b[33mPress CTRL+C to quit\x1b[0m")
    capsys.readouterr()
    with urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}/healthz") as answer:
        assert answer.status == 200
    thread.join(timeout=10)
    server.server_close()

    records = log_records(capsys)
    assert [record["logger"] for record in records] == [ACCESS_LOGGER]
    assert "\x1b" not in capsys.readouterr().err


def test_the_development_servers_banner_keeps_its_text_without_colours(
    app: Flask, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    logging.getLogger("werkzeug").info("\x1b[33mPress CTRL+C to quit\x1b[0m")
    [record] = log_records(capsys)
    assert record["message"] == "Press CTRL+C to quit"
