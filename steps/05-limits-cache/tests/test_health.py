"""Liveness and the API index."""

from __future__ import annotations

import pytest
from conftest import MakeBook
from flask.testing import FlaskClient

from app import create_app


def test_healthz_is_ok(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_healthz_touches_nothing_even_when_the_database_is_down(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A file in a folder that does not exist: SQLite fails as soon as anything connects, and,
    # unlike a server's address, proving it needs no database driver imported.
    monkeypatch.setenv("TEST_DATABASE_URL", "sqlite:////nonexistent-folder/library.db")
    assert create_app("testing").test_client().get("/healthz").status_code == 200


def test_index_links_every_collection(client: FlaskClient) -> None:
    links = client.get("/api/v1/").get_json()["links"]
    assert links["books"] == "/api/v1/books"
    assert links["authors"] == "/api/v1/authors"
    assert links["loans"] == "/api/v1/loans"
    assert links["users"] == "/api/v1/users"


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
