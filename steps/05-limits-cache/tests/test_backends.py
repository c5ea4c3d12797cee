"""The Redis-backed stores of the cache and the rate limits.

The tests that need a server read TEST_REDIS_URL; without it they are skipped (or fail, with
REQUIRE_SERVICES=1). The rest run everywhere.
"""

from __future__ import annotations

import pytest
import redis
from conftest import MakeBook, require_service
from flask import Flask

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
