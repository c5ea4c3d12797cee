"""The authors of the catalogue."""

from app.blueprints.authors.routes import authors_bp

__all__ = ["authors_bp"]
