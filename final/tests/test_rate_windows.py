"""The limiter's headers come from its own count: a cached read costs Redis two round trips."""

from __future__ import annotations

from collections.abc import Iterator

import limits.storage.memory
import pytest
import redis.connection
from conftest import built_app
from flask import Flask

from app import rate_windows

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


class FakeTime:
    """Stands in for the ``time`` module where the memory storage reads it."""

    def __init__(self) -> None:
        self.now = 1_900_000_000.0

    def time(self) -> float:
        return self.now


def test_counting_in_memory_starts_no_thread_and_still_forgets_ended_windows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = FakeTime()
    for module in (limits.storage.memory, rate_windows):
        monkeypatch.setattr(module, "time", clock)
    started: list[object] = []

    class NeverRunning:
        """A timer that records being made, and never runs (so limits would make another)."""

        def __init__(self, *args: object) -> None:
            started.append(args)

        def start(self) -> None: ...

        def is_alive(self) -> bool:
            return False

    monkeypatch.setattr(limits.storage.memory.threading, "Timer", NeverRunning)
    storage = rate_windows.SweptMemoryStorage()
    assert [storage.incr("a", 60) for _ in range(3)] == [1, 2, 3]
    storage.incr("b", 600)
    clock.now += 61  # the window of "a" has ended; the next count sweeps it away
    assert storage.incr("b", 600) == 2
    assert "a" not in storage.expirations
    assert storage.incr("a", 60) == 1
    assert len(started) == 1  # the one limits' constructor makes, none per count
