"""Books: ISBN-13 rules, filters, sorting, stock rules and a constant number of queries."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from conftest import AuthHeaders, MakeAuthor, MakeBook, isbn13
from flask.testing import FlaskClient

from app.schemas.common import isbn13_is_valid

BOOKS = "/api/v1/books"
FRANKENSTEIN = "9780141439471"


def new_book(author_id: int, **overrides: Any) -> dict[str, Any]:
    """A valid body for POST /books."""
    return {"title": "Frankenstein", "isbn": FRANKENSTEIN, "author_id": author_id, **overrides}


def titles(client: FlaskClient, query: str) -> list[str]:
    """The sorted titles the book list answers for ``?q=query``."""
    return sorted(book["title"] for book in client.get(f"{BOOKS}?q={query}").get_json()["items"])


@pytest.mark.task("04.4")
def test_librarian_creates_a_book_with_every_copy_on_the_shelf(
    client: FlaskClient, staff: dict[str, str], make_author: MakeAuthor
) -> None:
    author_id = make_author(name="Mary Shelley")
    response = client.post(
        BOOKS,
        json=new_book(author_id, isbn="978-0-14-143947-1", published_year=1818, copies_total=3),
        headers=staff,
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


@pytest.mark.task("04.4")
@pytest.mark.parametrize(
    "isbn",
    ["9780141439472", "978014143947", "97801414394711", "978014143947X", "", "\u0669780141439471"],
    ids=["bad-check-digit", "12-digits", "14-digits", "letter", "empty", "arabic-digit"],
)
def test_invalid_isbn_is_422(
    client: FlaskClient, staff: dict[str, str], make_author: MakeAuthor, isbn: str
) -> None:
    response = client.post(BOOKS, json=new_book(make_author(), isbn=isbn), headers=staff)
    assert response.status_code == 422
    assert "isbn" in response.get_json()["details"]


@pytest.mark.task("04.4")
def test_isbn_with_spaces_is_stored_as_13_digits(
    client: FlaskClient, staff: dict[str, str], make_author: MakeAuthor
) -> None:
    response = client.post(
        BOOKS, json=new_book(make_author(), isbn="978 0 14 143947 1"), headers=staff
    )
    assert response.get_json()["isbn"] == FRANKENSTEIN


@pytest.mark.task("04.4")
def test_duplicate_isbn_is_409_isbn_taken(
    client: FlaskClient, staff: dict[str, str], make_book: MakeBook
) -> None:
    book_id = make_book(isbn=FRANKENSTEIN)
    author_id = client.get(f"{BOOKS}/{book_id}").get_json()["author_id"]
    response = client.post(BOOKS, json=new_book(author_id, isbn="978-0141439471"), headers=staff)
    assert response.status_code == 409
    assert response.get_json()["code"] == "isbn_taken"
    other = make_book()
    clash = client.patch(f"{BOOKS}/{other}", json={"isbn": FRANKENSTEIN}, headers=staff)
    assert clash.status_code == 409
    assert clash.get_json()["code"] == "isbn_taken"


@pytest.mark.task("04.4")
def test_unknown_author_is_422_naming_author_id(client: FlaskClient, staff: dict[str, str]) -> None:
    response = client.post(BOOKS, json=new_book(4242), headers=staff)
    assert response.status_code == 422
    assert "author_id" in response.get_json()["details"]


@pytest.mark.task("04.4")
@pytest.mark.parametrize(
    "overrides",
    [{"copies_total": -1}, {"copies_total": "3"}, {"published_year": True}, {"shelf": "B2"}],
    ids=["negative-copies", "copies-as-string", "year-as-boolean", "unknown-field"],
)
def test_invalid_book_fields_are_422(
    client: FlaskClient,
    staff: dict[str, str],
    make_author: MakeAuthor,
    overrides: dict[str, Any],
) -> None:
    response = client.post(BOOKS, json=new_book(make_author(), **overrides), headers=staff)
    assert response.status_code == 422
    assert set(response.get_json()["details"]) == set(overrides)


@pytest.mark.task("04.4")
def test_update_changes_fields_and_keeps_copies_on_loan(
    client: FlaskClient,
    staff: dict[str, str],
    make_book: MakeBook,
    make_author: MakeAuthor,
    auth_headers: AuthHeaders,
) -> None:
    book_id = make_book(copies=2)
    client.post("/api/v1/loans", json={"book_id": book_id}, headers=auth_headers("member"))
    new_author = make_author(name="Percy Shelley")
    response = client.patch(
        f"{BOOKS}/{book_id}",
        json={"title": "New title", "copies_total": 5, "author_id": new_author},
        headers=staff,
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["title"] == "New title"
    assert body["author"]["name"] == "Percy Shelley"
    assert (body["copies_total"], body["copies_available"]) == (5, 4)


@pytest.mark.task("04.4")
def test_lowering_copies_below_active_loans_is_409(
    client: FlaskClient,
    staff: dict[str, str],
    make_book: MakeBook,
    auth_headers: AuthHeaders,
) -> None:
    book_id = make_book(copies=2)
    for _ in range(2):
        client.post("/api/v1/loans", json={"book_id": book_id}, headers=auth_headers("member"))
    response = client.patch(f"{BOOKS}/{book_id}", json={"copies_total": 1}, headers=staff)
    assert response.status_code == 409
    assert response.get_json()["code"] == "copies_below_active_loans"
    assert (
        client.patch(f"{BOOKS}/{book_id}", json={"copies_total": 2}, headers=staff).status_code
        == 200
    )


@pytest.mark.task("04.4")
def test_deleting_a_book_with_an_active_loan_is_409(
    client: FlaskClient,
    staff: dict[str, str],
    make_book: MakeBook,
    auth_headers: AuthHeaders,
) -> None:
    book_id = make_book()
    member = auth_headers("member")
    loan = client.post("/api/v1/loans", json={"book_id": book_id}, headers=member).get_json()
    response = client.delete(f"{BOOKS}/{book_id}", headers=staff)
    assert response.status_code == 409
    assert response.get_json()["code"] == "book_has_active_loans"
    client.post(f"/api/v1/loans/{loan['id']}/return", headers=member)
    assert client.delete(f"{BOOKS}/{book_id}", headers=staff).status_code == 204
    assert client.get(f"{BOOKS}/{book_id}").status_code == 404


@pytest.mark.task("04.4")
def test_missing_book_is_404_even_for_an_id_beyond_the_database(
    client: FlaskClient, staff: dict[str, str]
) -> None:
    for book_id in (4242, 99999999999999999999):
        assert client.get(f"{BOOKS}/{book_id}").status_code == 404
        assert client.patch(f"{BOOKS}/{book_id}", json={}, headers=staff).status_code == 404


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


def test_search_matches_title_or_author_name_case_insensitively(
    client: FlaskClient, make_book: MakeBook, make_author: MakeAuthor
) -> None:
    shelley = make_author(name="Mary Shelley")
    stoker = make_author(name="Bram Stoker")
    make_book(title="Frankenstein", author_id=shelley)
    make_book(title="Dracula", author_id=stoker)
    make_book(title="The Jewel of Seven Stars", author_id=stoker)
    assert titles(client, "FRANK") == ["Frankenstein"]
    assert titles(client, "stoker") == ["Dracula", "The Jewel of Seven Stars"]


def test_search_treats_like_wildcards_literally(client: FlaskClient, make_book: MakeBook) -> None:
    make_book(title="100% Pure")
    make_book(title="1000 Nights")
    make_book(title="snake_case")
    make_book(title="snakeXcase")
    assert titles(client, "100%25") == ["100% Pure"]
    assert titles(client, "e_c") == ["snake_case"]


@pytest.mark.task("04.2")
def test_filters_by_author_and_availability(
    client: FlaskClient,
    make_book: MakeBook,
    make_author: MakeAuthor,
    auth_headers: AuthHeaders,
) -> None:
    author = make_author(name="Only Me")
    mine = make_book(author_id=author, copies=1)
    make_book()
    empty = make_book(copies=0)
    by_author = client.get(f"{BOOKS}?author_id={author}").get_json()
    assert [b["id"] for b in by_author["items"]] == [mine]
    available = {b["id"] for b in client.get(f"{BOOKS}?available=true").get_json()["items"]}
    assert empty not in available
    assert mine in available
    client.post("/api/v1/loans", json={"book_id": mine}, headers=auth_headers("member"))
    unavailable = {b["id"] for b in client.get(f"{BOOKS}?available=false").get_json()["items"]}
    assert unavailable == {empty, mine}


@pytest.mark.parametrize("field", ["title", "published_year", "created_at"])
def test_sorts_ascending_and_descending(
    client: FlaskClient, make_book: MakeBook, field: str
) -> None:
    make_book(title="B", published_year=1900)
    make_book(title="A", published_year=2000)
    make_book(title="C", published_year=1800)
    ascending = [b[field] for b in client.get(f"{BOOKS}?sort={field}").get_json()["items"]]
    descending = [b[field] for b in client.get(f"{BOOKS}?sort=-{field}").get_json()["items"]]
    assert ascending == sorted(ascending)
    assert descending == sorted(ascending, reverse=True)
    assert ascending != descending


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
            response = client.get(f"{BOOKS}?per_page={per_page}&sort=title")
        assert len(response.get_json()["items"]) == per_page
        counts.append(len(statements))
    assert counts[0] == counts[1]
    # The count, then the page of books joined with their authors.
    assert counts[0] == 2


def test_isbn13_check_digit() -> None:
    assert isbn13_is_valid("9780141439518")
    assert not isbn13_is_valid("9780141439517")
    assert isbn13_is_valid(isbn13(42))
