"""Configuration classes, one per environment, with every secret and URL read from the environment.

The classes read the environment when they are instantiated, not when this module is imported, so
a test can set a variable and then build an app that sees it.
"""

import os

# A development-only default: ProductionConfig refuses to start with it.
DEVELOPMENT_SECRET_KEY = "development-only-secret-key-do-not-use-in-production"  # noqa: S105
MIN_SECRET_LENGTH = 32


class ConfigError(RuntimeError):
    """The environment does not describe a safe, complete configuration."""


def _split(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def normalise_database_url(url: str) -> str:
    """Point plain ``postgresql://`` URLs at the psycopg 3 driver, the one this project installs."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


class BaseConfig:
    """Settings shared by every environment; the subclasses change only what differs."""

    DEBUG = False
    TESTING = False
    # Only development fills its database with sample data (``flask seed``).
    SEED_ENABLED = False
    DEFAULT_DATABASE_URL = "sqlite:///library.db"

    def __init__(self) -> None:
        self.SECRET_KEY = os.environ.get("SECRET_KEY", DEVELOPMENT_SECRET_KEY)

        database_url = normalise_database_url(
            os.environ.get("DATABASE_URL", self.DEFAULT_DATABASE_URL)
        )
        self.SQLALCHEMY_DATABASE_URI = database_url

        # Browsers may call the API from these origins; none by default.
        self.CORS_ORIGINS = _split(os.environ.get("CORS_ORIGINS", ""))


class DevelopmentConfig(BaseConfig):
    """Local development: debug on, sample data, development defaults allowed."""

    DEBUG = True
    SEED_ENABLED = True


class TestingConfig(BaseConfig):
    """The test suite: an in-memory database."""

    TESTING = True

    def __init__(self) -> None:
        super().__init__()
        # A test database server may be named; the default is a fresh in-memory SQLite.
        database_url = normalise_database_url(os.environ.get("TEST_DATABASE_URL", "sqlite://"))
        self.SQLALCHEMY_DATABASE_URI = database_url


class ProductionConfig(BaseConfig):
    """Production: refuses to start on a missing, short or development secret."""

    def __init__(self) -> None:
        super().__init__()
        secret = os.environ.get("SECRET_KEY", "")
        if len(secret) < MIN_SECRET_LENGTH or secret == DEVELOPMENT_SECRET_KEY:
            raise ConfigError(
                f"SECRET_KEY must be set to a random value of at least {MIN_SECRET_LENGTH}"
                " characters in production"
            )


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
