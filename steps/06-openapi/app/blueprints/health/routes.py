"""``/healthz`` answers whether the process is alive; it touches nothing else on purpose.

It is exempt from rate limits, since probes poll it all day.
"""

from flask import Blueprint

from app.extensions import limiter

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
