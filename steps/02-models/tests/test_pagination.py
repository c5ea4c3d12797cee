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
    assert response.get_json() == {
        "items": [],
        "page": 1,
        "per_page": 20,
        "total": 0,
        "links": {
            "self": f"{path}?page=1&per_page=20",
            "first": f"{path}?page=1&per_page=20",
            "last": f"{path}?page=1&per_page=20",
        },
    }


@pytest.mark.task("02.1")
def test_a_middle_page_links_to_every_neighbour(client: FlaskClient, five_books: list[int]) -> None:
    response = client.get("/api/v1/books?page=2&per_page=2")
    assert response.get_json()["links"] == {
        "self": "/api/v1/books?page=2&per_page=2",
        "first": "/api/v1/books?page=1&per_page=2",
        "prev": "/api/v1/books?page=1&per_page=2",
        "next": "/api/v1/books?page=3&per_page=2",
        "last": "/api/v1/books?page=3&per_page=2",
    }
    assert response.headers["Link"] == (
        '</api/v1/books?page=2&per_page=2>; rel="self", '
        '</api/v1/books?page=1&per_page=2>; rel="first", '
        '</api/v1/books?page=1&per_page=2>; rel="prev", '
        '</api/v1/books?page=3&per_page=2>; rel="next", '
        '</api/v1/books?page=3&per_page=2>; rel="last"'
    )


@pytest.mark.task("02.1")
def test_following_next_visits_every_item_once(client: FlaskClient, five_books: list[int]) -> None:
    seen: list[int] = []
    url: str | None = "/api/v1/books?per_page=2"
    while url is not None:
        body = client.get(url).get_json()
        seen += [book["id"] for book in body["items"]]
        url = body["links"].get("next")
    assert seen == five_books


@pytest.mark.task("02.1")
def test_the_first_page_has_no_prev_and_the_last_no_next(
    client: FlaskClient, five_books: list[int]
) -> None:
    first = client.get("/api/v1/books?per_page=2").get_json()["links"]
    last = client.get("/api/v1/books?page=3&per_page=2").get_json()["links"]
    assert "prev" not in first
    assert first["next"] == "/api/v1/books?page=2&per_page=2"
    assert "next" not in last
    assert last["prev"] == "/api/v1/books?page=2&per_page=2"


@pytest.mark.task("02.1")
def test_a_page_past_the_end_leads_back_to_the_last_page(
    client: FlaskClient, five_books: list[int]
) -> None:
    links = client.get("/api/v1/books?page=9&per_page=2").get_json()["links"]
    assert links["prev"] == links["last"] == "/api/v1/books?page=3&per_page=2"
    assert "next" not in links


@pytest.mark.task("02.1")
def test_links_keep_the_other_query_parameters(client: FlaskClient, five_books: list[int]) -> None:
    links = client.get("/api/v1/books?per_page=1000&extra=kept").get_json()["links"]
    assert links["self"] == "/api/v1/books?page=1&per_page=100&extra=kept"
