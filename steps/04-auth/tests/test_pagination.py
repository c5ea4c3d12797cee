"""Paging and sorting behave the same on every collection, and bad input is 422, never 500."""

from __future__ import annotations

import pytest
from conftest import MakeBook
from flask.testing import FlaskClient

COLLECTIONS = ["/api/v1/books", "/api/v1/authors"]


@pytest.fixture
def five_books(make_book: MakeBook) -> list[int]:
    return [make_book(title=f"Title {n}") for n in range(5)]


def test_defaults_are_page_1_of_20(client: FlaskClient, five_books: list[int]) -> None:
    body = client.get("/api/v1/books").get_json()
    assert (body["page"], body["per_page"], body["total"]) == (1, 20, 5)
    assert [book["id"] for book in body["items"]] == five_books


def test_pages_split_the_collection_without_overlap(
    client: FlaskClient, five_books: list[int]
) -> None:
    seen = []
    for page in (1, 2, 3):
        body = client.get(f"/api/v1/books?page={page}&per_page=2").get_json()
        assert body["total"] == 5
        seen += [book["id"] for book in body["items"]]
    assert seen == five_books


def test_page_past_the_end_is_200_with_no_items(client: FlaskClient, five_books: list[int]) -> None:
    for page in (4, 10**30):
        response = client.get(f"/api/v1/books?page={page}&per_page=2")
        assert response.status_code == 200
        assert response.get_json()["items"] == []
        assert response.get_json()["total"] == 5


def test_per_page_of_100_is_allowed(client: FlaskClient, five_books: list[int]) -> None:
    assert client.get("/api/v1/books?per_page=100").get_json()["per_page"] == 100


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


def test_following_next_visits_every_item_once(client: FlaskClient, five_books: list[int]) -> None:
    seen: list[int] = []
    url: str | None = "/api/v1/books?per_page=2"
    while url is not None:
        body = client.get(url).get_json()
        seen += [book["id"] for book in body["items"]]
        url = body["links"].get("next")
    assert seen == five_books


def test_the_first_page_has_no_prev_and_the_last_no_next(
    client: FlaskClient, five_books: list[int]
) -> None:
    first = client.get("/api/v1/books?per_page=2").get_json()["links"]
    last = client.get("/api/v1/books?page=3&per_page=2").get_json()["links"]
    assert "prev" not in first
    assert first["next"] == "/api/v1/books?page=2&per_page=2"
    assert "next" not in last
    assert last["prev"] == "/api/v1/books?page=2&per_page=2"


def test_a_page_past_the_end_leads_back_to_the_last_page(
    client: FlaskClient, five_books: list[int]
) -> None:
    links = client.get("/api/v1/books?page=9&per_page=2").get_json()["links"]
    assert links["prev"] == links["last"] == "/api/v1/books?page=3&per_page=2"
    assert "next" not in links


def test_links_keep_the_filters_and_the_sort(client: FlaskClient, five_books: list[int]) -> None:
    links = client.get("/api/v1/books?sort=-title&q=title&per_page=2").get_json()["links"]
    assert links["next"] == "/api/v1/books?page=2&per_page=2&q=title&sort=-title"


@pytest.mark.parametrize("path", COLLECTIONS)
@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=abc", "page"),
        ("page=1.5", "page"),
        ("per_page=0", "per_page"),
        ("per_page=101", "per_page"),
        ("per_page=", "per_page"),
        # Only ASCII digits: a space, a sign, an underscore or another script's digit is refused.
        ("page=%205", "page"),
        ("page=%2B5", "page"),
        ("page=5_0", "page"),
        ("page=%D9%A5", "page"),
        ("per_page=%EF%BC%95", "per_page"),
        ("sort=colour", "sort"),
        ("sort=-", "sort"),
        ("sort=--title", "sort"),
        ("colour=red", "colour"),
    ],
)
def test_bad_paging_or_sorting_is_422_naming_the_parameter(
    client: FlaskClient, path: str, query: str, field: str
) -> None:
    response = client.get(f"{path}?{query}")
    assert response.status_code == 422
    assert response.get_json()["code"] == "validation_error"
    assert field in response.get_json()["details"]


def test_unknown_sort_field_lists_the_allowed_ones(client: FlaskClient) -> None:
    message = client.get("/api/v1/books?sort=isbn").get_json()["details"]["sort"][0]
    assert "title" in message
    assert "published_year" in message


@pytest.mark.parametrize(
    "query",
    [
        "author_id=0",
        "author_id=99999999999999999999",
        "author_id=%2B1",
        "author_id=%D9%A1",
        "available=maybe",
    ],
)
def test_bad_filters_are_422(client: FlaskClient, query: str) -> None:
    assert client.get(f"/api/v1/books?{query}").status_code == 422


@pytest.mark.parametrize("query", ["page=1&page=2", "per_page=5&per_page=5", "q=a&q=b"])
def test_a_repeated_parameter_is_422_naming_it(client: FlaskClient, query: str) -> None:
    response = client.get(f"/api/v1/books?{query}")
    assert response.status_code == 422
    name = query.partition("=")[0]
    assert response.get_json()["details"] == {name: ["Give this parameter once."]}
