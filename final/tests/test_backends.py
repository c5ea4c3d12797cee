"""The Redis-backed stores, and the loan rules under real concurrency on PostgreSQL.

The tests that need a server read TEST_REDIS_URL or TEST_DATABASE_URL; without them they are
skipped (or fail, with REQUIRE_SERVICES=1). The rest run everywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
import redis
from conftest import MakeBook, MakeUser, TokensFor, bearer, require_service
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from app import create_app
from app.blocklist import RedisMirroredBlocklist, seconds_until, token_blocklist
from app.extensions import db
from app.models.base import utc_now


def test_a_revocation_lives_in_redis_as_long_as_its_token() -> None:
    in_15_minutes = utc_now() + timedelta(minutes=15)
    assert 14 * 60 < seconds_until(in_15_minutes) <= 15 * 60 + 1
    # SQLite hands back naive datetimes; they are UTC.
    assert 14 * 60 < seconds_until(in_15_minutes.replace(tzinfo=None)) <= 15 * 60 + 1
    assert seconds_until(utc_now() - timedelta(hours=1)) == 1


@pytest.fixture
def redis_url(monkeypatch: pytest.MonkeyPatch) -> str:
    """Point REDIS_URL at the (emptied) test Redis for the app the next fixture builds."""
    url = require_service("TEST_REDIS_URL")
    redis.Redis.from_url(url).flushdb()
    monkeypatch.setenv("REDIS_URL", url)
    return url


@pytest.fixture
def redis_app(redis_url: str, app: Flask) -> Flask:
    """The testing app, with its blocklist, cache and limits in Redis."""
    return app


def test_logout_revokes_in_redis(
    redis_app: Flask, make_user: MakeUser, tokens_for: TokensFor
) -> None:
    client = redis_app.test_client()
    tokens = tokens_for(make_user())
    assert (
        client.post("/api/v1/auth/logout", headers=bearer(tokens["access_token"])).status_code
        == 204
    )
    response = client.get("/api/v1/auth/me", headers=bearer(tokens["access_token"]))
    assert response.get_json()["code"] == "token_revoked"
    assert redis_app.config["CACHE_TYPE"] == "RedisCache"
    assert client.get("/readyz").get_json()["checks"]["redis"] == "ok"


def who_am_i(client: FlaskClient, tokens: dict[str, str]) -> TestResponse:
    """``GET /auth/me`` with the access token of ``tokens``."""
    return client.get("/api/v1/auth/me", headers=bearer(tokens["access_token"]))


def revoked_keys(redis_url: str) -> list[bytes]:
    """The blocklist's keys in Redis: one per revoked token, plus the marker once it is filled."""
    with redis.Redis.from_url(redis_url) as server:
        return sorted(server.scan_iter("revoked-token*"))


def test_a_redis_that_restarts_empty_forgets_no_revocation(
    redis_url: str,
    redis_app: Flask,
    make_user: MakeUser,
    tokens_for: TokensFor,
) -> None:
    client = redis_app.test_client()
    user = make_user()
    gone, kept = tokens_for(user), tokens_for(user)
    assert who_am_i(client, gone).status_code == 200
    logout = client.post("/api/v1/auth/logout", headers=bearer(gone["access_token"]))
    assert logout.status_code == 204
    redis.Redis.from_url(redis_url).flushdb()

    refused = who_am_i(client, gone)
    assert refused.status_code == 401
    assert refused.get_json()["code"] == "token_revoked"
    assert who_am_i(client, kept).status_code == 200
    # The copy was filled again from the database: the marker and the revoked token.
    assert len(revoked_keys(redis_url)) == 2


def test_a_logout_redis_cannot_record_signs_the_user_out_everywhere(
    redis_url: str,
    redis_app: Flask,
    make_user: MakeUser,
    tokens_for: TokensFor,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client = redis_app.test_client()
    user, other = make_user(), make_user()
    leaving, elsewhere, bystander = tokens_for(user), tokens_for(user), tokens_for(other)
    assert who_am_i(client, leaving).status_code == 200
    with redis_app.app_context():
        blocklist = token_blocklist()
    assert isinstance(blocklist, RedisMirroredBlocklist)

    def unreachable(*_args: Any, **_kwargs: Any) -> None:
        raise redis.ConnectionError("Redis is down")

    with monkeypatch.context() as outage:
        outage.setattr(blocklist.client, "set", unreachable)
        logout = client.post("/api/v1/auth/logout", headers=bearer(leaving["access_token"]))
        assert logout.status_code == 204
    # Redis is back with its marker but without this revocation; the database still refuses it.
    assert revoked_keys(redis_url) == [b"revoked-tokens:mirrored"]
    for tokens in (leaving, elsewhere):
        refused = who_am_i(client, tokens)
        assert refused.status_code == 401
        assert refused.get_json()["code"] == "token_revoked"
    assert who_am_i(client, bystander).status_code == 200


def test_cached_reads_work_on_redis(redis_app: Flask, make_book: MakeBook) -> None:
    client = redis_app.test_client()
    book_id = make_book(title="Kept")
    first = client.get(f"/api/v1/books/{book_id}")
    again = client.get(f"/api/v1/books/{book_id}", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


@pytest.fixture
def postgres_app(app: Flask) -> Flask:
    """The testing app, which must be on PostgreSQL for these tests."""
    require_service("TEST_DATABASE_URL")
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("TEST_DATABASE_URL is not a PostgreSQL database")
    return app


def in_parallel(count: int, call: Callable[[int], Any]) -> list[Any]:
    """Run ``call(0..count-1)`` on ``count`` threads at once and collect the results."""
    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(call, range(count)))


def test_32_borrowers_racing_for_the_last_copy_get_exactly_one_loan(
    postgres_app: Flask,
    make_book: MakeBook,
    make_user: MakeUser,
    tokens_for: TokensFor,
) -> None:
    book_id = make_book(copies=1)
    headers = [bearer(tokens_for(make_user())["access_token"]) for _ in range(32)]

    def borrow(number: int) -> int:
        client: FlaskClient = postgres_app.test_client()
        response = client.post("/api/v1/loans", json={"book_id": book_id}, headers=headers[number])
        return response.status_code

    statuses = in_parallel(32, borrow)
    assert statuses.count(201) == 1
    assert statuses.count(409) == 31
    book = postgres_app.test_client().get(f"/api/v1/books/{book_id}").get_json()
    assert book["copies_available"] == 0


def test_20_concurrent_retries_with_one_key_make_one_loan(
    postgres_app: Flask,
    make_book: MakeBook,
    make_user: MakeUser,
    tokens_for: TokensFor,
) -> None:
    book_id = make_book(copies=5)
    headers = {**bearer(tokens_for(make_user())["access_token"]), "Idempotency-Key": "retry-me"}

    def borrow(_number: int) -> tuple[int, Any]:
        client: FlaskClient = postgres_app.test_client()
        response = client.post("/api/v1/loans", json={"book_id": book_id}, headers=headers)
        return response.status_code, response.get_json()

    results = in_parallel(20, borrow)
    assert {status for status, _ in results} == {201}
    assert len({body["id"] for _, body in results}) == 1
    book = postgres_app.test_client().get(f"/api/v1/books/{book_id}").get_json()
    assert book["copies_available"] == 4


@pytest.fixture
def dead_redis_app(monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """An app on in-memory SQLite whose REDIS_URL names a port nothing listens on."""
    monkeypatch.setenv("TEST_DATABASE_URL", "sqlite://")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    monkeypatch.setenv("RATELIMIT_ENABLED", "true")
    app = create_app("testing")
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.engine.dispose()


def test_public_reads_survive_a_dead_redis(dead_redis_app: Flask) -> None:
    client = dead_redis_app.test_client()
    # The limiter falls back to counting in memory, and the cache is skipped.
    assert client.get("/api/v1/books").status_code == 200
    assert client.get("/readyz").status_code == 503


def test_signed_in_calls_survive_a_dead_redis_and_logout_still_holds(
    dead_redis_app: Flask,
) -> None:
    client = dead_redis_app.test_client()
    account = {"email": "reader@example.org", "password": "a-long-password"}
    assert client.post("/api/v1/auth/register", json={**account, "name": "R"}).status_code == 201
    first, second = (
        bearer(client.post("/api/v1/auth/login", json=account).get_json()["access_token"])
        for _ in range(2)
    )
    assert client.get("/api/v1/auth/me", headers=first).status_code == 200
    assert client.post("/api/v1/auth/logout", headers=first).status_code == 204
    # Redis could not take the revocation, so every token of the user was revoked in the database.
    for headers in (first, second):
        refused = client.get("/api/v1/auth/me", headers=headers)
        assert refused.status_code == 401
        assert refused.get_json()["code"] == "token_revoked"
    fresh = bearer(client.post("/api/v1/auth/login", json=account).get_json()["access_token"])
    assert client.get("/api/v1/auth/me", headers=fresh).status_code == 200


def test_concurrent_registrations_of_one_email_create_one_account(postgres_app: Flask) -> None:
    def register(number: int) -> int:
        body = {"email": "Twin@Example.org", "password": "a-long-password", "name": f"T{number}"}
        return postgres_app.test_client().post("/api/v1/auth/register", json=body).status_code

    statuses = in_parallel(10, register)
    assert statuses.count(201) == 1
    assert statuses.count(409) == 9


def test_concurrent_refreshes_with_one_token_rotate_it_once(
    postgres_app: Flask, make_user: MakeUser, tokens_for: TokensFor
) -> None:
    refresh_token = tokens_for(make_user())["refresh_token"]

    def refresh(_number: int) -> int:
        client = postgres_app.test_client()
        return client.post("/api/v1/auth/refresh", headers=bearer(refresh_token)).status_code

    statuses = in_parallel(10, refresh)
    assert statuses.count(200) <= 1
    assert statuses.count(401) >= 9
