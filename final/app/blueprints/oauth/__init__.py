"""The OAuth 2 endpoints: the token endpoint, the sign-in and consent page, the metadata."""

from app.blueprints.oauth.routes import oauth_bp

__all__ = ["oauth_bp"]
