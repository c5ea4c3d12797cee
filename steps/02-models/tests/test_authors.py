"""Authors: create, read, change, and no deleting an author who still has books."""

from __future__ import annotations

import pytest
from conftest import MakeAuthor, MakeBook
from flask.testing import FlaskClient

AUTHORS = "/api/v1/authors"


def test_creating_an_author_answers_201(client: FlaskClient) -> None:
    response = client.post(AUTHORS, json={"name": "Homer", "birth_year": None})
    assert response.status_code == 201
    body = response.get_json()
    assert body == {"id": body["id"], "name": "Homer", "birth_year": None}


@pytest.mark.task("02.1")
def test_anyone_lists_and_reads_authors(client: FlaskClient, make_author: MakeAuthor) -> None:
    author_id = make_author(name="Jane Austen", birth_year=1775)
    listed = client.get(AUTHORS)
    assert listed.status_code == 200
    assert listed.get_json()["items"] == [
        {"id": author_id, "name": "Jane Austen", "birth_year": 1775}
    ]
    one = client.get(f"{AUTHORS}/{author_id}")
    assert one.get_json()["name"] == "Jane Austen"


def test_updating_an_author_changes_only_the_fields_sent(
    client: FlaskClient, make_author: MakeAuthor
) -> None:
    author_id = make_author(name="Mary Shelly")
    response = client.patch(f"{AUTHORS}/{author_id}", json={"name": "Mary Shelley"})
    assert response.status_code == 200
    assert response.get_json()["name"] == "Mary Shelley"
    assert response.get_json()["birth_year"] == 1797


@pytest.mark.parametrize(
    "payload", [{"name": ""}, {"birth_year": "1797"}], ids=["empty-name", "year-as-string"]
)
def test_invalid_author_is_422(
    client: FlaskClient, make_author: MakeAuthor, payload: dict[str, object]
) -> None:
    response = client.patch(f"{AUTHORS}/{make_author()}", json=payload)
    assert response.status_code == 422
    assert set(response.get_json()["details"]) == set(payload)


def test_deleting_an_author_with_books_is_409_author_has_books(
    client: FlaskClient, make_author: MakeAuthor, make_book: MakeBook
) -> None:
    author_id = make_author()
    make_book(author_id=author_id)
    response = client.delete(f"{AUTHORS}/{author_id}")
    assert response.status_code == 409
    assert response.get_json()["code"] == "author_has_books"


def test_deleting_an_author_without_books_is_204(
    client: FlaskClient, make_author: MakeAuthor
) -> None:
    author_id = make_author()
    assert client.delete(f"{AUTHORS}/{author_id}").status_code == 204
    assert client.get(f"{AUTHORS}/{author_id}").status_code == 404


def test_missing_author_is_404(client: FlaskClient) -> None:
    for path in (f"{AUTHORS}/4242", f"{AUTHORS}/99999999999999999999"):
        assert client.get(path).status_code == 404
        assert client.delete(path).status_code == 404
