"""Flask's cookie session still works, and costs nothing on requests that have none."""

from __future__ import annotations

from flask import Flask, session

from app import create_app


def test_a_request_without_a_session_sets_no_cookie(app: Flask) -> None:
    response = app.test_client().get("/api/v1/books")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert "Cookie" not in response.headers.get("Vary", "")


def test_a_session_is_signed_into_a_cookie_and_read_back() -> None:
    app = create_app("testing")
    # The session cookie is Secure and scoped to /oauth (config.py): ask there, over HTTPS.
    path = "/oauth/visits"

    @app.get(path)
    def visits() -> dict[str, int]:
        session["visits"] = session.get("visits", 0) + 1
        return {"visits": session["visits"]}

    client = app.test_client()
    first = client.get(path, base_url="https://localhost")
    assert first.get_json() == {"visits": 1}
    assert "session=" in first.headers["Set-Cookie"]
    assert "Cookie" in first.headers["Vary"]
    assert client.get(path, base_url="https://localhost").get_json() == {"visits": 2}
    client.set_cookie("session", "forged", path="/oauth")
    assert client.get(path, base_url="https://localhost").get_json() == {"visits": 1}
