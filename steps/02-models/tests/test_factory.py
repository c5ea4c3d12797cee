"""The factory mounts every blueprint where the API contract says."""

import pytest
from conftest import MakeBook
from flask.testing import FlaskClient

from app import create_app
from app.extensions import db


@pytest.mark.task("01.1")
def test_healthz_answers_ok(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


@pytest.mark.task("01.1")
def test_index_links_to_the_books_collection(client: FlaskClient) -> None:
    response = client.get("/api/v1/")
    assert response.status_code == 200
    body = response.get_json()
    assert body["version"] == "v1"
    assert body["links"] == {
        "users": "/api/v1/users",
        "authors": "/api/v1/authors",
        "books": "/api/v1/books",
        "loans": "/api/v1/loans",
    }


@pytest.mark.task("01.1")
def test_index_gives_the_url_template_of_each_item(
    client: FlaskClient, make_book: MakeBook
) -> None:
    book_id = make_book()
    templates = client.get("/api/v1/").get_json()["templates"]
    assert templates == {
        "user": "/api/v1/users/{id}",
        "user_loans": "/api/v1/users/{id}/loans",
        "author": "/api/v1/authors/{id}",
        "book": "/api/v1/books/{id}",
        "loan": "/api/v1/loans/{id}",
    }
    book = client.get(templates["book"].replace("{id}", str(book_id)))
    assert book.status_code == 200
    assert book.get_json()["id"] == book_id


@pytest.mark.task("01.1")
@pytest.mark.task("02.1")
def test_books_are_mounted_under_api_v1(client: FlaskClient) -> None:
    response = client.get("/api/v1/books")
    assert response.status_code == 200
    assert response.get_json()["total"] == 0


@pytest.mark.task("01.1")
def test_each_app_has_its_own_database(client: FlaskClient, make_book: MakeBook) -> None:
    book_id = make_book()
    assert client.get(f"/api/v1/books/{book_id}").status_code == 200
    other = create_app("testing")
    with other.app_context():
        db.create_all()
    assert other.test_client().get(f"/api/v1/books/{book_id}").status_code == 404


@pytest.mark.task("01.1")
def test_no_browser_origin_is_allowed_by_default(client: FlaskClient) -> None:
    response = client.get("/api/v1/books", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in response.headers


@pytest.mark.task("01.1")
def test_origins_from_the_environment_are_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORS_ORIGINS", "https://library.example")
    client = create_app("testing").test_client()
    response = client.get("/api/v1/books", headers={"Origin": "https://library.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "https://library.example"
