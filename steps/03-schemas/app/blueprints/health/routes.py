"""``/healthz`` answers whether the process is alive; it touches nothing else on purpose."""

from flask import Blueprint

health_bp = Blueprint("health", __name__)


@health_bp.get("/healthz")
def healthz() -> dict[str, str]:
    """Liveness: the process is up and can answer HTTP."""
    return {"status": "ok"}
