"""The Redis-backed stores, and the loan rules under real concurrency on PostgreSQL.

The tests that need a server read TEST_REDIS_URL or TEST_DATABASE_URL; without them they are
skipped (or fail, with REQUIRE_SERVICES=1). The rest run everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import redis
from conftest import MakeBook, MakeUser, TokensFor, bearer, require_service
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from app.extensions import db


@pytest.fixture
def redis_url(monkeypatch: pytest.MonkeyPatch) -> str:
    """Point REDIS_URL at the (emptied) test Redis for the app the next fixture builds."""
    url = require_service("TEST_REDIS_URL")
    redis.Redis.from_url(url).flushdb()
    monkeypatch.setenv("REDIS_URL", url)
    return url


@pytest.fixture
def redis_app(redis_url: str, app: Flask) -> Flask:
    """The testing app, with its cache and limits in Redis."""
    return app


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


@pytest.mark.task("05.3")
def test_public_reads_survive_a_dead_redis(monkeypatch: pytest.MonkeyPatch) -> None:
    # Nothing listens on port 1: the limiter falls back to memory and the cache is skipped.
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    monkeypatch.setenv("RATELIMIT_ENABLED", "true")
    dead_redis_app = create_app("testing")
    with dead_redis_app.app_context():
        db.create_all()
    client = dead_redis_app.test_client()
    assert client.get("/api/v1/books").status_code == 200


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
