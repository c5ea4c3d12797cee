"""``GET /api/v1/`` lists the collections, so a client (or an agent) can discover the API."""

from flask import Blueprint, url_for

from app.blueprints.docs.routes import DOCS_URL

index_bp = Blueprint("index", __name__)


@index_bp.get("/")
def index() -> dict[str, object]:
    """Name the API, link to each collection and its docs, and give each item's URL template.

    The templates are RFC 6570 URI templates: a client fills in ``{id}`` instead of gluing
    strings together from what it guessed about the URL layout.
    ---
    get:
      tags: [meta]
      responses:
        200:
          description: Links to every collection and the docs, and the URL template of each item.
          content:
            application/json:
              schema:
                type: object
                properties:
                  name: {type: string}
                  version: {type: string}
                  links:
                    type: object
                    additionalProperties: {type: string}
                  templates:
                    type: object
                    description: RFC 6570 URI templates of the items, such as /api/v1/books/{id}.
                    additionalProperties: {type: string}
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
