"""OAuth 2 clients: admins register them, rotate their secrets and revoke them."""

from app.blueprints.clients.routes import clients_bp

__all__ = ["clients_bp"]
