"""Configuration comes from the environment, and production refuses unsafe settings.

These tests build config objects directly: they check settings, not HTTP behaviour.
"""

import pytest

from app import config
from app.config import ConfigError, load_config, normalise_database_url


def test_app_config_variable_chooses_the_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_CONFIG", "testing")
    assert isinstance(load_config(), config.TestingConfig)


def test_development_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("APP_CONFIG", raising=False)
    loaded = load_config()
    assert isinstance(loaded, config.DevelopmentConfig)
    assert loaded.DEBUG is True


def test_unknown_config_name_is_refused_with_the_known_names() -> None:
    with pytest.raises(ConfigError, match="development, testing, production"):
        load_config("staging")


@pytest.mark.parametrize("secret", [None, "short", config.DEVELOPMENT_SECRET_KEY])
def test_production_refuses_a_missing_short_or_development_secret(
    monkeypatch: pytest.MonkeyPatch, secret: str | None
) -> None:
    if secret is None:
        monkeypatch.delenv("SECRET_KEY", raising=False)
    else:
        monkeypatch.setenv("SECRET_KEY", secret)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        config.ProductionConfig()


def test_production_reads_its_secret_and_origins_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("CORS_ORIGINS", "https://a.example, https://b.example")
    production = config.ProductionConfig()
    assert production.SECRET_KEY == "x" * 40
    assert production.CORS_ORIGINS == ["https://a.example", "https://b.example"]
    assert production.DEBUG is False


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


def test_the_database_url_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/library")
    assert load_config("development").SQLALCHEMY_DATABASE_URI == "postgresql+psycopg://u@h/library"
    monkeypatch.delenv("DATABASE_URL")
    assert load_config("development").SQLALCHEMY_DATABASE_URI == "sqlite:///library.db"
    assert load_config("testing").SQLALCHEMY_DATABASE_URI == "sqlite://"
