"""Users: created by email and name (until step 04 brings registration), read, changed, deleted."""

from __future__ import annotations

import pytest
from conftest import MakeBook, MakeUser
from flask.testing import FlaskClient

USERS = "/api/v1/users"


def test_creating_a_user_stores_the_email_in_lower_case(client: FlaskClient) -> None:
    response = client.post(USERS, json={"email": "Ada@Example.org", "name": "Ada"})
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"id", "email", "name", "created_at"}
    assert body["email"] == "ada@example.org"
    assert client.get(f"{USERS}/{body['id']}").get_json() == body


def test_an_email_in_use_in_any_case_is_409_email_taken(
    client: FlaskClient, make_user: MakeUser
) -> None:
    make_user(email="ada@example.org")
    response = client.post(USERS, json={"email": "ADA@example.org", "name": "Ada"})
    assert response.status_code == 409
    assert response.get_json()["code"] == "email_taken"


@pytest.mark.task("03.1")
@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({}, {"email", "name"}),
        ({"email": "ada", "name": "Ada"}, {"email"}),
        ({"email": "ada@example", "name": "Ada"}, {"email"}),
        ({"email": "a@example.org", "name": "x" * 101}, {"name"}),
        ({"email": "a@example.org", "name": "Ada", "role": "admin"}, {"role"}),
    ],
    ids=["empty", "not-an-email", "no-domain", "long-name", "unknown-field"],
)
def test_invalid_user_is_422(
    client: FlaskClient, payload: dict[str, str], fields: set[str]
) -> None:
    response = client.post(USERS, json=payload)
    assert response.status_code == 422
    assert set(response.get_json()["details"]) == fields


@pytest.mark.task("02.1")
def test_users_are_listed_a_page_at_a_time(client: FlaskClient, make_user: MakeUser) -> None:
    ids = [make_user().id for _ in range(3)]
    body = client.get(f"{USERS}?per_page=2").get_json()
    assert [user["id"] for user in body["items"]] == ids[:2]
    assert (body["page"], body["per_page"], body["total"]) == (1, 2, 3)


@pytest.mark.task("03.4")
def test_users_sort_by_email_descending(client: FlaskClient, make_user: MakeUser) -> None:
    make_user(email="aaa@example.org")
    make_user(email="zzz@example.org")
    emails = [user["email"] for user in client.get(f"{USERS}?sort=-email").get_json()["items"]]
    assert emails == ["zzz@example.org", "aaa@example.org"]


@pytest.mark.task("03.1")
def test_changing_anything_but_the_name_is_422(client: FlaskClient, make_user: MakeUser) -> None:
    user = make_user()
    response = client.patch(f"{USERS}/{user.id}", json={"email": "x@example.org"})
    assert response.status_code == 422
    assert set(response.get_json()["details"]) == {"email"}


def test_a_user_changes_their_name(client: FlaskClient, make_user: MakeUser) -> None:
    user = make_user()
    response = client.patch(f"{USERS}/{user.id}", json={"name": "Renamed"})
    assert response.status_code == 200
    assert response.get_json()["name"] == "Renamed"
    assert response.get_json()["email"] == user.email


def test_missing_user_is_404(client: FlaskClient) -> None:
    for user_id in (4242, 99999999999999999999):
        response = client.get(f"{USERS}/{user_id}")
        assert response.status_code == 404
        assert response.get_json()["code"] == "not_found"
    assert client.get(f"{USERS}/4242/loans").status_code == 404


@pytest.mark.task("02.2")
def test_deleting_a_user_puts_their_copies_back_on_the_shelf(
    client: FlaskClient, make_user: MakeUser, make_book: MakeBook
) -> None:
    user = make_user()
    book_id = make_book(copies=1)
    borrowed = client.post("/api/v1/loans", json={"book_id": book_id, "user_id": user.id})
    assert borrowed.status_code == 201
    assert client.delete(f"{USERS}/{user.id}").status_code == 204
    assert client.get(f"{USERS}/{user.id}").status_code == 404
    assert client.get(f"/api/v1/books/{book_id}").get_json()["copies_available"] == 1


@pytest.mark.task("02.2")
def test_a_users_loans_are_listed_under_the_user(
    client: FlaskClient, make_user: MakeUser, make_book: MakeBook
) -> None:
    user, other = make_user(), make_user()
    for borrower in (user, other):
        client.post("/api/v1/loans", json={"book_id": make_book(), "user_id": borrower.id})
    body = client.get(f"{USERS}/{user.id}/loans").get_json()
    assert body["total"] == 1
    assert body["items"][0]["user_id"] == user.id
