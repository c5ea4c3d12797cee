"""``/healthz`` says the process is alive; ``/readyz`` says it can serve (its database answers).

An orchestrator restarts an instance that fails liveness and stops routing to one that fails
readiness. Liveness touches nothing else on purpose: a database outage must not get every
instance restarted. Both are exempt from rate limits, since probes poll them all day.
"""

from typing import Any

from flask import Blueprint

from app.errors import ServiceUnavailable
from app.extensions import limiter
from app.operations import operation
from app.services.health import UNAVAILABLE, check_readiness

health_bp = Blueprint("health", __name__)


@health_bp.get("/healthz")
@limiter.exempt
@operation(response="Health")
def healthz() -> dict[str, str]:
    """Liveness: the process is up and can answer HTTP."""
    return {"status": "ok"}


@health_bp.get("/readyz")
@limiter.exempt
@operation(response="Readiness", errors=[503])
def readyz() -> dict[str, Any]:
    """Readiness: the database answers."""
    # BEGIN TASK 07.1
    checks = check_readiness()
    if UNAVAILABLE in checks.values():
        raise ServiceUnavailable(
            "A dependency of the service does not answer.", details={"checks": checks}
        )
    return {"status": "ok", "checks": checks}
    # END TASK
