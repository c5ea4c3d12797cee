"""Readiness: can this instance reach what it needs to serve requests?"""

import redis
from flask import current_app
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.config import redis_options
from app.extensions import db

OK = "ok"
UNAVAILABLE = "unavailable"
NOT_CONFIGURED = "not_configured"
REDIS_CLIENTS = "readiness_redis_clients"


def check_readiness() -> dict[str, str]:
    """The state of each dependency: ``ok``, ``unavailable`` or ``not_configured``."""
    return {"database": _check_database(), "redis": _check_redis()}


def _check_database() -> str:
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        current_app.logger.warning("Readiness: the database does not answer")
        return UNAVAILABLE
    return OK


def _redis_client(url: str) -> redis.Redis:
    """The app's client for ``url``, made once: its pool keeps the connection between checks.

    A new client per check would open (and close) a connection for every probe, every few
    seconds, from every instance.
    """
    clients: dict[str, redis.Redis] = current_app.extensions.setdefault(REDIS_CLIENTS, {})
    if url not in clients:
        # Two threads may both get here; setdefault keeps one client and the other goes unused.
        clients.setdefault(url, redis.Redis.from_url(url, **redis_options()))
    return clients[url]


def _check_redis() -> str:
    url = current_app.config["REDIS_URL"]
    if not url:
        return NOT_CONFIGURED
    try:
        _redis_client(url).ping()
    except (RedisError, OSError):
        current_app.logger.warning("Readiness: Redis does not answer")
        return UNAVAILABLE
    return OK
