"""Liveness, readiness and the API index."""

from __future__ import annotations

from typing import Any

import pytest
import redis
from conftest import MakeBook
from flask import Flask
from flask.testing import FlaskClient

from app import create_app


def test_healthz_is_ok(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_checks_the_database(client: FlaskClient, backend: str) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    redis_state = "ok" if backend == "services" else "not_configured"
    assert response.get_json() == {
        "status": "ok",
        "checks": {"database": "ok", "redis": redis_state},
    }


def test_readyz_is_503_when_the_database_is_down(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:1/library")
    response = create_app("testing").test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["code"] == "service_unavailable"
    assert body["details"]["checks"]["database"] == "unavailable"


def test_readyz_is_503_when_redis_is_down(app: Flask, client: FlaskClient) -> None:
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["details"]["checks"] == {
        "database": "ok",
        "redis": "unavailable",
    }


def test_readyz_reuses_one_redis_client_and_its_pool(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[str] = []
    make_client = redis.Redis.from_url

    def counting_from_url(url: str, **options: Any) -> redis.Redis:
        made.append(url)
        return make_client(url, **options)

    monkeypatch.setattr(redis.Redis, "from_url", counting_from_url)
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/5"
    for _ in range(3):
        assert client.get("/readyz").get_json()["details"]["checks"]["redis"] == "unavailable"
    assert made == ["redis://127.0.0.1:1/5"]


def test_healthz_touches_nothing_even_when_the_database_is_down(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A file in a folder that does not exist: SQLite fails as soon as anything connects, and,
    # unlike a server's address, proving it needs no database driver imported.
    monkeypatch.setenv("TEST_DATABASE_URL", "sqlite:////nonexistent-folder/library.db")
    assert create_app("testing").test_client().get("/healthz").status_code == 200


def test_index_links_every_collection_and_the_docs(client: FlaskClient) -> None:
    links = client.get("/api/v1/").get_json()["links"]
    assert links["books"] == "/api/v1/books"
    assert links["authors"] == "/api/v1/authors"
    assert links["loans"] == "/api/v1/loans"
    assert links["users"] == "/api/v1/users"
    assert links["openapi"] == "/openapi.json"
    assert links["docs"] == "/docs"


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
