"""``GET /api/v1/`` lists the collections, so a client (or an agent) can discover the API."""

from flask import Blueprint, url_for

from app.blueprints.docs.routes import DOCS_URL
from app.operations import operation

index_bp = Blueprint("index", __name__)


@index_bp.get("/")
@operation(response="ApiIndex", tag="meta")
def index() -> dict[str, object]:
    """Name the API, link to each collection and its docs, and give each item's URL template.

    The templates are RFC 6570 URI templates: a client fills in ``{id}`` instead of gluing
    strings together from what it guessed about the URL layout.
    """
    return {
        "name": "Library API",
        "version": "v1",
        "links": {
            "login": url_for("auth.login"),
            "users": url_for("users.list_users"),
            "authors": url_for("authors.list_authors"),
            "books": url_for("books.list_books"),
            "loans": url_for("loans.list_loans"),
            "openapi": url_for("docs.openapi_document"),
            "docs": DOCS_URL,
        },
        "templates": {
            "user": url_for("users.list_users") + "/{id}",
            "user_loans": url_for("users.list_users") + "/{id}/loans",
            "author": url_for("authors.list_authors") + "/{id}",
            "book": url_for("books.list_books") + "/{id}",
            "loan": url_for("loans.list_loans") + "/{id}",
        },
    }
