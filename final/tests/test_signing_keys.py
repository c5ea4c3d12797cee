"""Signing keys: ES256 with a kid, issuer and audience checked, a JWKS, and rotation by command."""

from __future__ import annotations

import secrets
import time
from pathlib import Path
from typing import Any

import jwt as pyjwt
import pytest
from conftest import MakeUser, bearer
from flask import Flask
from flask.testing import FlaskClient
from flask_jwt_extended import decode_token

from app import create_app
from app.config import ConfigError
from app.signing_keys import current_keyring, generate_key, private_pem

ME = "/api/v1/auth/me"
JWKS = "/.well-known/jwks.json"
REFRESH = "/api/v1/auth/refresh"


def kid_of(token: str) -> str:
    kid: str = pyjwt.get_unverified_header(token)["kid"]
    return kid


def published_kids(client: FlaskClient) -> list[str]:
    response = client.get(JWKS)
    assert response.status_code == 200
    return [key["kid"] for key in response.get_json()["keys"]]


def rotate(app: Flask) -> str:
    result = app.test_cli_runner().invoke(args=["keys", "rotate"])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def keys_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A keyring directory for the app the test builds next."""
    directory = tmp_path / "jwt-keys"
    monkeypatch.setenv("JWT_KEYS_DIR", str(directory))
    return directory


def test_tokens_are_es256_with_a_kid_issuer_and_audience(
    app: Flask, client: FlaskClient, make_user: MakeUser, tokens_for: Any
) -> None:
    token = tokens_for(make_user())["access_token"]

    header = pyjwt.get_unverified_header(token)
    assert header["alg"] == "ES256"
    assert header["kid"] in published_kids(client)
    with app.app_context():
        claims = decode_token(token)
    assert claims["iss"] == app.config["JWT_ENCODE_ISSUER"]
    assert claims["aud"] == app.config["JWT_ENCODE_AUDIENCE"]


def test_the_jwks_lists_public_keys_only(client: FlaskClient) -> None:
    response = client.get(JWKS)

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=300"
    [key] = response.get_json()["keys"]
    assert {key["kty"], key["crv"], key["alg"], key["use"]} == {"EC", "P-256", "ES256", "sig"}
    assert set(key) == {"kty", "crv", "x", "y", "kid", "alg", "use"}  # no private "d"


def test_a_token_for_another_audience_or_issuer_is_401(
    app: Flask, client: FlaskClient, make_user: MakeUser, tokens_for: Any
) -> None:
    token = tokens_for(make_user())["access_token"]
    header = pyjwt.get_unverified_header(token)
    with app.app_context():
        claims = decode_token(token)
        key = current_keyring().current.private_key
    for change in ({"aud": "another-api"}, {"iss": "https://elsewhere.example"}):
        forged = pyjwt.encode({**claims, **change}, key, algorithm="ES256", headers=header)
        response = client.get(ME, headers=bearer(forged))
        assert response.status_code == 401
        assert response.get_json()["code"] == "invalid_token"


def test_a_token_signed_by_an_unknown_key_is_401(
    app: Flask, client: FlaskClient, make_user: MakeUser, tokens_for: Any
) -> None:
    token = tokens_for(make_user())["access_token"]
    with app.app_context():
        claims = decode_token(token)
    stranger = generate_key()
    forged = pyjwt.encode(
        claims, stranger.private_key, algorithm="ES256", headers={"kid": kid_of(token)}
    )

    response = client.get(ME, headers=bearer(forged))

    assert response.status_code == 401
    assert response.get_json()["code"] == "invalid_token"


@pytest.fixture
def keyring_app(keys_dir: Path, app: Flask) -> Flask:
    """An app whose keys live in a keyring directory, as in production (built after keys_dir)."""
    return app


def test_rotation_mid_session_keeps_old_tokens_and_signs_new_ones_with_the_new_key(
    keyring_app: Flask, keys_dir: Path, make_user: MakeUser, tokens_for: Any
) -> None:
    client = keyring_app.test_client()
    before = tokens_for(make_user())
    old_kid = kid_of(before["access_token"])

    output = rotate(keyring_app)

    assert f"Key {old_kid} still verifies until" in output
    assert client.get(ME, headers=bearer(before["access_token"])).status_code == 200
    refreshed = client.post(REFRESH, headers=bearer(before["refresh_token"]))
    assert refreshed.status_code == 200
    new_kid = kid_of(refreshed.get_json()["access_token"])
    assert new_kid != old_kid
    assert new_kid in output
    assert published_kids(client) == [new_kid, old_kid]
    assert client.get(ME, headers=bearer(refreshed.get_json()["access_token"])).status_code == 200
    assert sorted(path.name for path in keys_dir.glob("*.pem")) == sorted(
        [f"{old_kid}.pem", f"{new_kid}.pem"]
    )


@pytest.fixture
def short_lived(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tokens that live one second, so a rotated key retires a second later."""
    monkeypatch.setenv("JWT_ACCESS_TOKEN_EXPIRES", "1")
    monkeypatch.setenv("JWT_REFRESH_TOKEN_EXPIRES", "1")


def test_a_retired_key_fails_and_leaves_the_jwks_and_the_keyring(
    short_lived: None,
    keyring_app: Flask,
    keys_dir: Path,
    make_user: MakeUser,
    tokens_for: Any,
) -> None:
    client = keyring_app.test_client()
    old_token = tokens_for(make_user())["access_token"]
    old_kid = kid_of(old_token)
    rotate(keyring_app)

    time.sleep(1.2)

    # Expired too, but refused for its key first: the signature cannot even be checked.
    response = client.get(ME, headers=bearer(old_token))
    assert response.status_code == 401
    assert response.get_json()["code"] == "invalid_token"
    assert old_kid not in published_kids(client)
    rotate(keyring_app)
    assert not (keys_dir / f"{old_kid}.pem").exists()


def test_a_key_from_the_environment_signs(
    monkeypatch: pytest.MonkeyPatch, make_user: MakeUser
) -> None:
    key = generate_key()
    monkeypatch.setenv("JWT_PRIVATE_KEY", private_pem(key).replace("\n", "\\n"))
    app = create_app("testing")

    assert published_kids(app.test_client()) == [key.kid]
    assert app.test_cli_runner().invoke(args=["keys", "rotate"]).exit_code != 0


def test_a_broken_key_stops_the_app_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JWT_PRIVATE_KEY", "not a key")
    with pytest.raises(ConfigError, match=r"^JWT_PRIVATE_KEY is not an unencrypted PEM"):
        create_app("testing")


def test_development_makes_its_keyring_on_first_start_and_keeps_it(
    monkeypatch: pytest.MonkeyPatch, keys_dir: Path
) -> None:
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    first = published_kids(create_app("development").test_client())

    assert (keys_dir / "keyring.json").exists()
    assert published_kids(create_app("development").test_client()) == first


def test_production_refuses_to_start_without_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_KEY", secrets.token_urlsafe(48))
    monkeypatch.setenv("JWT_SECRET_KEY", secrets.token_urlsafe(48))
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    monkeypatch.delenv("JWT_PRIVATE_KEY", raising=False)
    monkeypatch.delenv("JWT_KEYS_DIR", raising=False)
    with pytest.raises(ConfigError, match=r"^JWT_PRIVATE_KEY or JWT_KEYS_DIR must be set"):
        create_app("production")
