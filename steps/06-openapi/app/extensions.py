"""The app's Flask extensions, created unbound here and bound to an app in ``init_extensions``.

Keeping them apart from the factory means any module can import an extension without importing
the app, which is what makes circular imports impossible. The imports from the app are the
models' declarative base and the rate limiter's strategy, which import nothing of the app.
"""

from typing import Any

from flask import Flask, current_app, has_request_context, request
from flask_caching import Cache
from flask_cors import CORS
from flask_jwt_extended import JWTManager, decode_token
from flask_jwt_extended.exceptions import JWTExtendedException
from flask_marshmallow import Marshmallow
from flask_sqlalchemy import SQLAlchemy
from jwt import PyJWTError
from sqlalchemy import Connection, event

from app.models.base import Base
from app.rate_windows import FIXED_WINDOW_FROM_HIT, Limiter

BEARER_PREFIX = "Bearer "


def client_address() -> str:
    """The client's IP address, as ProxyFix established it from the trusted proxies."""
    return request.remote_addr or "unknown"


def rate_limit_key() -> str:
    """Limit a signed-in user by user id (wherever they connect from), anyone else by address."""
    header = request.headers.get("Authorization", "")
    if header.startswith(BEARER_PREFIX):
        try:
            claims = decode_token(header.removeprefix(BEARER_PREFIX))
        except (PyJWTError, JWTExtendedException):
            # An unusable token earns no identity of its own: count it against the address.
            return f"address:{client_address()}"
        return f"user:{claims['sub']}"
    return f"address:{client_address()}"


def default_rate_limit() -> str:
    """The limit for every route without one of its own, read from the running app's config."""
    return str(current_app.config["RATELIMIT_DEFAULT"])


# A session lives for one request, so the objects it wrote need not be read again after commit:
# without this, the answer's dump reloads each one, and a row that a concurrent request deleted in
# between (a loan, when its borrower is deleted at that moment) fails the dump with a 500.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
ma = Marshmallow()
jwt = JWTManager()
cache = Cache()
cors = CORS()
# Limits are callables so each app (tests build many) reads its own configuration per request.
limiter = Limiter(
    rate_limit_key,
    default_limits=[default_rate_limit],
    headers_enabled=True,
    # The fixed window, with the headers' figures taken from the count itself (see rate_windows).
    strategy=FIXED_WINDOW_FROM_HIT,
    # A dead Redis must not take the API down: count in memory until it is back.
    in_memory_fallback_enabled=True,
    swallow_errors=True,
)


# HTTP's safe methods: a request with one of these reads and never writes.
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    """Make SQLite enforce foreign keys, let reads run beside a write, and leave transactions to us.

    Python's sqlite3 driver starts transactions late and on its own, which breaks SAVEPOINTs
    (a released savepoint would commit). Turning that off and emitting BEGIN ourselves (below)
    gives SQLite the same transactions as PostgreSQL. Write-ahead logging (WAL) lets readers
    read while a writer writes, where SQLite's default journal makes them wait for each other.
    """
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def _begin_sqlite_transaction(connection: Connection) -> None:
    """Start each SQLite transaction explicitly (see above), with the write lock if it may write.

    SQLite has one writer at a time. Two transactions that both read, then both try to write,
    deadlock, and SQLite fails one at once instead of waiting. ``BEGIN IMMEDIATE`` makes the
    second wait its turn (up to the connect timeout), so racing borrowers get 409, never 503.
    A request that only reads needs no write lock: a plain ``BEGIN`` lets any number run at once.
    """
    reads_only = has_request_context() and request.method in READ_ONLY_METHODS
    connection.exec_driver_sql("BEGIN" if reads_only else "BEGIN IMMEDIATE")


def init_extensions(app: Flask) -> None:
    """Bind every extension to ``app``."""
    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            event.listen(db.engine, "connect", _configure_sqlite_connection)
            event.listen(db.engine, "begin", _begin_sqlite_transaction)
    ma.init_app(app)
    jwt.init_app(app)
    limiter.init_app(app)
    cache.init_app(app)
    # Only the API is shared with browsers, and only with the origins the environment allows.
    # With none allowed, CORS would only inspect every response to add nothing: leave it out.
    if app.config["CORS_ORIGINS"]:
        cors.init_app(
            app,
            resources={r"/api/*": {"origins": app.config["CORS_ORIGINS"]}},
            expose_headers=["X-Request-ID", "ETag", "Retry-After"],
        )
