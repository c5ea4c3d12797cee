"""Books: the catalogue in the database, its stock rules, and a constant number of queries."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from conftest import MakeAuthor, MakeBook, MakeUser
from flask.testing import FlaskClient

BOOKS = "/api/v1/books"
FRANKENSTEIN = "9780141439471"


def new_book(author_id: int, **overrides: Any) -> dict[str, Any]:
    """A valid body for POST /books."""
    return {"title": "Frankenstein", "isbn": FRANKENSTEIN, "author_id": author_id, **overrides}


def borrow(client: FlaskClient, book_id: int, user_id: int) -> Any:
    """POST /loans for ``book_id``, borrowed by ``user_id``."""
    return client.post("/api/v1/loans", json={"book_id": book_id, "user_id": user_id})


def test_creating_a_book_puts_every_copy_on_the_shelf(
    client: FlaskClient, make_author: MakeAuthor
) -> None:
    author_id = make_author(name="Mary Shelley")
    response = client.post(
        BOOKS, json=new_book(author_id, published_year=1818, copies_total=3, shelf="B2")
    )
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {
        "id",
        "title",
        "isbn",
        "author_id",
        "author",
        "published_year",
        "copies_total",
        "copies_available",
        "created_at",
    }
    assert body["isbn"] == FRANKENSTEIN
    assert body["author"] == {"id": author_id, "name": "Mary Shelley"}
    assert body["copies_total"] == body["copies_available"] == 3
    assert body["created_at"].endswith("+00:00")
    assert client.get(f"{BOOKS}/{body['id']}").get_json() == body


def test_each_book_gets_its_own_creation_time(client: FlaskClient, make_book: MakeBook) -> None:
    # A default of utc_now() (called once, at import) would give every row the same time.
    created = [client.get(f"{BOOKS}/{make_book()}").get_json()["created_at"] for _ in range(2)]
    assert created[0] < created[1]


def test_duplicate_isbn_is_409_isbn_taken(client: FlaskClient, make_book: MakeBook) -> None:
    book_id = make_book(isbn=FRANKENSTEIN)
    author_id = client.get(f"{BOOKS}/{book_id}").get_json()["author_id"]
    response = client.post(BOOKS, json=new_book(author_id))
    assert response.status_code == 409
    assert response.get_json()["code"] == "isbn_taken"
    other = make_book()
    clash = client.patch(f"{BOOKS}/{other}", json={"isbn": FRANKENSTEIN})
    assert clash.status_code == 409
    assert clash.get_json()["code"] == "isbn_taken"


def test_unknown_author_is_422_naming_author_id(client: FlaskClient) -> None:
    response = client.post(BOOKS, json=new_book(4242))
    assert response.status_code == 422
    assert "author_id" in response.get_json()["details"]


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({"title": " ", "copies_total": -1}, {"title", "isbn", "author_id", "copies_total"}),
        ({"title": "T", "isbn": "1", "author_id": "1"}, {"author_id"}),
        ({"title": "T", "isbn": "1", "author_id": 1, "published_year": True}, {"published_year"}),
    ],
    ids=["missing-and-negative", "id-as-string", "year-as-boolean"],
)
def test_invalid_book_fields_are_422_all_at_once(
    client: FlaskClient, payload: dict[str, Any], fields: set[str]
) -> None:
    response = client.post(BOOKS, json=payload)
    assert response.status_code == 422
    body = response.get_json()
    assert body["code"] == "validation_error"
    assert set(body["details"]) == fields


def test_a_json_list_is_422(client: FlaskClient) -> None:
    response = client.post(BOOKS, json=["Emma"])
    assert response.status_code == 422
    assert response.get_json()["details"] == {"_body": ["Expected a JSON object."]}


@pytest.mark.task("02.2")
def test_update_changes_fields_and_keeps_copies_on_loan(
    client: FlaskClient,
    make_book: MakeBook,
    make_author: MakeAuthor,
    make_user: MakeUser,
) -> None:
    book_id = make_book(copies=2)
    assert borrow(client, book_id, make_user().id).status_code == 201
    new_author = make_author(name="Percy Shelley")
    response = client.patch(
        f"{BOOKS}/{book_id}",
        json={"title": "New title", "copies_total": 5, "author_id": new_author},
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["title"] == "New title"
    assert body["author"]["name"] == "Percy Shelley"
    assert (body["copies_total"], body["copies_available"]) == (5, 4)


@pytest.mark.task("02.2")
def test_lowering_copies_below_active_loans_is_409(
    client: FlaskClient, make_book: MakeBook, make_user: MakeUser
) -> None:
    book_id = make_book(copies=2)
    for _ in range(2):
        assert borrow(client, book_id, make_user().id).status_code == 201
    response = client.patch(f"{BOOKS}/{book_id}", json={"copies_total": 1})
    assert response.status_code == 409
    assert response.get_json()["code"] == "copies_below_active_loans"
    assert response.get_json()["details"] == {"active_loans": 2}
    assert client.patch(f"{BOOKS}/{book_id}", json={"copies_total": 2}).status_code == 200


@pytest.mark.task("02.3")
def test_deleting_a_book_with_an_active_loan_is_409(
    client: FlaskClient, make_book: MakeBook, make_user: MakeUser
) -> None:
    book_id = make_book()
    loan = borrow(client, book_id, make_user().id).get_json()
    response = client.delete(f"{BOOKS}/{book_id}")
    assert response.status_code == 409
    assert response.get_json()["code"] == "book_has_active_loans"
    assert client.post(f"/api/v1/loans/{loan['id']}/return").status_code == 200
    assert client.delete(f"{BOOKS}/{book_id}").status_code == 204
    assert client.get(f"{BOOKS}/{book_id}").status_code == 404
    assert client.get(f"/api/v1/loans/{loan['id']}").status_code == 404


def test_missing_book_is_404_even_for_an_id_beyond_the_database(client: FlaskClient) -> None:
    for book_id in (4242, 99999999999999999999):
        assert client.get(f"{BOOKS}/{book_id}").status_code == 404
        assert client.patch(f"{BOOKS}/{book_id}", json={}).status_code == 404
        assert client.delete(f"{BOOKS}/{book_id}").status_code == 404


@pytest.mark.parametrize("book_id", ["0", "-1", "2147483648", "99999999999999999999", "emma"])
@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_a_book_id_outside_1_to_max_id_is_404_for_every_method(
    client: FlaskClient, method: str, book_id: str
) -> None:
    response = client.open(f"{BOOKS}/{book_id}", method=method, json={})

    assert response.status_code == 404
    assert response.get_json()["code"] == "not_found"


def test_a_book_id_in_other_digits_than_ascii_names_no_book(
    client: FlaskClient, make_book: MakeBook
) -> None:
    # int() reads Arabic-Indic and fullwidth digits as ASCII ones; the URL of a book must not.
    book_id = make_book()
    for digits in (
        "\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669",
        "\uff10\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19",
    ):
        spelling = str(book_id).translate(str.maketrans("0123456789", digits))
        response = client.get(f"{BOOKS}/{spelling}")
        assert response.status_code == 404
        assert response.get_json()["code"] == "not_found"


@pytest.mark.task("02.1")
def test_list_runs_the_same_number_of_queries_for_any_page_size(
    client: FlaskClient,
    make_book: MakeBook,
    make_author: MakeAuthor,
    count_queries: Callable[[], Any],
) -> None:
    # A book per author, so loading authors one by one would show as 10 extra statements.
    for number in range(10):
        make_book(author_id=make_author(name=f"Author {number}"))
    counts = []
    for per_page in (1, 10):
        with count_queries() as statements:
            response = client.get(f"{BOOKS}?per_page={per_page}")
        assert len(response.get_json()["items"]) == per_page
        counts.append(len(statements))
    assert counts[0] == counts[1]
    # The count, then the page of books joined with their authors.
    assert counts[0] == 2
