"""The catalogue of books."""

from app.blueprints.books.routes import books_bp

__all__ = ["books_bp"]
