"""Loans: borrowing and returning, and the rules of stock and limits the services enforce."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from conftest import MakeBook, MakeUser
from flask.testing import FlaskClient

LOANS = "/api/v1/loans"


@pytest.fixture
def member(make_user: MakeUser) -> int:
    """The id of a user who borrows."""
    return make_user().id


def borrow(client: FlaskClient, book_id: int, user_id: int) -> Any:
    """POST /loans for ``book_id``, borrowed by ``user_id``."""
    return client.post(LOANS, json={"book_id": book_id, "user_id": user_id})


@pytest.mark.task("02.2")
def test_borrowing_answers_an_active_loan_due_in_14_days(
    client: FlaskClient, member: int, make_book: MakeBook
) -> None:
    book_id = make_book(copies=2)
    response = borrow(client, book_id, member)
    assert response.status_code == 201
    loan = response.get_json()
    assert set(loan) == {"id", "book_id", "user_id", "loaned_at", "due_at", "returned_at", "status"}
    assert (loan["book_id"], loan["user_id"]) == (book_id, member)
    assert loan["status"] == "active"
    assert loan["returned_at"] is None
    loaned_at = datetime.fromisoformat(loan["loaned_at"])
    assert loaned_at.utcoffset() == timedelta(0)
    assert datetime.fromisoformat(loan["due_at"]) - loaned_at == timedelta(days=14)
    assert client.get(f"/api/v1/books/{book_id}").get_json()["copies_available"] == 1
    assert client.get(f"{LOANS}/{loan['id']}").get_json() == loan


@pytest.mark.parametrize("unknown", ["book", "user"])
def test_borrowing_for_an_unknown_book_or_user_is_404(
    client: FlaskClient, member: int, make_book: MakeBook, unknown: str
) -> None:
    book_id, user_id = (4242, member) if unknown == "book" else (make_book(), 4242)
    response = borrow(client, book_id, user_id)
    assert response.status_code == 404
    assert response.get_json()["code"] == "not_found"


@pytest.mark.task("03.1")
@pytest.mark.parametrize("book_id", ["1", 0, 2**31, None, 1.5])
def test_invalid_book_id_is_422(client: FlaskClient, member: int, book_id: Any) -> None:
    response = client.post(LOANS, json={"book_id": book_id, "user_id": member})
    assert response.status_code == 422
    assert "book_id" in response.get_json()["details"]


@pytest.mark.task("02.2")
def test_no_copy_left_is_409_book_unavailable(
    client: FlaskClient, make_book: MakeBook, make_user: MakeUser
) -> None:
    book_id = make_book(copies=1)
    assert borrow(client, book_id, make_user().id).status_code == 201
    response = borrow(client, book_id, make_user().id)
    assert response.status_code == 409
    assert response.get_json()["code"] == "book_unavailable"
    assert client.get(f"/api/v1/books/{book_id}").get_json()["copies_available"] == 0


@pytest.mark.task("02.2")
def test_borrowing_the_same_book_twice_is_409_already_borrowed(
    client: FlaskClient, member: int, make_book: MakeBook
) -> None:
    book_id = make_book(copies=3)
    assert borrow(client, book_id, member).status_code == 201
    response = borrow(client, book_id, member)
    assert response.status_code == 409
    assert response.get_json()["code"] == "already_borrowed"


@pytest.mark.task("02.2")
def test_a_sixth_loan_is_409_loan_limit_reached(
    client: FlaskClient, member: int, make_book: MakeBook
) -> None:
    for _ in range(5):
        assert borrow(client, make_book(), member).status_code == 201
    response = borrow(client, make_book(), member)
    assert response.status_code == 409
    assert response.get_json()["code"] == "loan_limit_reached"


@pytest.mark.task("02.3")
def test_returning_frees_the_copy_and_a_second_return_is_409(
    client: FlaskClient, member: int, make_book: MakeBook
) -> None:
    book_id = make_book(copies=1)
    loan = borrow(client, book_id, member).get_json()
    response = client.post(f"{LOANS}/{loan['id']}/return")
    assert response.status_code == 200
    returned = response.get_json()
    assert returned["status"] == "returned"
    assert returned["returned_at"] is not None
    assert client.get(f"/api/v1/books/{book_id}").get_json()["copies_available"] == 1
    again = client.post(f"{LOANS}/{loan['id']}/return")
    assert again.status_code == 409
    assert again.get_json()["code"] == "already_returned"
    assert borrow(client, book_id, member).status_code == 201


@pytest.mark.task("02.2")
def test_loans_are_listed_a_page_at_a_time(
    client: FlaskClient, member: int, make_book: MakeBook
) -> None:
    ids = [borrow(client, make_book(), member).get_json()["id"] for _ in range(3)]
    body = client.get(f"{LOANS}?per_page=2&page=2").get_json()
    assert [loan["id"] for loan in body["items"]] == ids[2:]
    assert (body["page"], body["per_page"], body["total"]) == (2, 2, 3)


@pytest.mark.parametrize("action", ["get", "return"])
def test_unknown_loan_is_404(client: FlaskClient, action: str) -> None:
    for loan_id in (4242, 99999999999999999999):
        if action == "get":
            response = client.get(f"{LOANS}/{loan_id}")
        else:
            response = client.post(f"{LOANS}/{loan_id}/return")
        assert response.status_code == 404


def test_loans_filter_by_user_and_status(
    client: FlaskClient, make_book: MakeBook, make_user: MakeUser
) -> None:
    first = borrow(client, make_book(), make_user().id).get_json()
    second = borrow(client, make_book(), make_user().id).get_json()
    by_user = client.get(f"{LOANS}?user_id={first['user_id']}").get_json()
    assert [loan["id"] for loan in by_user["items"]] == [first["id"]]
    assert client.post(f"{LOANS}/{second['id']}/return").status_code == 200
    active = client.get(f"{LOANS}?status=active").get_json()
    returned = client.get(f"{LOANS}?status=returned").get_json()
    assert [loan["id"] for loan in active["items"]] == [first["id"]]
    assert [loan["id"] for loan in returned["items"]] == [second["id"]]


@pytest.mark.task("03.4")
def test_loans_sort_by_due_date_descending(
    client: FlaskClient, member: int, make_book: MakeBook
) -> None:
    ids = [borrow(client, make_book(), member).get_json()["id"] for _ in range(3)]
    listed = client.get(f"{LOANS}?sort=-due_at").get_json()
    assert [loan["id"] for loan in listed["items"]] == list(reversed(ids))
    own = client.get(f"/api/v1/users/{member}/loans?sort=-due_at").get_json()
    assert [loan["id"] for loan in own["items"]] == list(reversed(ids))


@pytest.mark.task("03.1")
@pytest.mark.parametrize("query", ["status=lost", "user_id=0", "user_id=%201", "user_id=abc"])
def test_bad_loan_filters_are_422(client: FlaskClient, query: str) -> None:
    response = client.get(f"{LOANS}?{query}")
    assert response.status_code == 422
    assert set(response.get_json()["details"]) == {query.split("=")[0]}


@pytest.mark.task("03.4")
def test_sorting_loans_by_a_book_field_is_422(client: FlaskClient) -> None:
    response = client.get(f"{LOANS}?sort=title")
    assert response.status_code == 422
    assert set(response.get_json()["details"]) == {"sort"}
