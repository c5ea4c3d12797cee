"""The whole delegated-access flow in a real browser: headless Chromium, driven by Playwright.

The app is served on a local port; the browser opens the authorization request as a reading app
would send it, signs in, allows, and is redirected to the app's callback, which Playwright's
routing answers in place of the app (nothing leaves the machine). The test then exchanges the
code with the verifier, as the app's server would. What a test client cannot show, this does:
that the page works under its own Content-Security-Policy, that the browser keeps the session
cookie with its attributes, and that the redirect after the form is allowed by ``form-action``.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import AuthHeaders, MakeUser
from flask import Flask
from oauth_flow import CALLBACK, ReadingApp, register_reading_app
from playwright.sync_api import Route, sync_playwright
from werkzeug.serving import make_server


def chromium() -> str:
    """The Chromium executable, or a skip (a failure when REQUIRE_BROWSER=1)."""
    found = shutil.which("chromium")
    if found:
        return found
    reason = "chromium is not on PATH: the consent flow was not run in a browser"
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (REQUIRE_BROWSER=1)")
    pytest.skip(reason)


@pytest.fixture
def served(app: Flask) -> Iterator[str]:
    """The test's app over HTTP on a free port of localhost, stopped after the test."""
    server = make_server("localhost", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://localhost:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def reading_app(app: Flask, auth_headers: AuthHeaders) -> ReadingApp:
    """A reading app registered for the code flow."""
    return register_reading_app(app.test_client(), auth_headers("admin"))


def test_a_member_signs_in_and_consents_in_chromium_and_the_code_buys_a_token(
    app: Flask,
    served: str,
    reading_app: ReadingApp,
    make_user: MakeUser,
) -> None:
    member = make_user("member")
    browser_path = chromium()
    callbacks: list[str] = []
    problems: list[str] = []

    def answer_callback(route: Route) -> None:
        callbacks.append(route.request.url)
        route.fulfill(status=200, content_type="text/plain", body="Back in the reading app.")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=browser_path, args=["--no-sandbox"])
        context = browser.new_context()
        context.route(f"{CALLBACK}*", answer_callback)
        page = context.new_page()
        page.on("console", lambda message: problems.append(message.text))
        page.goto(served + reading_app.authorize_url(), wait_until="load")
        page.get_by_label("Email").fill(member.email)
        page.get_by_label("Password").fill(member.password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_selector("#scopes")
        consent_text = page.inner_text("main")
        cookies: list[Any] = context.cookies(served + "/oauth/authorize")
        page.get_by_role("button", name="Allow").click()
        page.wait_for_url(f"{CALLBACK}*")
        browser.close()

    assert "Reading app" in consent_text
    assert "loans:read" in consent_text
    [cookie] = cookies
    assert cookie["httpOnly"] is True
    assert cookie["secure"] is True
    assert cookie["sameSite"] == "Lax"
    assert cookie["path"] == "/oauth"
    assert problems == []  # no Content-Security-Policy violation, no script error
    [callback] = callbacks
    query = parse_qs(urlsplit(callback).query)
    assert query["state"] == ["state-42"]
    exchanged = reading_app.exchange(app.test_client(), query["code"][0])
    assert exchanged.status_code == 200, exchanged.get_json()
    tokens = exchanged.get_json()
    assert tokens["scope"] == "loans:read"
    loans = app.test_client().get(
        "/api/v1/loans", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert loans.status_code == 200
