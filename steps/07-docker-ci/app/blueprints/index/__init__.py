"""The API index: where a client (or an agent) starts discovering the API."""

from app.blueprints.index.routes import index_bp

__all__ = ["index_bp"]
