"""Documents at the standard ``/.well-known/`` addresses (RFC 8615), for other programs to find."""

from app.blueprints.well_known.routes import well_known_bp

__all__ = ["well_known_bp"]
