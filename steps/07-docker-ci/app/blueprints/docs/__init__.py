"""API documentation: register ``docs_bp`` (/openapi.json) and ``swagger_ui_bp`` (/docs)."""

from app.blueprints.docs.routes import docs_bp, swagger_ui_bp

__all__ = ["docs_bp", "swagger_ui_bp"]
