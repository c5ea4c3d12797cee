"""Configuration: environment-driven, and production refuses to start when unsafe."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest

from app import create_app
from app.config import (
    DEVELOPMENT_JWT_SECRET_KEY,
    DEVELOPMENT_SECRET_KEY,
    ConfigError,
    load_config,
    normalise_database_url,
    secret_weakness,
)

# Fixed stand-ins for secrets.token_urlsafe(48): a test must not depend on luck.
STRONG_SECRET = "kq3ZpF8vYw1LmT6xRb0NcJ4hGd9sUe2AoVi7"
STRONG_JWT_SECRET = "Xy7Qw2ErT5uI8oP1aS4dF6gH9jK3lZ0cVbNm"
POSTGRES_URL = "postgresql://library:pw@db.internal:5432/library"


@pytest.fixture
def production_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """An environment production accepts; each test then breaks one thing."""
    monkeypatch.setenv("SECRET_KEY", STRONG_SECRET)
    monkeypatch.setenv("JWT_SECRET_KEY", STRONG_JWT_SECRET)
    monkeypatch.setenv("DATABASE_URL", POSTGRES_URL)
    monkeypatch.setenv("REDIS_URL", "redis://redis.internal:6379/0")
    monkeypatch.setenv("JWT_KEYS_DIR", "/run/secrets/jwt-keys")
    return monkeypatch


def test_production_starts_with_strong_secrets_and_postgresql(
    production_env: pytest.MonkeyPatch,
) -> None:
    config = load_config("production")
    assert config.SQLALCHEMY_DATABASE_URI.startswith("postgresql+psycopg://")
    assert config.METRICS_ENABLED is False
    assert config.SEED_ENABLED is False


@pytest.mark.parametrize("variable", ["SECRET_KEY", "JWT_SECRET_KEY"])
@pytest.mark.parametrize(
    "value",
    [None, "short", DEVELOPMENT_SECRET_KEY, DEVELOPMENT_JWT_SECRET_KEY],
    ids=["missing", "short", "development-default", "development-jwt-default"],
)
def test_production_refuses_weak_secrets(
    production_env: pytest.MonkeyPatch, variable: str, value: str | None
) -> None:
    if value is None:
        production_env.delenv(variable)
    else:
        production_env.setenv(variable, value)
    with pytest.raises(ConfigError, match=variable):
        create_app("production")


@pytest.mark.parametrize("variable", ["SECRET_KEY", "JWT_SECRET_KEY"])
@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("a" * 40, "different characters"),
        (" " * 40, "whitespace"),
        ("abcd" * 10, "different characters"),
        (STRONG_SECRET + "\n", "whitespace"),
        (" " + STRONG_SECRET, "whitespace"),
        (DEVELOPMENT_SECRET_KEY + " ", "whitespace"),
        (DEVELOPMENT_JWT_SECRET_KEY + "-2", "development default"),
    ],
    ids=[
        "one-character",
        "spaces",
        "short-pattern",
        "trailing-newline",
        "leading-space",
        "development-padded",
        "development-suffixed",
    ],
)
def test_production_refuses_secrets_with_little_entropy(
    production_env: pytest.MonkeyPatch, variable: str, value: str, reason: str
) -> None:
    production_env.setenv(variable, value)
    with pytest.raises(ConfigError, match=rf"^{variable} .*{reason}") as refused:
        load_config("production")
    assert "\n" not in str(refused.value)


def test_secret_weakness_passes_a_generated_secret() -> None:
    assert secret_weakness(secrets.token_urlsafe(48)) is None
    assert secret_weakness(secrets.token_hex(32)) is None


def test_production_refuses_one_secret_for_both(production_env: pytest.MonkeyPatch) -> None:
    production_env.setenv("JWT_SECRET_KEY", STRONG_SECRET)
    with pytest.raises(ConfigError, match=r"^JWT_SECRET_KEY must differ from SECRET_KEY"):
        load_config("production")


def test_production_refuses_a_missing_redis_url(production_env: pytest.MonkeyPatch) -> None:
    production_env.delenv("REDIS_URL")
    with pytest.raises(ConfigError, match=r"^REDIS_URL"):
        load_config("production")


def test_production_refuses_sqlite(production_env: pytest.MonkeyPatch) -> None:
    production_env.setenv("DATABASE_URL", "sqlite:///library.db")
    with pytest.raises(ConfigError, match="DATABASE_URL"):
        load_config("production")


def test_production_refuses_a_missing_database_url(production_env: pytest.MonkeyPatch) -> None:
    production_env.delenv("DATABASE_URL")
    with pytest.raises(ConfigError, match="DATABASE_URL"):
        load_config("production")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///library.db", "sqlite:///library.db"),
    ],
)
def test_database_urls_use_the_psycopg_3_driver(given: str, expected: str) -> None:
    assert normalise_database_url(given) == expected


def test_app_config_variable_chooses_the_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_CONFIG", "testing")
    assert create_app().config["TESTING"] is True


def test_development_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("APP_CONFIG", raising=False)
    config = load_config()
    assert config.DEBUG is True
    assert config.SQLALCHEMY_DATABASE_URI == "sqlite:///library.db"
    assert config.METRICS_ENABLED is True


def test_unknown_configuration_is_refused() -> None:
    with pytest.raises(ConfigError, match="staging"):
        load_config("staging")


def test_token_lifetimes_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JWT_ACCESS_TOKEN_EXPIRES", "60")
    monkeypatch.setenv("JWT_REFRESH_TOKEN_EXPIRES", "3600")
    config = load_config("testing")
    assert timedelta(seconds=60) == config.JWT_ACCESS_TOKEN_EXPIRES
    assert timedelta(seconds=3600) == config.JWT_REFRESH_TOKEN_EXPIRES


def test_default_token_lifetimes_are_15_minutes_and_14_days() -> None:
    config = load_config("testing")
    assert timedelta(minutes=15) == config.JWT_ACCESS_TOKEN_EXPIRES
    assert timedelta(days=14) == config.JWT_REFRESH_TOKEN_EXPIRES


def test_redis_url_switches_cache_and_limits_to_redis(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_URL", "redis://cache.internal:6379/0")
    config = load_config("testing")
    assert config.CACHE_TYPE == "RedisCache"
    assert config.RATELIMIT_STORAGE_URI == "redis://cache.internal:6379/0"


def test_without_redis_cache_and_limits_live_in_memory() -> None:
    config = load_config("testing")
    assert config.CACHE_TYPE == "SimpleCache"
    assert config.RATELIMIT_STORAGE_URI == "memory://"
    assert config.REDIS_URL is None


def test_request_bodies_are_limited_to_one_mebibyte() -> None:
    assert load_config("testing").MAX_CONTENT_LENGTH == 1024 * 1024


def test_postgresql_engine_options(production_env: pytest.MonkeyPatch) -> None:
    options = load_config("production").SQLALCHEMY_ENGINE_OPTIONS
    assert options["pool_pre_ping"] is True
    assert 0 < options["connect_args"]["connect_timeout"] <= 10
