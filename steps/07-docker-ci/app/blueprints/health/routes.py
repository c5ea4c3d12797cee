"""``/healthz`` says the process is alive; ``/readyz`` says it can serve (its database answers).

An orchestrator restarts an instance that fails liveness and stops routing to one that fails
readiness. Liveness touches nothing else on purpose: a database outage must not get every
instance restarted. Both are exempt from rate limits, since probes poll them all day.
"""

from typing import Any

from flask import Blueprint

from app.errors import ServiceUnavailable
from app.extensions import limiter
from app.services.health import UNAVAILABLE, check_readiness

health_bp = Blueprint("health", __name__)


@health_bp.get("/healthz")
@limiter.exempt
def healthz() -> dict[str, str]:
    """Liveness: the process is up and can answer HTTP.
    ---
    get:
      tags: [health]
      responses:
        200:
          description: The process is alive.
          content:
            application/json:
              schema:
                type: object
                properties:
                  status: {type: string, enum: [ok]}
    """
    return {"status": "ok"}


@health_bp.get("/readyz")
@limiter.exempt
def readyz() -> dict[str, Any]:
    """Readiness: the database answers.
    ---
    get:
      tags: [health]
      responses:
        200:
          description: Every dependency answers.
          content:
            application/json:
              schema:
                type: object
                properties:
                  status: {type: string, enum: [ok]}
                  checks:
                    type: object
                    properties:
                      database: {type: string, enum: [ok]}
        503:
          $ref: '#/components/responses/ServiceUnavailable'
    """
    # BEGIN TASK 07.1
    checks = check_readiness()
    if UNAVAILABLE in checks.values():
        raise ServiceUnavailable(
            "A dependency of the service does not answer.", details={"checks": checks}
        )
    return {"status": "ok", "checks": checks}
    # END TASK
