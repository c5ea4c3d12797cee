"""The API's front door: links to everything a client can explore."""

from app.blueprints.index.routes import index_bp

__all__ = ["index_bp"]
