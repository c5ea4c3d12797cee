"""Registration, sign-in and tokens."""

from app.blueprints.auth.routes import auth_bp

__all__ = ["auth_bp"]
