"""The factory mounts every blueprint where the API contract says."""

import pytest
from flask.testing import FlaskClient

from app import create_app


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
    assert body["links"]["books"] == "/api/v1/books"


@pytest.mark.task("01.1")
def test_index_gives_the_url_template_of_each_item(client: FlaskClient) -> None:
    templates = client.get("/api/v1/").get_json()["templates"]
    assert templates == {"book": "/api/v1/books/{id}"}
    book = client.get(templates["book"].replace("{id}", "1"))
    assert book.status_code == 200


@pytest.mark.task("01.1")
def test_books_are_mounted_under_api_v1(client: FlaskClient) -> None:
    response = client.get("/api/v1/books")
    assert response.status_code == 200
    assert response.get_json()["total"] == 3


@pytest.mark.task("01.1")
def test_each_app_has_its_own_books(client: FlaskClient) -> None:
    client.post("/api/v1/books", json={"title": "Emma", "isbn": "9780141439587"})
    other = create_app("testing").test_client()
    assert other.get("/api/v1/books").get_json()["total"] == 3


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
