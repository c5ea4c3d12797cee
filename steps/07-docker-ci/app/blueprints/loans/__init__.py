"""Borrowing and returning books."""

from app.blueprints.loans.routes import loans_bp

__all__ = ["loans_bp"]
