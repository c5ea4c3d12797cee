"""Public catalogue reads are cached with an ETag and answer 304; every write invalidates them."""

from __future__ import annotations

import pytest
from conftest import AuthHeaders, MakeAuthor, MakeBook
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from app.caching import cached_with_etag
from app.extensions import cache, db
from app.models import Author, Book


def rename_behind_the_apps_back(app: Flask, book_id: int, title: str) -> None:
    """Change a row without the services, so the cache is not told."""
    with app.app_context():
        db.session.execute(update(Book).where(Book.id == book_id).values(title=title))
        db.session.commit()


def test_second_read_is_served_from_the_cache(
    app: Flask, client: FlaskClient, make_book: MakeBook
) -> None:
    book_id = make_book(title="Original")
    for path in ("/api/v1/books", f"/api/v1/books/{book_id}"):
        assert "Original" in client.get(path).get_data(as_text=True)
    rename_behind_the_apps_back(app, book_id, "Changed")
    assert "Original" in client.get("/api/v1/books").get_data(as_text=True)
    assert client.get(f"/api/v1/books/{book_id}").get_json()["title"] == "Original"


def test_query_parameter_order_shares_one_entry(
    app: Flask, client: FlaskClient, make_book: MakeBook
) -> None:
    book_id = make_book(title="Original")
    client.get("/api/v1/books?page=1&per_page=5")
    rename_behind_the_apps_back(app, book_id, "Changed")
    assert "Original" in client.get("/api/v1/books?per_page=5&page=1").get_data(as_text=True)


def test_queries_that_mean_the_same_share_one_entry(
    app: Flask, client: FlaskClient, make_book: MakeBook
) -> None:
    book_id = make_book(title="Original")
    client.get("/api/v1/books?page=1")
    rename_behind_the_apps_back(app, book_id, "Changed")
    for query in ("", "?page=01", "?page=001&per_page=20"):
        assert "Original" in client.get(f"/api/v1/books{query}").get_data(as_text=True)


def test_parameters_a_view_ignores_make_no_entry_of_their_own(
    app: Flask, client: FlaskClient, make_book: MakeBook
) -> None:
    book_id = make_book(title="Original")
    client.get(f"/api/v1/books/{book_id}")
    rename_behind_the_apps_back(app, book_id, "Changed")
    assert client.get(f"/api/v1/books/{book_id}?nonce=1").get_json()["title"] == "Original"


def test_a_query_the_schema_refuses_is_422_whatever_the_cache_holds(client: FlaskClient) -> None:
    assert client.get("/api/v1/books").status_code == 200
    response = client.get("/api/v1/books?page=0")
    assert response.status_code == 422
    assert "page" in response.get_json()["details"]


def test_book_write_invalidates_lists_and_items(
    client: FlaskClient, staff: dict[str, str], make_book: MakeBook
) -> None:
    book_id = make_book(title="Before")
    client.get("/api/v1/books")
    client.get(f"/api/v1/books/{book_id}")
    client.patch(f"/api/v1/books/{book_id}", json={"title": "After"}, headers=staff)
    assert client.get("/api/v1/books").get_json()["items"][0]["title"] == "After"
    assert client.get(f"/api/v1/books/{book_id}").get_json()["title"] == "After"


def test_author_rename_invalidates_the_books_that_embed_it(
    client: FlaskClient,
    staff: dict[str, str],
    make_book: MakeBook,
    make_author: MakeAuthor,
) -> None:
    author_id = make_author(name="Mary Shelly")
    book_id = make_book(author_id=author_id)
    client.get(f"/api/v1/books/{book_id}")
    client.get(f"/api/v1/authors/{author_id}")
    client.patch(f"/api/v1/authors/{author_id}", json={"name": "Mary Shelley"}, headers=staff)
    assert client.get(f"/api/v1/books/{book_id}").get_json()["author"]["name"] == "Mary Shelley"
    assert client.get(f"/api/v1/authors/{author_id}").get_json()["name"] == "Mary Shelley"


def test_loans_and_returns_invalidate_the_copies_available(
    client: FlaskClient,
    make_book: MakeBook,
    auth_headers: AuthHeaders,
) -> None:
    book_id = make_book(copies=1)
    member = auth_headers("member")
    assert client.get(f"/api/v1/books/{book_id}").get_json()["copies_available"] == 1
    loan = client.post("/api/v1/loans", json={"book_id": book_id}, headers=member).get_json()
    assert client.get(f"/api/v1/books/{book_id}").get_json()["copies_available"] == 0
    client.post(f"/api/v1/loans/{loan['id']}/return", headers=member)
    assert client.get(f"/api/v1/books/{book_id}").get_json()["copies_available"] == 1


@pytest.mark.parametrize("path", ["/api/v1/books", "/api/v1/authors"])
def test_cached_reads_carry_an_etag_and_answer_304_when_unchanged(
    client: FlaskClient, make_book: MakeBook, path: str
) -> None:
    make_book()
    first = client.get(path)
    etag = first.headers["ETag"]
    assert etag
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""
    assert again.headers["ETag"] == etag
    assert client.get(path, headers={"If-None-Match": '"stale"'}).status_code == 200


def test_a_cached_page_replays_its_link_header(
    app: Flask, client: FlaskClient, make_book: MakeBook
) -> None:
    book_id = make_book(title="Original")
    make_book()
    first = client.get("/api/v1/books?per_page=1")
    rename_behind_the_apps_back(app, book_id, "Changed")
    again = client.get("/api/v1/books?per_page=1")
    assert "Original" in again.get_data(as_text=True)
    assert again.headers["Link"] == first.headers["Link"]
    assert 'rel="next"' in again.headers["Link"]
    assert again.headers["ETag"] == first.headers["ETag"]


def test_etag_changes_when_the_data_does(
    client: FlaskClient, staff: dict[str, str], make_book: MakeBook
) -> None:
    book_id = make_book(title="Before")
    etag = client.get(f"/api/v1/books/{book_id}").headers["ETag"]
    client.patch(f"/api/v1/books/{book_id}", json={"title": "After"}, headers=staff)
    changed = client.get(f"/api/v1/books/{book_id}", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag


def test_errors_are_not_cached(app: Flask, client: FlaskClient, make_author: MakeAuthor) -> None:
    assert client.get("/api/v1/authors/1").status_code == 404
    make_author()
    assert client.get("/api/v1/authors/1").status_code == 200


def test_per_user_responses_are_not_cached(client: FlaskClient, auth_headers: AuthHeaders) -> None:
    response = client.get("/api/v1/auth/me", headers=auth_headers("member"))
    assert "ETag" not in response.headers


@pytest.mark.task("05.3")
def test_a_failing_cache_does_not_break_reads_or_writes(
    app: Flask,
    client: FlaskClient,
    staff: dict[str, str],
    make_author: MakeAuthor,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from redis.exceptions import ConnectionError as RedisConnectionError

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RedisConnectionError("cache is down")

    author_id = make_author()
    monkeypatch.setattr(cache, "get_many", broken)
    monkeypatch.setattr(cache, "set", broken)
    assert client.get(f"/api/v1/authors/{author_id}").status_code == 200
    renamed = client.patch(f"/api/v1/authors/{author_id}", json={"name": "New"}, headers=staff)
    assert renamed.status_code == 200
    with app.app_context():
        assert db.session.get_one(Author, author_id).name == "New"


def test_only_200_answers_are_cached(own_app: Flask) -> None:
    calls: list[int] = []

    @cached_with_etag()
    def accepted() -> tuple[dict[str, int], int]:
        calls.append(1)
        return {"calls": len(calls)}, 202

    own_app.add_url_rule("/api/v1/accepted", view_func=accepted)
    client = own_app.test_client()
    first = client.get("/api/v1/accepted")
    second = client.get("/api/v1/accepted")
    assert (first.status_code, second.status_code) == (202, 202)
    assert "ETag" not in first.headers
    assert second.get_json() == {"calls": 2}
