"""API keys for internal integrations: admins make, list and revoke them."""

from app.blueprints.api_keys.routes import api_keys_bp

__all__ = ["api_keys_bp"]
