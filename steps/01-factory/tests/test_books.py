"""The in-memory book catalogue: list, fetch and create."""

import pytest
from flask.testing import FlaskClient

NEW_BOOK = {"title": "Emma", "isbn": "9780141439587", "published_year": 1815, "copies_total": 3}


@pytest.mark.task("01.1")
def test_list_answers_a_page_envelope(client: FlaskClient) -> None:
    body = client.get("/api/v1/books").get_json()
    assert body["page"] == 1
    assert body["per_page"] == 20
    assert body["total"] == 3
    assert body["items"][0]["title"] == "Pride and Prejudice"


@pytest.mark.task("01.1")
def test_list_pages_through_the_books(client: FlaskClient) -> None:
    body = client.get("/api/v1/books?page=2&per_page=2").get_json()
    assert [book["id"] for book in body["items"]] == [3]
    assert (body["page"], body["per_page"], body["total"]) == (2, 2, 3)


@pytest.mark.task("01.1")
def test_a_page_past_the_end_is_empty(client: FlaskClient) -> None:
    body = client.get("/api/v1/books?page=9").get_json()
    assert body["items"] == []
    assert body["total"] == 3


@pytest.mark.task("01.1")
def test_get_one_book(client: FlaskClient) -> None:
    response = client.get("/api/v1/books/2")
    assert response.status_code == 200
    assert response.get_json() == {
        "id": 2,
        "title": "Frankenstein",
        "isbn": "9780141439471",
        "published_year": 1818,
        "copies_total": 2,
        "copies_available": 2,
    }


@pytest.mark.task("01.1")
def test_a_book_id_in_other_digits_than_ascii_names_no_book(client: FlaskClient) -> None:
    # int() reads the Arabic-Indic "\u0662" and the fullwidth "\uff12" as 2; a URL must not.
    assert client.get("/api/v1/books/2").status_code == 200
    for spelling in ("\u0662", "\uff12"):
        response = client.get(f"/api/v1/books/{spelling}")
        assert response.status_code == 404
        assert response.get_json()["code"] == "not_found"


@pytest.mark.task("01.1")
def test_create_answers_201_and_the_book_is_listed(client: FlaskClient) -> None:
    response = client.post("/api/v1/books", json=NEW_BOOK)
    assert response.status_code == 201
    created = response.get_json()
    assert created == {**NEW_BOOK, "id": 4, "copies_available": 3}
    assert client.get("/api/v1/books/4").get_json() == created


@pytest.mark.task("01.3")
def test_create_with_a_taken_isbn_is_409_isbn_taken(client: FlaskClient) -> None:
    response = client.post("/api/v1/books", json={"title": "Again", "isbn": "9780141439471"})
    assert response.status_code == 409
    assert response.get_json()["code"] == "isbn_taken"


@pytest.mark.task("01.3")
def test_create_reports_every_invalid_field_at_once(client: FlaskClient) -> None:
    response = client.post("/api/v1/books", json={"title": " ", "copies_total": -1})
    assert response.status_code == 422
    body = response.get_json()
    assert body["code"] == "validation_error"
    assert set(body["details"]) == {"title", "isbn", "copies_total"}


@pytest.mark.task("01.3")
def test_create_with_a_json_list_is_422(client: FlaskClient) -> None:
    response = client.post("/api/v1/books", json=["Emma"])
    assert response.status_code == 422
    assert response.get_json()["details"] == {"_body": ["Expected a JSON object."]}
