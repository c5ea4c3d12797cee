"""A member's grants to OAuth 2 clients: listed and revoked by the member."""

from app.blueprints.grants.routes import grants_bp

__all__ = ["grants_bp"]
