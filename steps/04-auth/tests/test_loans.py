"""Loans: borrowing and returning, the rules of stock and limits, and who may see what."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from conftest import AuthHeaders, MakeBook
from flask.testing import FlaskClient
from sqlalchemy import delete

from app.extensions import db
from app.models import Loan
from app.services import loans

# Every loan route needs a signed-in user, so every test here relies on task 04.2.
pytestmark = pytest.mark.task("04.2")

LOANS = "/api/v1/loans"


def borrow(client: FlaskClient, book_id: int, headers: dict[str, str]) -> Any:
    """POST /loans for ``book_id``."""
    return client.post(LOANS, json={"book_id": book_id}, headers=headers)


def test_borrowing_answers_an_active_loan_due_in_14_days(
    client: FlaskClient, member: dict[str, str], make_book: MakeBook
) -> None:
    book_id = make_book(copies=2)
    response = borrow(client, book_id, member)
    assert response.status_code == 201
    loan = response.get_json()
    assert set(loan) == {"id", "book_id", "user_id", "loaned_at", "due_at", "returned_at", "status"}
    assert loan["book_id"] == book_id
    assert loan["status"] == "active"
    assert loan["returned_at"] is None
    loaned_at = datetime.fromisoformat(loan["loaned_at"])
    assert loaned_at.utcoffset() == timedelta(0)
    assert datetime.fromisoformat(loan["due_at"]) - loaned_at == timedelta(days=14)
    assert client.get(f"/api/v1/books/{book_id}").get_json()["copies_available"] == 1


def test_borrowing_an_unknown_book_is_404(client: FlaskClient, member: dict[str, str]) -> None:
    response = borrow(client, 4242, member)
    assert response.status_code == 404
    assert response.get_json()["code"] == "not_found"


@pytest.mark.parametrize("book_id", ["1", 0, 2**31, None, 1.5])
def test_invalid_book_id_is_422(client: FlaskClient, member: dict[str, str], book_id: Any) -> None:
    response = client.post(LOANS, json={"book_id": book_id}, headers=member)
    assert response.status_code == 422
    assert "book_id" in response.get_json()["details"]


def test_no_copy_left_is_409_book_unavailable(
    client: FlaskClient,
    make_book: MakeBook,
    auth_headers: AuthHeaders,
) -> None:
    book_id = make_book(copies=1)
    assert borrow(client, book_id, auth_headers("member")).status_code == 201
    response = borrow(client, book_id, auth_headers("member"))
    assert response.status_code == 409
    assert response.get_json()["code"] == "book_unavailable"


def test_borrowing_the_same_book_twice_is_409_already_borrowed(
    client: FlaskClient, member: dict[str, str], make_book: MakeBook
) -> None:
    book_id = make_book(copies=3)
    borrow(client, book_id, member)
    response = borrow(client, book_id, member)
    assert response.status_code == 409
    assert response.get_json()["code"] == "already_borrowed"


def test_a_sixth_loan_is_409_loan_limit_reached(
    client: FlaskClient, member: dict[str, str], make_book: MakeBook
) -> None:
    for _ in range(5):
        assert borrow(client, make_book(), member).status_code == 201
    response = borrow(client, make_book(), member)
    assert response.status_code == 409
    assert response.get_json()["code"] == "loan_limit_reached"


def test_returning_frees_the_copy_and_a_second_return_is_409(
    client: FlaskClient, member: dict[str, str], make_book: MakeBook
) -> None:
    book_id = make_book(copies=1)
    loan = borrow(client, book_id, member).get_json()
    response = client.post(f"{LOANS}/{loan['id']}/return", headers=member)
    assert response.status_code == 200
    returned = response.get_json()
    assert returned["status"] == "returned"
    assert returned["returned_at"] is not None
    assert client.get(f"/api/v1/books/{book_id}").get_json()["copies_available"] == 1
    again = client.post(f"{LOANS}/{loan['id']}/return", headers=member)
    assert again.status_code == 409
    assert again.get_json()["code"] == "already_returned"
    assert borrow(client, book_id, member).status_code == 201


def test_members_see_only_their_own_loans(
    client: FlaskClient,
    member: dict[str, str],
    make_book: MakeBook,
    auth_headers: AuthHeaders,
) -> None:
    mine = borrow(client, make_book(), member).get_json()
    other = auth_headers("member")
    theirs = borrow(client, make_book(), other).get_json()
    listed = client.get(LOANS, headers=member).get_json()
    assert [loan["id"] for loan in listed["items"]] == [mine["id"]]
    assert client.get(f"{LOANS}/{theirs['id']}", headers=member).status_code == 404
    assert client.post(f"{LOANS}/{theirs['id']}/return", headers=member).status_code == 404
    filtered = client.get(f"{LOANS}?user_id={theirs['user_id']}", headers=member).get_json()
    assert filtered["items"] == []


def test_staff_see_and_return_every_loan_and_filter_them(
    client: FlaskClient,
    member: dict[str, str],
    make_book: MakeBook,
    auth_headers: AuthHeaders,
) -> None:
    first = borrow(client, make_book(), member).get_json()
    second = borrow(client, make_book(), auth_headers("member")).get_json()
    staff = auth_headers("librarian")
    assert client.get(LOANS, headers=staff).get_json()["total"] == 2
    by_user = client.get(f"{LOANS}?user_id={first['user_id']}", headers=staff).get_json()
    assert [loan["id"] for loan in by_user["items"]] == [first["id"]]
    assert client.get(f"{LOANS}/{second['id']}", headers=staff).status_code == 200
    assert client.post(f"{LOANS}/{second['id']}/return", headers=staff).status_code == 200
    active = client.get(f"{LOANS}?status=active", headers=staff).get_json()
    returned = client.get(f"{LOANS}?status=returned", headers=staff).get_json()
    assert [loan["id"] for loan in active["items"]] == [first["id"]]
    assert [loan["id"] for loan in returned["items"]] == [second["id"]]


def test_loans_sort_by_due_date_descending(
    client: FlaskClient, member: dict[str, str], make_book: MakeBook
) -> None:
    ids = [borrow(client, make_book(), member).get_json()["id"] for _ in range(3)]
    listed = client.get(f"{LOANS}?sort=-due_at", headers=member).get_json()
    assert [loan["id"] for loan in listed["items"]] == list(reversed(ids))


def test_unknown_loan_is_404(client: FlaskClient, member: dict[str, str]) -> None:
    for loan_id in (4242, 99999999999999999999):
        assert client.get(f"{LOANS}/{loan_id}", headers=member).status_code == 404


@pytest.mark.parametrize("query", ["status=lost", "user_id=0", "user_id=%201", "sort=title"])
def test_bad_loan_filters_are_422(client: FlaskClient, member: dict[str, str], query: str) -> None:
    assert client.get(f"{LOANS}?{query}", headers=member).status_code == 422


def test_a_loan_deleted_while_it_is_answered_still_gets_its_201(
    client: FlaskClient,
    make_book: MakeBook,
    member: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The borrower is deleted, loans and all, by another request between the borrow's commit and
    # its answer: the answer shows the loan as committed, not a 500 from reading back a lost row.
    book_id = make_book()
    borrow = loans.borrow_book

    def borrow_then_lose_the_row(**arguments: Any) -> Loan:
        loan = borrow(**arguments)
        with db.engine.begin() as connection:
            connection.execute(delete(Loan).where(Loan.book_id == book_id))
        return loan

    monkeypatch.setattr(loans, "borrow_book", borrow_then_lose_the_row)
    response = client.post("/api/v1/loans", json={"book_id": book_id}, headers=member)
    assert response.status_code == 201
    assert response.get_json()["book_id"] == book_id
