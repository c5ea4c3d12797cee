"""Real responses keep the promises of the OpenAPI document, on success and on error.

Each case sends one request through the test client and checks the answer against the response
the document lists for that path, method and status: a status it does not list, a missing
required header or a body off its schema fails.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, NamedTuple, TypeVar

import pytest
from conftest import ROLES, MakeAuthor, MakeBook, MakeUser, TokensFor, UserInfo, bearer
from contract_checks import check_response, downloaded_document
from flask import Flask
from flask.testing import FlaskClient
from jsonschema import ValidationError
from werkzeug.test import TestResponse

from app import create_app
from app.extensions import db
from app.openapi import build_spec
from app.services import loans, users

HTTP_METHODS = ("get", "put", "post", "patch", "delete")
MISSING_ID = 999_999


Made = TypeVar("Made")


class MadeOnFirstUse(Mapping[str, Made]):
    """Values by name, each made by its own function the first time it is looked up.

    A case then pays only for the rows it uses: most cases need two or three of the world's rows,
    and making all of them for every case took half of the cases' time.
    """

    def __init__(self, makers: dict[str, Callable[[], Made]]) -> None:
        self._makers = makers
        self._made: dict[str, Made] = {}

    def __getitem__(self, name: str) -> Made:
        return self.make(name)

    def make(self, name: str) -> Made:
        """The value of ``name``, made now unless it was made already."""
        if name not in self._made:
            self._made[name] = self._makers[name]()
        return self._made[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._makers)

    def __len__(self) -> int:
        return len(self._makers)


@dataclass(frozen=True)
class World:
    """The rows a case may use, and a client's headers for each kind of caller."""

    ids: MadeOnFirstUse[int]
    headers: MadeOnFirstUse[dict[str, str]]


Send = Callable[[FlaskClient, World], TestResponse]


class Case(NamedTuple):
    """One request and the status it must answer, under the path template it is checked by.

    ``needs`` names the rows the answer depends on that the request itself does not name: the
    loan that makes deleting a book a 409, or a row that makes a list hold an item to check.
    """

    status: int
    method: str
    path: str
    send: Send
    needs: tuple[str, ...] = ()


@pytest.fixture(scope="module")
def document(shared_apps: Callable[[], Flask]) -> dict[str, Any]:
    """The document as a client downloads it, once: every test of this module checks against it."""
    return downloaded_document(shared_apps().test_client())


@pytest.fixture
def world(
    app: Flask,
    make_user: MakeUser,
    tokens_for: TokensFor,
    make_author: MakeAuthor,
    make_book: MakeBook,
) -> World:
    """A member with a loan, a librarian, an admin, an author with a book, and spare rows.

    Each is made when a case first uses it, with the rows it depends on (a loan needs the member
    and the book, a book its author).
    """
    people: MadeOnFirstUse[UserInfo] = MadeOnFirstUse(
        {role: partial(make_user, role) for role in ROLES}
    )

    def token(role: str, kind: str = "access_token") -> dict[str, str]:
        return bearer(tokens_for(people[role])[kind])

    def borrowed() -> int:
        # The member and the book first: the factories make each in an app context of their own.
        member_id, book_id = people["member"].id, ids["book_id"]
        # Through the service, as the factories make rows: the cases themselves test the routes.
        with app.app_context():
            return loans.borrow_book(user=users.get_user(member_id), book_id=book_id).id

    ids: MadeOnFirstUse[int] = MadeOnFirstUse(
        {
            "member_id": lambda: people["member"].id,
            "author_id": make_author,
            "book_id": lambda: make_book(copies=1, author_id=ids["author_id"]),
            "loan_id": borrowed,
            "spare_author_id": lambda: make_author(name="Anonymous", birth_year=None),
            "spare_book_id": lambda: make_book(copies=2, author_id=ids["author_id"]),
            "missing": lambda: MISSING_ID,
        }
    )
    headers: MadeOnFirstUse[dict[str, str]] = MadeOnFirstUse(
        {
            "member": partial(token, "member"),
            "refresh": partial(token, "member", "refresh_token"),
            "librarian": partial(token, "librarian"),
            "admin": partial(token, "admin"),
            "anonymous": dict,
        }
    )
    return World(ids=ids, headers=headers)


def send(
    method: str,
    url: str,
    who: str = "anonymous",
    *,
    body: Callable[[Mapping[str, int]], Any] | None = None,
    headers: dict[str, str] | None = None,
    **options: Any,
) -> Send:
    """A request made as ``who`` to ``url``, its ``{names}`` filled from the world's ids.

    ``body`` builds the JSON body from the same ids; ``options`` go to the test client as they are.
    """

    def call(client: FlaskClient, world: World) -> TestResponse:
        if body is not None:
            options["json"] = body(world.ids)
        return client.open(
            url.format_map(world.ids),
            method=method,
            headers={**world.headers[who], **(headers or {})},
            **options,
        )

    return call


def twice(first: Send, second: Send) -> Send:
    """Send ``first``, then answer what ``second`` answers."""

    def call(client: FlaskClient, world: World) -> TestResponse:
        first(client, world)
        return second(client, world)

    return call


def revalidated(url: str) -> Send:
    """GET ``url``, then GET it again with the ETag it gave, as a caching client would."""

    def call(client: FlaskClient, world: World) -> TestResponse:
        etag = client.get(url.format_map(world.ids)).headers["ETag"]
        return send("GET", url, headers={"If-None-Match": etag})(client, world)

    return call


def new_book(ids: Mapping[str, int]) -> dict[str, Any]:
    """A valid new book by the world's author."""
    return {"title": "Dracula", "isbn": "978-0-14-143984-6", "author_id": ids["author_id"]}


def spare_book(ids: Mapping[str, int]) -> dict[str, int]:
    """A loan of the book with a copy to spare."""
    return {"book_id": ids["spare_book_id"]}


def last_copy(ids: Mapping[str, int]) -> dict[str, int]:
    """A loan of the book whose only copy the member holds."""
    return {"book_id": ids["book_id"]}


CASES: dict[str, Case] = {
    "healthz": Case(200, "GET", "/healthz", send("GET", "/healthz")),
    "index": Case(200, "GET", "/api/v1/", send("GET", "/api/v1/")),
    "openapi": Case(200, "GET", "/openapi.json", send("GET", "/openapi.json")),
    "register": Case(
        201,
        "POST",
        "/api/v1/auth/register",
        send(
            "POST",
            "/api/v1/auth/register",
            json={"email": "ada@example.org", "password": "correct-horse", "name": "Ada"},
        ),
    ),
    "register invalid": Case(
        422, "POST", "/api/v1/auth/register", send("POST", "/api/v1/auth/register", json={})
    ),
    "register not json": Case(
        415, "POST", "/api/v1/auth/register", send("POST", "/api/v1/auth/register", data="x")
    ),
    "register malformed json": Case(
        400,
        "POST",
        "/api/v1/auth/register",
        send("POST", "/api/v1/auth/register", data="{", content_type="application/json"),
    ),
    "login wrong password": Case(
        401,
        "POST",
        "/api/v1/auth/login",
        send("POST", "/api/v1/auth/login", json={"email": "nobody@example.org", "password": "x"}),
    ),
    "refresh": Case(
        200, "POST", "/api/v1/auth/refresh", send("POST", "/api/v1/auth/refresh", "refresh")
    ),
    "refresh with an access token": Case(
        401, "POST", "/api/v1/auth/refresh", send("POST", "/api/v1/auth/refresh", "member")
    ),
    "logout": Case(
        204, "POST", "/api/v1/auth/logout", send("POST", "/api/v1/auth/logout", "member")
    ),
    "me": Case(200, "GET", "/api/v1/auth/me", send("GET", "/api/v1/auth/me", "member")),
    "me without a token": Case(401, "GET", "/api/v1/auth/me", send("GET", "/api/v1/auth/me")),
    "users": Case(200, "GET", "/api/v1/users", send("GET", "/api/v1/users", "admin")),
    "users as a member": Case(403, "GET", "/api/v1/users", send("GET", "/api/v1/users", "member")),
    "users bad page": Case(
        422, "GET", "/api/v1/users", send("GET", "/api/v1/users?per_page=101", "admin")
    ),
    "user": Case(
        200, "GET", "/api/v1/users/{user_id}", send("GET", "/api/v1/users/{member_id}", "admin")
    ),
    "user missing": Case(
        404, "GET", "/api/v1/users/{user_id}", send("GET", "/api/v1/users/{missing}", "admin")
    ),
    "user update": Case(
        200,
        "PATCH",
        "/api/v1/users/{user_id}",
        send("PATCH", "/api/v1/users/{member_id}", "member", json={"name": "Ada King"}),
    ),
    "user loans": Case(
        200,
        "GET",
        "/api/v1/users/{user_id}/loans",
        send("GET", "/api/v1/users/{member_id}/loans", "member"),
        needs=("loan_id",),
    ),
    "authors": Case(
        200, "GET", "/api/v1/authors", send("GET", "/api/v1/authors"), needs=("author_id",)
    ),
    "authors not modified": Case(
        304, "GET", "/api/v1/authors", revalidated("/api/v1/authors"), needs=("author_id",)
    ),
    "authors bad sort": Case(
        422, "GET", "/api/v1/authors", send("GET", "/api/v1/authors?sort=password")
    ),
    "author": Case(
        200, "GET", "/api/v1/authors/{author_id}", send("GET", "/api/v1/authors/{author_id}")
    ),
    "author missing": Case(
        404, "GET", "/api/v1/authors/{author_id}", send("GET", "/api/v1/authors/{missing}")
    ),
    "author create": Case(
        201,
        "POST",
        "/api/v1/authors",
        send("POST", "/api/v1/authors", "librarian", json={"name": "Bram Stoker"}),
    ),
    "author create as a member": Case(
        403,
        "POST",
        "/api/v1/authors",
        send("POST", "/api/v1/authors", "member", json={"name": "Bram Stoker"}),
    ),
    "author update": Case(
        200,
        "PATCH",
        "/api/v1/authors/{author_id}",
        send("PATCH", "/api/v1/authors/{author_id}", "librarian", json={"birth_year": 1797}),
    ),
    "author delete": Case(
        204,
        "DELETE",
        "/api/v1/authors/{author_id}",
        send("DELETE", "/api/v1/authors/{spare_author_id}", "librarian"),
    ),
    "author delete with books": Case(
        409,
        "DELETE",
        "/api/v1/authors/{author_id}",
        send("DELETE", "/api/v1/authors/{author_id}", "librarian"),
        needs=("book_id",),
    ),
    "books": Case(
        200,
        "GET",
        "/api/v1/books",
        send("GET", "/api/v1/books?available=true"),
        needs=("spare_book_id",),
    ),
    "books not modified": Case(
        304, "GET", "/api/v1/books", revalidated("/api/v1/books"), needs=("book_id",)
    ),
    "books bad per_page": Case(
        422, "GET", "/api/v1/books", send("GET", "/api/v1/books?per_page=0")
    ),
    "book": Case(200, "GET", "/api/v1/books/{book_id}", send("GET", "/api/v1/books/{book_id}")),
    "book not modified": Case(
        304, "GET", "/api/v1/books/{book_id}", revalidated("/api/v1/books/{book_id}")
    ),
    "book missing": Case(
        404, "GET", "/api/v1/books/{book_id}", send("GET", "/api/v1/books/{missing}")
    ),
    "book create": Case(
        201, "POST", "/api/v1/books", send("POST", "/api/v1/books", "librarian", body=new_book)
    ),
    "book create without a token": Case(
        401, "POST", "/api/v1/books", send("POST", "/api/v1/books", body=new_book)
    ),
    "book create invalid isbn": Case(
        422,
        "POST",
        "/api/v1/books",
        send(
            "POST", "/api/v1/books", "librarian", body=lambda ids: {**new_book(ids), "isbn": "123"}
        ),
    ),
    "book update": Case(
        200,
        "PATCH",
        "/api/v1/books/{book_id}",
        send("PATCH", "/api/v1/books/{book_id}", "librarian", json={"copies_total": 5}),
    ),
    "book update below its loans": Case(
        409,
        "PATCH",
        "/api/v1/books/{book_id}",
        send("PATCH", "/api/v1/books/{book_id}", "librarian", json={"copies_total": 0}),
        needs=("loan_id",),
    ),
    "book delete": Case(
        204,
        "DELETE",
        "/api/v1/books/{book_id}",
        send("DELETE", "/api/v1/books/{spare_book_id}", "librarian"),
    ),
    "book delete while on loan": Case(
        409,
        "DELETE",
        "/api/v1/books/{book_id}",
        send("DELETE", "/api/v1/books/{book_id}", "librarian"),
        needs=("loan_id",),
    ),
    "borrow": Case(
        201,
        "POST",
        "/api/v1/loans",
        send("POST", "/api/v1/loans", "member", body=spare_book),
    ),
    "borrow the last copy twice": Case(
        409,
        "POST",
        "/api/v1/loans",
        send("POST", "/api/v1/loans", "librarian", body=last_copy),
        needs=("loan_id",),
    ),
    "loans": Case(
        200,
        "GET",
        "/api/v1/loans",
        send("GET", "/api/v1/loans", "librarian"),
        needs=("loan_id",),
    ),
    "loan": Case(
        200, "GET", "/api/v1/loans/{loan_id}", send("GET", "/api/v1/loans/{loan_id}", "member")
    ),
    "loan missing": Case(
        404, "GET", "/api/v1/loans/{loan_id}", send("GET", "/api/v1/loans/{missing}", "member")
    ),
    "return": Case(
        200,
        "POST",
        "/api/v1/loans/{loan_id}/return",
        send("POST", "/api/v1/loans/{loan_id}/return", "member"),
    ),
    "return twice": Case(
        409,
        "POST",
        "/api/v1/loans/{loan_id}/return",
        twice(
            send("POST", "/api/v1/loans/{loan_id}/return", "member"),
            send("POST", "/api/v1/loans/{loan_id}/return", "member"),
        ),
    ),
}


@pytest.mark.task("06.4")
@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_response_keeps_the_documented_contract(
    case: Case, client: FlaskClient, world: World, document: dict[str, Any]
) -> None:
    for name in case.needs:
        world.ids.make(name)
    response = case.send(client, world)

    assert response.status_code == case.status, response.get_data(as_text=True)
    check_response(document, case.path, case.method, response)


@pytest.mark.task("06.4")
def test_the_check_fails_on_a_status_the_document_does_not_list(
    client: FlaskClient, document: dict[str, Any]
) -> None:
    response = client.get("/healthz")
    response.status_code = 418

    with pytest.raises(AssertionError, match="answered 418, which the document does not list"):
        check_response(document, "/healthz", "GET", response)


@pytest.mark.task("06.4")
def test_the_check_fails_on_a_body_off_its_schema(
    client: FlaskClient, document: dict[str, Any]
) -> None:
    response = client.get("/api/v1/books/1")
    assert response.status_code == 404
    response.set_data(json.dumps({"code": "not_found", "message": "gone"}))

    with pytest.raises(ValidationError, match="'details' is a required property"):
        check_response(document, "/api/v1/books/{book_id}", "GET", response)


@pytest.mark.task("06.4")
def test_the_check_fails_without_the_request_id_header(
    client: FlaskClient, document: dict[str, Any]
) -> None:
    response = client.get("/healthz")
    del response.headers["X-Request-ID"]

    with pytest.raises(AssertionError, match="the X-Request-ID header is missing"):
        check_response(document, "/healthz", "GET", response)


def documented_operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Every (path, method, operation) in the document."""
    for path, path_item in document["paths"].items():
        for method in HTTP_METHODS:
            if method in path_item:
                yield path, method, path_item[method]


def any_url(path: str) -> str:
    """A URL for the path template, with 1 for every id."""
    return re.sub(r"\{[^}]+\}", "1", path)


@pytest.mark.task("06.4")
def test_operations_that_need_a_token_say_so(client: FlaskClient, document: dict[str, Any]) -> None:
    """Without a token, a protected operation answers 401 and a public one never does."""
    wrong = []
    for path, method, operation in documented_operations(document):
        response = client.open(any_url(path), method=method.upper())
        protected = operation.get("security") == [{"bearerAuth": []}]
        if (response.status_code == 401) != protected:
            wrong.append(f"{method.upper()} {path}: {response.status_code}")
        elif protected:
            check_response(document, path, method, response)

    assert wrong == []


@pytest.fixture
def limited_app(monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """An app whose every rate limit allows one request a minute."""
    monkeypatch.setenv("RATELIMIT_ENABLED", "1")
    limits = ("RATELIMIT_DEFAULT", "RATELIMIT_LOGIN_ACCOUNT", "RATELIMIT_LOGIN_ADDRESS")
    for limit in (*limits, "RATELIMIT_REGISTER"):
        monkeypatch.setenv(limit, "1 per minute")
    app = create_app("testing")
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


@pytest.mark.task("06.4")
def test_operations_list_429_exactly_when_they_are_rate_limited(limited_app: Flask) -> None:
    document = build_spec(limited_app)
    client = limited_app.test_client()
    wrong = []
    for path, method, operation in documented_operations(document):
        client.open(any_url(path), method=method.upper())
        second = client.open(any_url(path), method=method.upper())
        if (second.status_code == 429) != ("429" in operation["responses"]):
            wrong.append(f"{method.upper()} {path}: {second.status_code}")
        elif second.status_code == 429:
            check_response(document, path, method, second)

    assert wrong == []
