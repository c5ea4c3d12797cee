"""Readiness: can this instance reach what it needs to serve requests?"""

from flask import current_app
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db

OK = "ok"
UNAVAILABLE = "unavailable"


def check_readiness() -> dict[str, str]:
    """The state of each dependency: ``ok`` or ``unavailable``."""
    return {"database": _check_database()}


def _check_database() -> str:
    # BEGIN TASK 07.1
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        current_app.logger.warning("Readiness: the database does not answer")
        return UNAVAILABLE
    return OK
    # END TASK
