"""The limiter's headers come from its own count: a cached read costs Redis two round trips."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis.connection
from conftest import built_app
from flask import Flask

LIST = "/api/v1/books?per_page=20"


@pytest.fixture
def limited_app(backend: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """An app on ``backend`` with its rate limits on, as production runs it."""
    monkeypatch.setenv("RATELIMIT_ENABLED", "true")
    monkeypatch.setenv("RATELIMIT_DEFAULT", "50 per minute")
    with built_app() as app:
        yield app


class RoundTrips:
    """Counts what redis-py writes to its sockets: one write per command or pipeline."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        send = redis.connection.AbstractConnection.send_packed_command

        def counted(
            connection: redis.connection.AbstractConnection,
            command: bytes,
            check_health: bool = True,
        ) -> None:
            self.count += 1
            send(connection, command, check_health)

        monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command", counted)


def test_a_cached_read_makes_at_most_two_redis_round_trips(
    limited_app: Flask, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = limited_app.test_client()
    client.get(LIST)  # fills the cache and loads the limiter's script
    trips = RoundTrips(monkeypatch)
    response = client.get(LIST)
    assert response.status_code == 200
    assert response.headers["X-RateLimit-Limit"] == "50"
    assert response.headers["X-RateLimit-Remaining"] == "48"
    assert trips.count == (2 if backend == "services" else 0)


def test_the_headers_count_down_and_reset_within_the_window(limited_app: Flask) -> None:
    client = limited_app.test_client()
    answers = [client.get(LIST) for _ in range(3)]
    assert [a.headers["X-RateLimit-Remaining"] for a in answers] == ["49", "48", "47"]
    resets = {int(a.headers["X-RateLimit-Reset"]) for a in answers}
    assert len(resets) <= 2  # the same window end, give or take the second it was read in
    assert all(0 <= int(a.headers["Retry-After"]) <= 61 for a in answers)
