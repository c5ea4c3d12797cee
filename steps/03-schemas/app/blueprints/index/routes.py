"""``GET /api/v1/`` lists the collections, so a client (or an agent) can discover the API."""

from flask import Blueprint, url_for

index_bp = Blueprint("index", __name__)


@index_bp.get("/")
def index() -> dict[str, object]:
    """Name the API and link to each collection."""
    return {
        "name": "Library API",
        "version": "v1",
        "links": {
            "users": url_for("users.list_users"),
            "authors": url_for("authors.list_authors"),
            "books": url_for("books.list_books"),
            "loans": url_for("loans.list_loans"),
        },
    }
