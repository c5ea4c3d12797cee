"""Health checks for load balancers and orchestrators."""

from app.blueprints.health.routes import health_bp

__all__ = ["health_bp"]
