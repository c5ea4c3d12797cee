"""User accounts and each user's loans."""

from app.blueprints.users.routes import users_bp

__all__ = ["users_bp"]
