"""Proofs that the served app survives its database and Redis going away, and recovers alone.

The test starts its own PostgreSQL cluster and redis-server (never the shared ones), runs the app
under gunicorn on them, then stops and restarts each while the app keeps running.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from conftest import bearer, isbn13
from served import (
    Answer,
    Server,
    ThrowawayPostgres,
    ThrowawayRedis,
    call,
    gunicorn,
    migrated_app,
    production_environment,
    throwaway_postgres,
    throwaway_redis,
    wait_for,
)

from app.services import auth, authors, books, users

# The app gives up on a dead backend after its connect timeout (3 s); allow for a busy machine.
ANSWER_WITHIN_SECONDS = 8.0
RECOVER_WITHIN_SECONDS = 20.0


@dataclass(frozen=True)
class Stack:
    """The app under gunicorn, the services it runs on, a member's headers and a book."""

    server: Server
    postgres: ThrowawayPostgres
    redis: ThrowawayRedis
    headers: dict[str, str]
    book_id: int

    def get(self, path: str, *, signed_in: bool = False) -> Answer:
        """GET ``path``, as the member when ``signed_in``."""
        return call("GET", self.server.url + path, headers=self.headers if signed_in else None)

    def wait_until_ready(self) -> None:
        """Wait for ``/readyz`` to answer 200 again, as a load balancer would."""
        wait_for(
            lambda: self.get("/readyz").status == 200,
            seconds=RECOVER_WITHIN_SECONDS,
            what="/readyz to recover",
        )


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Throwaway PostgreSQL and Redis, migrated and seeded, then gunicorn (2 workers) on them."""
    with throwaway_postgres() as postgres, throwaway_redis() as redis_server:
        environment = production_environment(database_url=postgres.url, redis_url=redis_server.url)
        with migrated_app(postgres.url, environment) as app, app.app_context():
            user = users.create_user(
                email="reader@example.org", password="a-long-password", name="R"
            )
            headers = bearer(auth.issue_tokens(user).access_token)
            author = authors.create_author(name="Mary Shelley")
            book = books.create_book(
                title="Frankenstein",
                isbn=isbn13(1),
                author_id=author.id,
                published_year=1818,
                copies_total=2,
            )
            book_id = book.id
        with gunicorn(environment, log_dir=tmp_path_factory.mktemp("faults")) as server:
            yield Stack(server, postgres, redis_server, headers, book_id)


def assert_clean_503(answer: Answer) -> None:
    """A quick JSON 503 ``service_unavailable`` that gives nothing of the server's insides away."""
    assert answer.status == 503
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.json["code"] == "service_unavailable"
    assert set(answer.json) == {"code", "message", "details", "request_id"}
    assert b"Traceback" not in answer.body
    assert answer.seconds < ANSWER_WITHIN_SECONDS


def test_database_outage_answers_503_and_heals_without_a_restart(stack: Stack) -> None:
    assert stack.get("/readyz").status == 200
    assert stack.get("/api/v1/loans", signed_in=True).status == 200
    workers = stack.server.process.pid
    stack.postgres.stop()
    try:
        ready = stack.get("/readyz")
        assert_clean_503(ready)
        assert ready.json["details"]["checks"] == {"database": "unavailable", "redis": "ok"}
        for path in ("/api/v1/loans", "/api/v1/auth/me", "/api/v1/books?q=uncached"):
            assert_clean_503(stack.get(path, signed_in=True))
        assert stack.get("/healthz").status == 200
    finally:
        stack.postgres.start()
    stack.wait_until_ready()
    # Every worker's pool drops its dead connections (pre-ping) and serves again.
    for _ in range(8):
        assert stack.get("/api/v1/loans", signed_in=True).status == 200
    assert stack.server.process.poll() is None
    assert stack.server.process.pid == workers


def sign_up(stack: Stack, email: str) -> dict[str, str]:
    """Register a member through the API, sign in, and return their headers."""
    account = {"email": email, "password": "a-long-password"}
    url = stack.server.url + "/api/v1/auth"
    assert call("POST", url + "/register", body={**account, "name": "S"}).status == 201
    signed_in = call("POST", url + "/login", body=account)
    assert signed_in.status == 200
    return bearer(signed_in.json["access_token"])


def test_redis_outage_keeps_the_api_serving_and_readiness_says_why(stack: Stack) -> None:
    leaving = sign_up(stack, "leaving@example.org")
    stack.redis.stop()
    try:
        ready = stack.get("/readyz")
        assert ready.status == 503
        assert ready.json["details"]["checks"] == {"database": "ok", "redis": "unavailable"}
        assert ready.seconds < ANSWER_WITHIN_SECONDS
        for path in ("/api/v1/books", f"/api/v1/books/{stack.book_id}", "/api/v1/authors"):
            answer = stack.get(path)
            assert answer.status == 200, answer.body
            assert answer.seconds < ANSWER_WITHIN_SECONDS
        # Signed-in calls check the token in the database instead of the Redis copy.
        assert stack.get("/api/v1/loans", signed_in=True).status == 200
        logout = call("POST", stack.server.url + "/api/v1/auth/logout", headers=leaving)
        assert logout.status == 204
        assert stack.get("/healthz").status == 200
    finally:
        stack.redis.start()
    stack.wait_until_ready()
    # Redis came back empty; the logout made while it was down holds, whichever worker answers.
    for _ in range(8):
        assert stack.get("/api/v1/loans", signed_in=True).status == 200
        refused = call("GET", stack.server.url + "/api/v1/auth/me", headers=leaving)
        assert refused.status == 401
        assert refused.json["code"] == "token_revoked"
