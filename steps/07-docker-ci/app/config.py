"""Configuration classes, one per environment, with every secret and URL read from the environment.

The classes read the environment when they are instantiated, not when this module is imported, so
a test can set a variable and then build an app that sees it.
"""

import os
from datetime import timedelta
from typing import Any

# Development-only defaults: ProductionConfig refuses to start with either of them.
DEVELOPMENT_SECRET_KEY = "development-only-secret-key-do-not-use-in-production"  # noqa: S105
DEVELOPMENT_JWT_SECRET_KEY = "development-only-jwt-key-do-not-use-in-production"  # noqa: S105
MIN_SECRET_LENGTH = 32
# A random secret of 32 characters or more has far more; one character repeated, or a short
# pattern typed over and over, has fewer.
MIN_DISTINCT_CHARACTERS = 10
# Seconds to wait for a database or Redis connection before answering 503 instead of hanging.
CONNECT_TIMEOUT_SECONDS = 3


class ConfigError(RuntimeError):
    """The environment does not describe a safe, complete configuration."""


def secret_weakness(secret: str) -> str | None:
    """Why ``secret`` is too weak for production, or None when it passes.

    A simple rule that anyone can check by eye, not a proof of randomness. It refuses what
    people really deploy by mistake: an empty or short value, a pasted value with a stray space
    or newline, a development default with something added, and one character repeated.
    ``python -c "import secrets; print(secrets.token_urlsafe(48))"`` makes one that passes.
    """
    if len(secret) < MIN_SECRET_LENGTH:
        return f"must be at least {MIN_SECRET_LENGTH} characters"
    if secret != secret.strip():
        return "must not start or end with whitespace"
    if DEVELOPMENT_SECRET_KEY in secret or DEVELOPMENT_JWT_SECRET_KEY in secret:
        return "must not contain a development default"
    if len(set(secret)) < MIN_DISTINCT_CHARACTERS:
        return f"must have at least {MIN_DISTINCT_CHARACTERS} different characters"
    return None


def _split(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def _flag(name: str, default: bool) -> bool:
    """Read a yes/no variable: 1, true, yes and on (any case) mean yes."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _seconds(name: str, default: int) -> timedelta:
    return timedelta(seconds=int(os.environ.get(name, str(default))))


def normalise_database_url(url: str) -> str:
    """Point plain ``postgresql://`` URLs at the psycopg 3 driver, the one this project installs."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def engine_options(url: str) -> dict[str, Any]:
    """Pool and driver settings: check connections before use, and fail fast when none comes."""
    if url.startswith("sqlite"):
        # SQLite waits this long for another writer's lock before raising "database is locked".
        return {"connect_args": {"timeout": CONNECT_TIMEOUT_SECONDS}}
    return {
        "pool_pre_ping": True,
        "connect_args": {"connect_timeout": CONNECT_TIMEOUT_SECONDS},
    }


def redis_options() -> dict[str, Any]:
    """Redis client settings: give up on an unreachable Redis quickly instead of hanging."""
    return {
        "socket_timeout": CONNECT_TIMEOUT_SECONDS,
        "socket_connect_timeout": CONNECT_TIMEOUT_SECONDS,
    }


class BaseConfig:
    """Settings shared by every environment; the subclasses change only what differs."""

    DEBUG = False
    TESTING = False
    # Only development fills its database with sample data (``flask seed``).
    SEED_ENABLED = False
    DEFAULT_DATABASE_URL = "sqlite:///library.db"
    # Argon2id cost: the library's defaults (RFC 9106's second recommendation).
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST = 65536
    ARGON2_PARALLELISM = 4

    def __init__(self) -> None:
        self.SECRET_KEY = os.environ.get("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
        self.JWT_SECRET_KEY = os.environ.get("JWT_SECRET_KEY", DEVELOPMENT_JWT_SECRET_KEY)
        self.JWT_ACCESS_TOKEN_EXPIRES = _seconds("JWT_ACCESS_TOKEN_EXPIRES", 15 * 60)
        self.JWT_REFRESH_TOKEN_EXPIRES = _seconds("JWT_REFRESH_TOKEN_EXPIRES", 14 * 24 * 3600)
        self.JWT_TOKEN_LOCATION = ["headers"]
        # Tokens travel in headers, never cookies, so there is no CSRF to guard against.
        self.JWT_COOKIE_CSRF_PROTECT = False

        database_url = normalise_database_url(
            os.environ.get("DATABASE_URL", self.DEFAULT_DATABASE_URL)
        )
        self.SQLALCHEMY_DATABASE_URI = database_url
        self.SQLALCHEMY_ENGINE_OPTIONS = engine_options(database_url)

        # One Redis serves the rate-limit counters and the cache.
        self.REDIS_URL = os.environ.get("REDIS_URL") or None
        self.RATELIMIT_ENABLED = _flag("RATELIMIT_ENABLED", True)
        self.RATELIMIT_DEFAULT = os.environ.get("RATELIMIT_DEFAULT", "300 per minute")
        # Failed sign-ins only: strict per account (password guessing), loose per address.
        self.RATELIMIT_LOGIN_ACCOUNT = os.environ.get("RATELIMIT_LOGIN_ACCOUNT", "5 per 10 minutes")
        self.RATELIMIT_LOGIN_ADDRESS = os.environ.get(
            "RATELIMIT_LOGIN_ADDRESS", "100 per 10 minutes"
        )
        self.RATELIMIT_REGISTER = os.environ.get("RATELIMIT_REGISTER", "10 per hour")
        self.RATELIMIT_STORAGE_URI = self.REDIS_URL or "memory://"
        self.RATELIMIT_STORAGE_OPTIONS = redis_options() if self.REDIS_URL else {}
        self.CACHE_DEFAULT_TIMEOUT = int(os.environ.get("CACHE_DEFAULT_TIMEOUT", "300"))
        if self.REDIS_URL:
            self.CACHE_TYPE = "RedisCache"
            self.CACHE_REDIS_URL = self.REDIS_URL
            self.CACHE_OPTIONS = redis_options()
        else:
            self.CACHE_TYPE = "SimpleCache"

        # Browsers may call the API from these origins; none by default.
        self.CORS_ORIGINS = _split(os.environ.get("CORS_ORIGINS", ""))
        # How many proxies in front of the app set X-Forwarded-For; 0 trusts no such header.
        self.PROXY_FIX_X_FOR = int(os.environ.get("PROXY_FIX_X_FOR", "0"))
        self.LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")


class DevelopmentConfig(BaseConfig):
    """Local development: debug on, sample data, development defaults allowed."""

    DEBUG = True
    SEED_ENABLED = True


class TestingConfig(BaseConfig):
    """The test suite: an in-memory database, no rate limits, and cheap password hashing."""

    TESTING = True
    # Hashing at production cost would make the suite slow. The algorithm stays Argon2id, at the
    # smallest cost worth keeping: one pass over 64 KiB costs about 0.05 ms, where 1 MiB cost 0.5
    # ms on every user a test creates and every sign-in it makes.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 64
    ARGON2_PARALLELISM = 1

    def __init__(self) -> None:
        super().__init__()
        # A test database server may be named; the default is a fresh in-memory SQLite.
        database_url = normalise_database_url(os.environ.get("TEST_DATABASE_URL", "sqlite://"))
        self.SQLALCHEMY_DATABASE_URI = database_url
        self.SQLALCHEMY_ENGINE_OPTIONS = engine_options(database_url)
        # Rate limits get in the way of most tests; the tests of the limits turn them on.
        self.RATELIMIT_ENABLED = _flag("RATELIMIT_ENABLED", False)


class ProductionConfig(BaseConfig):
    """Production: refuses to start on a weak or shared secret, without Redis, or on SQLite.

    Each refusal is one line that names the variable to fix, so a failed deployment says why.
    """

    def __init__(self) -> None:
        super().__init__()
        for name in ("SECRET_KEY", "JWT_SECRET_KEY"):
            weakness = secret_weakness(os.environ.get(name, ""))
            if weakness is not None:
                raise ConfigError(f"{name} {weakness} in production")
        # One secret for both would let anything signed with one pass for the other.
        if self.JWT_SECRET_KEY == self.SECRET_KEY:
            raise ConfigError("JWT_SECRET_KEY must differ from SECRET_KEY in production")
        if self.REDIS_URL is None:
            # Each worker would keep its own rate-limit counts and token blocklist mirror.
            raise ConfigError("REDIS_URL must be set in production, for state every worker shares")
        # BEGIN TASK 07.3
        if self.SQLALCHEMY_DATABASE_URI.startswith("sqlite"):
            raise ConfigError("DATABASE_URL must name a PostgreSQL database in production")
        # END TASK


CONFIGS: dict[str, type[BaseConfig]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def load_config(name: str | None = None) -> BaseConfig:
    """Instantiate the configuration called ``name``, or the one ``APP_CONFIG`` names."""
    chosen = name or os.environ.get("APP_CONFIG", "development")
    if chosen not in CONFIGS:
        raise ConfigError(f"unknown configuration {chosen!r}: use one of {', '.join(CONFIGS)}")
    return CONFIGS[chosen]()
