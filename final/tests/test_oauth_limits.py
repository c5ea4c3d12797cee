"""The consent page's sign-in shares the API's limits on failed sign-ins.

Embedded only, like test_rate_limits.py: the limits kept in Redis, shared by every worker, are
proven against a real server in test_proof_workers.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from conftest import UserInfo
from flask.testing import FlaskClient
from oauth_flow import ReadingApp, csrf_token, register_reading_app
from werkzeug.test import TestResponse


@pytest.fixture
def backend(monkeypatch: pytest.MonkeyPatch) -> str:
    """The in-memory limiter only (see the module's docstring)."""
    monkeypatch.setenv("TEST_DATABASE_URL", "sqlite://")
    return "embedded"


@pytest.fixture(autouse=True)
def page_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rate limits on for the app the fixtures build, two failed sign-ins per account."""
    monkeypatch.setenv("RATELIMIT_ENABLED", "true")
    monkeypatch.setenv("RATELIMIT_DEFAULT", "1000 per minute")
    monkeypatch.setenv("RATELIMIT_LOGIN_ACCOUNT", "2 per 10 minutes")


@dataclass
class SignInPage:
    """The consent page's sign-in form for one member, ready to be posted."""

    client: FlaskClient
    member: UserInfo
    url: str
    csrf: str

    def attempt(self, password: str) -> TestResponse:
        """Post the sign-in form with ``password``."""
        form = {"csrf_token": self.csrf, "email": self.member.email, "password": password}
        return self.client.post(self.url, data=form | {"action": "sign_in"})


@pytest.fixture
def page(
    client: FlaskClient,
    auth_headers: Callable[[str], dict[str, str]],
    make_user: Callable[..., UserInfo],
) -> SignInPage:
    """A reading app's consent page, opened for a new member."""
    reading_app: ReadingApp = register_reading_app(client, auth_headers("admin"))
    url = reading_app.authorize_url()
    return SignInPage(client, make_user("member"), url, csrf_token(client.get(url)))


def test_failed_sign_ins_on_the_page_count_against_the_login_limit(page: SignInPage) -> None:
    assert page.attempt("wrong-password-1").status_code == 401
    assert page.attempt("wrong-password-2").status_code == 401
    limited = page.attempt(page.member.password)

    assert limited.status_code == 429
    assert limited.headers["Retry-After"]


def test_failed_sign_ins_on_the_page_and_the_api_add_up(
    client: FlaskClient, page: SignInPage
) -> None:
    assert page.attempt("wrong-password-1").status_code == 401
    wrong = {"email": page.member.email.upper(), "password": "wrong-password-2"}
    assert client.post("/api/v1/auth/login", json=wrong).status_code == 401
    limited = client.post(
        "/api/v1/auth/login", json={"email": page.member.email, "password": page.member.password}
    )

    assert limited.status_code == 429
    assert limited.get_json()["code"] == "rate_limited"
