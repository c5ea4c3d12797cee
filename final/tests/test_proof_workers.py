"""Proofs against gunicorn with two worker processes on PostgreSQL and Redis, as production runs.

Races between processes (the last copy, one Idempotency-Key retried at once) and state that must
be shared by every worker (rate-limit counters, revoked tokens) can only be shown here: one
process with threads would share memory that two workers do not. Every answer says which worker
sent it (see worker_wsgi.py), and each proof checks that more than one worker took part.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pytest
import redis
from conftest import SERVER_DATABASE_URL, SERVER_REDIS_URL, bearer, isbn13, require_service
from flask import Flask
from isolation import leased_redis_database, postgres_schema
from served import Answer, Server, call, gunicorn, migrated_app, production_environment
from sqlalchemy import func, select

from app.extensions import db
from app.models import Book, Loan
from app.services import auth, authors, books, users

LOGIN_LIMIT = 5
# A gthread worker accepts up to worker_connections (1000) connections and queues them for its
# threads, so one worker that wakes first takes a whole burst while the other idles. Capping it
# at its two threads leaves the rest of a burst in the listen queue for the other worker.
SPREAD_OVER_WORKERS = ("--worker-connections", "2")


@dataclass(frozen=True)
class Deployment:
    """The running server and an in-process app on the same database and JWT secret."""

    server: Server
    app: Flask
    redis_url: str
    counter: Iterator[int]

    def url(self, path: str) -> str:
        """The server's URL of ``path``."""
        return self.server.url + path

    def members(self, count: int) -> list[dict[str, str]]:
        """Create ``count`` members and return their Authorization headers."""
        headers = []
        with self.app.app_context():
            for _ in range(count):
                number = next(self.counter)
                user = users.create_user(
                    email=f"member{number}@example.org", password="a-long-password", name="M"
                )
                headers.append(bearer(auth.issue_tokens(user).access_token))
        return headers

    def admin(self) -> dict[str, str]:
        """Create an admin and return their Authorization header."""
        number = next(self.counter)
        with self.app.app_context():
            user = users.create_user(
                email=f"admin{number}@example.org",
                password="a-long-password",
                name="A",
                role="admin",
            )
            return bearer(auth.issue_tokens(user).access_token)

    def book(self, copies: int) -> int:
        """Create a book with ``copies`` copies and return its id."""
        number = next(self.counter)
        with self.app.app_context():
            author = authors.create_author(name=f"Author {number}")
            created = books.create_book(
                title=f"Book {number}",
                isbn=isbn13(number),
                author_id=author.id,
                published_year=1900,
                copies_total=copies,
            )
            return created.id

    def stock(self, book_id: int) -> tuple[int, int, int]:
        """``(copies_available, copies_total, active loans)`` read in one statement."""
        active = (
            select(func.count())
            .where(Loan.book_id == book_id, Loan.returned_at.is_(None))
            .scalar_subquery()
        )
        statement = select(Book.copies_available, Book.copies_total, active).where(
            Book.id == book_id
        )
        with self.app.app_context():
            row = db.session.execute(statement).one()
            db.session.remove()
        return int(row[0]), int(row[1]), int(row[2])


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    """Migrate a fresh schema, then start gunicorn (2 workers) on it with its own Redis database."""
    require_service("TEST_DATABASE_URL")
    require_service("TEST_REDIS_URL")
    with (
        postgres_schema(SERVER_DATABASE_URL, prefix="proof") as database_url,
        leased_redis_database(SERVER_REDIS_URL) as redis_url,
    ):
        environment = production_environment(database_url=database_url, redis_url=redis_url)
        environment |= {
            "RATELIMIT_ENABLED": "true",
            "RATELIMIT_DEFAULT": "100000 per minute",
            "RATELIMIT_LOGIN_ACCOUNT": f"{LOGIN_LIMIT} per 10 minutes",
        }
        log_dir: Path = tmp_path_factory.mktemp("workers")
        with (
            migrated_app(database_url, environment) as app,
            gunicorn(environment, log_dir=log_dir, options=SPREAD_OVER_WORKERS) as server,
        ):
            yield Deployment(server, app, redis_url, iter(range(1, 10**6)))


def all_at_once(count: int, send: Callable[[int], Answer]) -> list[Answer]:
    """Send ``count`` requests from ``count`` threads released together by a barrier."""
    barrier = threading.Barrier(count)

    def released(number: int) -> Answer:
        barrier.wait()
        return send(number)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(released, range(count)))


def all_together(senders: list[Callable[[], Answer]]) -> list[Answer]:
    """Send one request per sender, every one from its own thread, released together."""
    return all_at_once(len(senders), lambda number: senders[number]())


def borrow(deployment: Deployment, headers: dict[str, str], book_id: int) -> Answer:
    """POST /api/v1/loans for ``book_id``."""
    return call("POST", deployment.url("/api/v1/loans"), body={"book_id": book_id}, headers=headers)


def until_every_worker_answered(send: Callable[[], Answer], limit: int = 200) -> list[Answer]:
    """Send one request after another until two workers have answered (at most ``limit``).

    The kernel chooses which idle worker accepts a connection, and on a busy machine a dozen
    requests in a row often all go to the same one.
    """
    answers: list[Answer] = []
    while len({answer.pid for answer in answers}) < 2 and len(answers) < limit:
        answers.append(send())
    return answers


def assert_workers_shared(answers: list[Answer]) -> None:
    """More than one worker process answered."""
    assert len({answer.pid for answer in answers}) >= 2, "every answer came from one worker"


@pytest.mark.parametrize(("copies", "borrowers"), [(1, 32), (10, 50)])
def test_borrowers_racing_for_the_copies_get_exactly_that_many_loans(
    deployment: Deployment, copies: int, borrowers: int
) -> None:
    book_id = deployment.book(copies)
    headers = deployment.members(borrowers)
    answers = all_at_once(borrowers, lambda n: borrow(deployment, headers[n], book_id))
    statuses = sorted(answer.status for answer in answers)
    assert statuses == [201] * copies + [409] * (borrowers - copies)
    refused = [answer.json for answer in answers if answer.status == 409]
    assert {body["code"] for body in refused} == {"book_unavailable"}
    assert_workers_shared(answers)
    assert deployment.stock(book_id) == (0, copies, copies)
    shown = call("GET", deployment.url(f"/api/v1/books/{book_id}")).json
    assert shown["copies_available"] == 0


def test_returns_racing_with_loans_keep_the_stock_in_step(deployment: Deployment) -> None:
    copies, borrowers, rounds = 3, 12, 3
    book_id = deployment.book(copies)
    headers = deployment.members(borrowers)
    samples: list[tuple[int, int, int]] = []
    racing = threading.Event()

    def sample_stock() -> None:
        while racing.is_set():
            samples.append(deployment.stock(book_id))

    def borrow_and_return_twice(number: int) -> list[Answer]:
        answers = []
        for _ in range(rounds):
            loan = borrow(deployment, headers[number], book_id)
            answers.append(loan)
            if loan.status == 201:
                url = deployment.url(f"/api/v1/loans/{loan.json['id']}/return")
                # Two returns of one loan at once: exactly one may put the copy back.
                returns = all_at_once(
                    2, lambda _, url=url: call("POST", url, headers=headers[number])
                )
                assert sorted(r.status for r in returns) == [200, 409]
                answers += returns
        return answers

    racing.set()
    sampler = threading.Thread(target=sample_stock)
    sampler.start()
    try:
        answers = [a for batch in all_at_once(borrowers, borrow_and_return_twice) for a in batch]
    finally:
        racing.clear()
        sampler.join()
    assert {a.status for a in answers} <= {200, 201, 409}
    assert any(a.status == 201 for a in answers)
    assert_workers_shared(answers)
    assert samples, "the sampler read the stock at least once"
    for available, total, active in samples:
        assert available + active == total
        assert 0 <= available <= total
    assert deployment.stock(book_id) == (copies, copies, 0)


def test_deleting_a_user_while_they_borrow_loses_no_copy(deployment: Deployment) -> None:
    rounds, titles, copies = 8, 4, 2
    admin = deployment.admin()
    book_ids = [deployment.book(copies) for _ in range(titles)]
    answers: list[Answer] = []
    for _ in range(rounds):
        doomed, neighbour = deployment.members(2)
        user_id = call("GET", deployment.url("/api/v1/auth/me"), headers=doomed).json["id"]
        url = deployment.url(f"/api/v1/users/{user_id}")

        # One deletion among the doomed user's borrows of every title, and a neighbour's.
        batch = all_together(
            [partial(call, "DELETE", url, headers=admin)]
            + [partial(borrow, deployment, doomed, book_id) for book_id in book_ids]
            + [partial(borrow, deployment, neighbour, book_id) for book_id in book_ids]
        )
        assert batch[0].status == 204
        answers += batch
        # The neighbour gives their copies back, so the next round finds every title in stock.
        for loan in call("GET", deployment.url("/api/v1/loans"), headers=neighbour).json["items"]:
            call("POST", deployment.url(f"/api/v1/loans/{loan['id']}/return"), headers=neighbour)
    assert all(answer.status < 500 for answer in answers), [a.status for a in answers]
    assert {answer.status for answer in answers} <= {201, 204, 401, 404, 409}
    assert_workers_shared(answers)
    for book_id in book_ids:
        assert deployment.stock(book_id) == (copies, copies, 0)


def test_20_concurrent_retries_with_one_key_make_one_loan(deployment: Deployment) -> None:
    book_id = deployment.book(5)
    headers = {**deployment.members(1)[0], "Idempotency-Key": "one-loan-please"}
    answers = all_at_once(20, lambda _: borrow(deployment, headers, book_id))
    assert [answer.status for answer in answers] == [201] * 20
    assert len({answer.json["id"] for answer in answers}) == 1
    assert sum(answer.headers.get("Idempotent-Replayed") == "true" for answer in answers) == 19
    assert_workers_shared(answers)
    assert deployment.stock(book_id) == (4, 5, 1)


def test_login_limit_holds_across_workers(deployment: Deployment) -> None:
    url = deployment.url("/api/v1/auth/login")
    body = {"email": "nobody@example.org", "password": "wrong-password"}
    answers = [call("POST", url, body=body) for _ in range(4 * LOGIN_LIMIT)]
    counted = [answer for answer in answers if answer.status != 429]
    # Per-worker counters in memory would let each worker take its own five attempts.
    assert [answer.status for answer in counted] == [401] * LOGIN_LIMIT
    assert all(answer.status == 401 for answer in answers[:LOGIN_LIMIT])
    assert_workers_shared(answers)
    for limited in answers[LOGIN_LIMIT:]:
        assert limited.status == 429
        assert limited.json["code"] == "rate_limited"
        assert 0 < int(limited.headers["Retry-After"]) <= 600
    with redis.Redis.from_url(deployment.redis_url) as client:
        assert any(b"login" in key or b"address" in key for key in client.scan_iter())


def test_logout_on_one_worker_revokes_the_token_on_every_worker(deployment: Deployment) -> None:
    headers = deployment.members(1)[0]
    me = deployment.url("/api/v1/auth/me")
    before = until_every_worker_answered(lambda: call("GET", me, headers=headers))
    assert {answer.status for answer in before} == {200}
    assert_workers_shared(before)
    logout = call("POST", deployment.url("/api/v1/auth/logout"), headers=headers)
    assert logout.status == 204
    after = until_every_worker_answered(lambda: call("GET", me, headers=headers))
    assert {(answer.status, answer.json["code"]) for answer in after} == {(401, "token_revoked")}
    assert_workers_shared(after)
    with redis.Redis.from_url(deployment.redis_url) as client:
        assert list(client.scan_iter("revoked-token:*")), "the revocation lives in Redis"
