"""Fixtures shared by the step's tests: a fresh app and client for every test."""

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app


@pytest.fixture
def app() -> Flask:
    """A new app in testing mode, so no test sees another's data."""
    return create_app("testing")


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """An HTTP client that calls the app without a server."""
    return app.test_client()
