"""Rate limits: per identity by default, per address and per email on sign-in, 429 with Retry-After.

Limits are off in the testing configuration; these tests turn them on through the environment
(the configuration reads it when the app is built) and move a fake clock instead of sleeping.
"""

from __future__ import annotations

from typing import Any

import flask_limiter._extension
import limits.storage.memory
import limits.strategies
import pytest
from conftest import PASSWORD, MakeUser, TokensFor, bearer, built_app
from flask.testing import FlaskClient

from app import create_app, rate_windows
from app.extensions import db
from app.services import users

LOGIN = "/api/v1/auth/login"


class FakeClock:
    """Stands in for the ``time`` module where the limiter reads the time."""

    def __init__(self) -> None:
        self.now = 1_900_000_000.0

    def time(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    for module in (
        limits.storage.memory,
        limits.strategies,
        flask_limiter._extension,
        rate_windows,
    ):
        monkeypatch.setattr(module, "time", fake)
    return fake


@pytest.fixture(autouse=True)
def small_limits(monkeypatch: pytest.MonkeyPatch, clock: FakeClock) -> None:
    """Limits on for the app the fixtures build: 3 a minute, 2 failed sign-ins per account and
    4 per address, and 2 sign-ups."""
    monkeypatch.setenv("RATELIMIT_ENABLED", "true")
    monkeypatch.setenv("RATELIMIT_DEFAULT", "3 per minute")
    monkeypatch.setenv("RATELIMIT_LOGIN_ACCOUNT", "2 per 10 minutes")
    monkeypatch.setenv("RATELIMIT_LOGIN_ADDRESS", "4 per 10 minutes")
    monkeypatch.setenv("RATELIMIT_REGISTER", "2 per hour")


def from_address(address: str, **headers: str) -> dict[str, Any]:
    """Request options that make the request come from ``address``."""
    return {"environ_base": {"REMOTE_ADDR": address}, "headers": headers}


def assert_rate_limited(response: Any, *, window: int = 60) -> None:
    """A 429 in the error shape whose Retry-After lies within the limit's window."""
    assert response.status_code == 429
    body = response.get_json()
    assert body["code"] == "rate_limited"
    assert set(body) == {"code", "message", "details", "request_id"}
    # Whole seconds, rounded up: the clock stands still here, so the wait is the window plus 1.
    assert 0 < int(response.headers["Retry-After"]) <= window + 1


@pytest.mark.task("05.1")
def test_default_limit_answers_429_with_retry_after(client: FlaskClient) -> None:
    for _ in range(3):
        assert client.get("/api/v1/books").status_code == 200
    assert_rate_limited(client.get("/api/v1/books"))


@pytest.mark.task("05.1")
def test_limit_resets_when_the_window_ends(client: FlaskClient, clock: FakeClock) -> None:
    for _ in range(3):
        client.get("/api/v1/books")
    assert client.get("/api/v1/books").status_code == 429
    clock.advance(61)
    assert client.get("/api/v1/books").status_code == 200


@pytest.mark.task("05.1")
def test_an_app_counts_in_its_own_storage_after_another_apps_redis_died(
    monkeypatch: pytest.MonkeyPatch, clock: FakeClock
) -> None:
    # One limiter serves every app of the process. An app whose Redis is down leaves the
    # limiter's storage marked dead, to be revived by a check after a backoff (up to 32 s): an
    # app built after it must count every request in its own storage, from the first one.
    monkeypatch.setenv("RATELIMIT_DEFAULT", "3 per hour")
    clock.advance(86_400)  # past any backoff an earlier test's clock began
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")  # nothing listens on port 1
    with built_app() as dead_redis_app:
        dead_redis_app.test_client().get("/api/v1/books")
    monkeypatch.delenv("REDIS_URL")
    with built_app() as app:
        client = app.test_client()
        for _ in range(3):
            assert client.get("/api/v1/books").status_code == 200
            clock.advance(100)  # longer than any backoff, well inside the hour
        assert_rate_limited(client.get("/api/v1/books"), window=3600)


@pytest.mark.task("05.1")
def test_signed_in_users_are_limited_by_user_not_address(
    client: FlaskClient,
    make_user: MakeUser,
    tokens_for: TokensFor,
) -> None:
    ada = bearer(tokens_for(make_user())["access_token"])
    grace = bearer(tokens_for(make_user())["access_token"])
    for address in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
        assert client.get("/api/v1/books", **from_address(address, **ada)).status_code == 200
    assert_rate_limited(client.get("/api/v1/books", **from_address("10.0.0.4", **ada)))
    assert client.get("/api/v1/books", **from_address("10.0.0.1", **grace)).status_code == 200
    assert client.get("/api/v1/books", **from_address("10.0.0.1")).status_code == 200


@pytest.mark.task("05.1")
def test_garbage_tokens_count_against_the_address(client: FlaskClient) -> None:
    for number in range(3):
        client.get("/api/v1/books", headers=bearer(f"garbage-{number}"))
    assert_rate_limited(client.get("/api/v1/books"))


@pytest.mark.task("05.2")
def test_login_is_limited_per_address(client: FlaskClient, clock: FakeClock) -> None:
    for number in range(4):
        wrong = {"email": f"user{number}@example.org", "password": "wrong-password"}
        assert client.post(LOGIN, json=wrong).status_code == 401
        clock.advance(61)  # past the default limit's minute, well inside the sign-in window
    response = client.post(LOGIN, json={"email": "other@example.org", "password": "x"})
    assert_rate_limited(response, window=600)


@pytest.mark.task("05.2")
def test_login_is_limited_per_email_across_addresses(
    client: FlaskClient, make_user: MakeUser
) -> None:
    user = make_user()
    for address in ("10.0.0.1", "10.0.0.2"):
        attempt = {"email": user.email, "password": "wrong-password"}
        assert client.post(LOGIN, json=attempt, **from_address(address)).status_code == 401
    right = {"email": user.email.upper(), "password": PASSWORD}
    assert_rate_limited(client.post(LOGIN, json=right, **from_address("10.0.0.3")), window=600)


@pytest.mark.task("05.2")
def test_successful_sign_ins_do_not_count(client: FlaskClient, make_user: MakeUser) -> None:
    user = make_user()
    right = {"email": user.email, "password": PASSWORD}
    # From six addresses, so that the default limit (3 a minute each) stays out of the way.
    for number in range(6):
        signed_in = client.post(LOGIN, json=right, **from_address(f"10.0.0.{number}"))
        assert signed_in.status_code == 200
    wrong = {"email": user.email, "password": "wrong-password"}
    for number in range(2):
        assert client.post(LOGIN, json=wrong, **from_address(f"10.0.1.{number}")).status_code == 401
    assert_rate_limited(client.post(LOGIN, json=right, **from_address("10.0.2.1")), window=600)


def test_a_class_behind_one_address_signs_in_with_the_default_limits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("RATELIMIT_LOGIN_ACCOUNT", "RATELIMIT_LOGIN_ADDRESS", "RATELIMIT_DEFAULT"):
        monkeypatch.delenv(name)
    app = create_app("testing")
    with app.app_context():
        db.create_all()
        emails = [
            users.create_user(email=f"pupil{n}@example.org", password=PASSWORD, name="P").email
            for n in range(30)
        ]
    client = app.test_client()
    # Thirty people, one address (the school's), and each of them mistypes once.
    for email in emails:
        typo = client.post(LOGIN, json={"email": email, "password": PASSWORD + "!"})
        assert typo.status_code == 401
        assert client.post(LOGIN, json={"email": email, "password": PASSWORD}).status_code == 200
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def test_registration_is_limited_per_address(client: FlaskClient) -> None:
    for number in range(2):
        body = {"email": f"new{number}@example.org", "password": PASSWORD, "name": "New"}
        assert client.post("/api/v1/auth/register", json=body).status_code == 201
    body = {"email": "new9@example.org", "password": PASSWORD, "name": "New"}
    assert_rate_limited(client.post("/api/v1/auth/register", json=body), window=3600)


@pytest.mark.task("05.1")
def test_forged_x_forwarded_for_does_not_dodge_the_limit(client: FlaskClient) -> None:
    for number in range(3):
        client.get("/api/v1/books", headers={"X-Forwarded-For": f"203.0.113.{number}"})
    forged = client.get("/api/v1/books", headers={"X-Forwarded-For": "198.51.100.7"})
    assert_rate_limited(forged)


@pytest.mark.task("05.1")
def test_trusted_proxy_hop_makes_x_forwarded_for_the_client(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PROXY_FIX_X_FOR", "1")
    client = create_app("testing").test_client()
    for _ in range(3):
        client.get("/api/v1/", headers={"X-Forwarded-For": "203.0.113.1"})
    assert_rate_limited(client.get("/api/v1/", headers={"X-Forwarded-For": "203.0.113.1"}))
    assert client.get("/api/v1/", headers={"X-Forwarded-For": "203.0.113.2"}).status_code == 200


@pytest.mark.task("07.1")
def test_health_probes_are_never_limited(client: FlaskClient) -> None:
    for _ in range(10):
        assert client.get("/healthz").status_code == 200
        assert client.get("/readyz").status_code == 200
