"""``GET /api/v1/`` lists the collections, so a client (or an agent) can discover the API."""

from flask import Blueprint, url_for

from app.blueprints.docs.routes import DOCS_URL
from app.operations import operation

index_bp = Blueprint("index", __name__)


@index_bp.get("/")
@operation(response="ApiIndex", tag="meta")
def index() -> dict[str, object]:
    """Name the API and link to each collection and to its documentation."""
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
    }
