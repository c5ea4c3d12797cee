"""Authors: public reads, staff writes, and no deleting an author who still has books."""

from __future__ import annotations

import pytest
from conftest import MakeAuthor, MakeBook
from flask.testing import FlaskClient

AUTHORS = "/api/v1/authors"


@pytest.mark.task("04.4")
def test_librarian_creates_an_author(client: FlaskClient, staff: dict[str, str]) -> None:
    response = client.post(AUTHORS, json={"name": "Homer", "birth_year": None}, headers=staff)
    assert response.status_code == 201
    body = response.get_json()
    assert body == {"id": body["id"], "name": "Homer", "birth_year": None}


def test_anyone_lists_and_reads_authors(client: FlaskClient, make_author: MakeAuthor) -> None:
    author_id = make_author(name="Jane Austen", birth_year=1775)
    listed = client.get(AUTHORS)
    assert listed.status_code == 200
    assert listed.get_json()["items"] == [
        {"id": author_id, "name": "Jane Austen", "birth_year": 1775}
    ]
    one = client.get(f"{AUTHORS}/{author_id}")
    assert one.get_json()["name"] == "Jane Austen"


def test_authors_sort_by_birth_year(client: FlaskClient, make_author: MakeAuthor) -> None:
    make_author(name="B", birth_year=1900)
    make_author(name="A", birth_year=1800)
    years = [a["birth_year"] for a in client.get(f"{AUTHORS}?sort=birth_year").get_json()["items"]]
    assert years == [1800, 1900]


@pytest.mark.task("04.4")
def test_librarian_updates_an_author(
    client: FlaskClient, staff: dict[str, str], make_author: MakeAuthor
) -> None:
    author_id = make_author(name="Mary Shelly")
    response = client.patch(f"{AUTHORS}/{author_id}", json={"name": "Mary Shelley"}, headers=staff)
    assert response.status_code == 200
    assert response.get_json()["name"] == "Mary Shelley"
    assert response.get_json()["birth_year"] == 1797


@pytest.mark.task("04.4")
@pytest.mark.parametrize(
    "payload",
    [{"name": ""}, {"birth_year": "1797"}, {"birth_year": 1797.5}, {"nickname": "M"}],
    ids=["empty-name", "year-as-string", "year-as-float", "unknown-field"],
)
def test_invalid_author_is_422(
    client: FlaskClient,
    staff: dict[str, str],
    make_author: MakeAuthor,
    payload: dict[str, object],
) -> None:
    response = client.patch(f"{AUTHORS}/{make_author()}", json=payload, headers=staff)
    assert response.status_code == 422
    assert set(response.get_json()["details"]) == set(payload)


@pytest.mark.task("04.4")
def test_deleting_an_author_with_books_is_409_author_has_books(
    client: FlaskClient,
    staff: dict[str, str],
    make_author: MakeAuthor,
    make_book: MakeBook,
) -> None:
    author_id = make_author()
    make_book(author_id=author_id)
    response = client.delete(f"{AUTHORS}/{author_id}", headers=staff)
    assert response.status_code == 409
    assert response.get_json()["code"] == "author_has_books"


@pytest.mark.task("04.4")
def test_deleting_an_author_without_books_is_204(
    client: FlaskClient, staff: dict[str, str], make_author: MakeAuthor
) -> None:
    author_id = make_author()
    assert client.delete(f"{AUTHORS}/{author_id}", headers=staff).status_code == 204
    assert client.get(f"{AUTHORS}/{author_id}").status_code == 404


@pytest.mark.task("04.4")
def test_missing_author_is_404(client: FlaskClient, staff: dict[str, str]) -> None:
    for path in (f"{AUTHORS}/4242", f"{AUTHORS}/99999999999999999999"):
        assert client.get(path).status_code == 404
        assert client.delete(path, headers=staff).status_code == 404
