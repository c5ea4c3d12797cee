"""Paging behaves the same on every collection: defaults, pages without overlap, the end."""

from __future__ import annotations

import pytest
from conftest import MakeBook
from flask.testing import FlaskClient

COLLECTIONS = ["/api/v1/books", "/api/v1/authors", "/api/v1/users", "/api/v1/loans"]


@pytest.fixture
def five_books(make_book: MakeBook) -> list[int]:
    return [make_book(title=f"Title {n}") for n in range(5)]


@pytest.mark.task("02.1")
def test_defaults_are_page_1_of_20(client: FlaskClient, five_books: list[int]) -> None:
    body = client.get("/api/v1/books").get_json()
    assert (body["page"], body["per_page"], body["total"]) == (1, 20, 5)
    assert [book["id"] for book in body["items"]] == five_books


@pytest.mark.task("02.1")
def test_pages_split_the_collection_without_overlap(
    client: FlaskClient, five_books: list[int]
) -> None:
    seen = []
    for page in (1, 2, 3):
        body = client.get(f"/api/v1/books?page={page}&per_page=2").get_json()
        assert body["total"] == 5
        seen += [book["id"] for book in body["items"]]
    assert seen == five_books


@pytest.mark.task("02.1")
def test_page_past_the_end_is_200_with_no_items(client: FlaskClient, five_books: list[int]) -> None:
    for page in (4, 10**30):
        response = client.get(f"/api/v1/books?page={page}&per_page=2")
        assert response.status_code == 200
        assert response.get_json()["items"] == []
        assert response.get_json()["total"] == 5


@pytest.mark.task("02.1")
@pytest.mark.parametrize(
    ("query", "page", "per_page"),
    [("per_page=100", 1, 100), ("per_page=1000", 1, 100), ("page=0&per_page=0", 1, 1)],
)
def test_paging_parameters_are_kept_in_range(
    client: FlaskClient, five_books: list[int], query: str, page: int, per_page: int
) -> None:
    body = client.get(f"/api/v1/books?{query}").get_json()
    assert (body["page"], body["per_page"]) == (page, per_page)


@pytest.mark.task("02.1")
@pytest.mark.parametrize("path", COLLECTIONS)
def test_every_collection_answers_the_same_envelope(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.get_json() == {"items": [], "page": 1, "per_page": 20, "total": 0}
