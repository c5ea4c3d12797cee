"""POST /loans with an Idempotency-Key: a retry replays the first answer, never a second loan."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import AuthHeaders, MakeBook
from flask.testing import FlaskClient

LOANS = "/api/v1/loans"


def borrow(client: FlaskClient, book_id: int, headers: dict[str, str], key: str) -> Any:
    return client.post(
        LOANS, json={"book_id": book_id}, headers={**headers, "Idempotency-Key": key}
    )


def test_same_key_and_body_replay_the_first_response(
    client: FlaskClient, member: dict[str, str], make_book: MakeBook
) -> None:
    book_id = make_book(copies=5)
    first = borrow(client, book_id, member, "key-1")
    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first.headers
    replay = borrow(client, book_id, member, "key-1")
    assert replay.status_code == 201
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.get_json() == first.get_json()
    assert client.get(LOANS, headers=member).get_json()["total"] == 1
    assert client.get(f"/api/v1/books/{book_id}").get_json()["copies_available"] == 4


def test_replay_answers_the_first_body_even_after_the_loan_changed(
    client: FlaskClient, member: dict[str, str], make_book: MakeBook
) -> None:
    book_id = make_book()
    first = borrow(client, book_id, member, "key-1").get_json()
    client.post(f"{LOANS}/{first['id']}/return", headers=member)
    replay = borrow(client, book_id, member, "key-1")
    assert replay.get_json() == first
    assert replay.get_json()["status"] == "active"


def test_same_key_with_another_body_is_422_idempotency_key_reused(
    client: FlaskClient, member: dict[str, str], make_book: MakeBook
) -> None:
    borrow(client, make_book(), member, "key-1")
    response = borrow(client, make_book(), member, "key-1")
    assert response.status_code == 422
    assert response.get_json()["code"] == "idempotency_key_reused"
    assert client.get(LOANS, headers=member).get_json()["total"] == 1


def test_keys_belong_to_one_user(
    client: FlaskClient,
    member: dict[str, str],
    make_book: MakeBook,
    auth_headers: AuthHeaders,
) -> None:
    book_id = make_book(copies=2)
    mine = borrow(client, book_id, member, "shared-key")
    theirs = borrow(client, book_id, auth_headers("member"), "shared-key")
    assert theirs.status_code == 201
    assert "Idempotent-Replayed" not in theirs.headers
    assert theirs.get_json()["id"] != mine.get_json()["id"]


def test_a_failed_first_attempt_is_not_stored(
    client: FlaskClient,
    member: dict[str, str],
    make_book: MakeBook,
    auth_headers: AuthHeaders,
) -> None:
    book_id = make_book(copies=1)
    other = auth_headers("member")
    loan = borrow(client, book_id, other, "theirs").get_json()
    assert borrow(client, book_id, member, "key-1").status_code == 409
    client.post(f"{LOANS}/{loan['id']}/return", headers=other)
    retry = borrow(client, book_id, member, "key-1")
    assert retry.status_code == 201
    assert "Idempotent-Replayed" not in retry.headers


@pytest.mark.parametrize("key", ["", "k" * 256])
def test_empty_or_overlong_key_is_422(
    client: FlaskClient, member: dict[str, str], make_book: MakeBook, key: str
) -> None:
    response = borrow(client, make_book(), member, key)
    assert response.status_code == 422
    assert "Idempotency-Key" in response.get_json()["details"]
