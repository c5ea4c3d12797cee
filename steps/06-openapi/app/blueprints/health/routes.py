"""``/healthz`` answers whether the process is alive; it touches nothing else on purpose.

It is exempt from rate limits, since probes poll it all day.
"""

from flask import Blueprint

from app.extensions import limiter
from app.operations import operation

health_bp = Blueprint("health", __name__)


@health_bp.get("/healthz")
@limiter.exempt
@operation(response="Health")
def healthz() -> dict[str, str]:
    """Liveness: the process is up and can answer HTTP."""
    return {"status": "ok"}
