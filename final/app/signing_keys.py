"""The keys that sign tokens: one current key signs, the keys before it verify until retired.

Tokens are signed with ES256 (ECDSA on P-256), an asymmetric algorithm: only this API holds the
private key, and anyone may check a token with the public keys served at
``/.well-known/jwks.json``. Each key is named by its ``kid``, the RFC 7638 thumbprint of its
public key, and every token says in its header which key signed it.

Keys live where production secrets live, never in the database:

* ``JWT_PRIVATE_KEY``: the one key, as PEM, for platforms that hand secrets over as variables.
  It is rotated by the platform (a new value, a redeploy), which signs everyone out once.
* ``JWT_KEYS_DIR``: a directory (a mounted secret volume in production) holding a keyring:
  ``keyring.json`` and one ``<kid>.pem`` per key, made with a first key when the app first
  starts on an empty directory. ``flask keys rotate`` adds a new current key;
  the one before keeps verifying for the refresh token lifetime, the longest a token signed with
  it can live, and after that it is retired: never trusted again, and its file removed at the
  next rotation.

Development without either keeps its keyring under ``instance/``; the tests keep a generated key
in memory; production refuses to start without one of the two (see config.py).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from flask import Flask, current_app

from app.config import ConfigError

ALGORITHM = "ES256"
KEYRING_FILE = "keyring.json"
_EXTENSION_KEY = "signing_keys"


@dataclass(frozen=True)
class SigningKey:
    """A private key, its id, and when it stops verifying (None while it signs)."""

    kid: str
    private_key: ec.EllipticCurvePrivateKey
    retires_at: datetime | None = None

    def public_jwk(self) -> dict[str, str]:
        """The public half as a JSON Web Key (RFC 7517), as the JWKS document lists it."""
        return {
            **_public_members(self.private_key),
            "kid": self.kid,
            "alg": ALGORITHM,
            "use": "sig",
        }


@dataclass(frozen=True)
class Keyring:
    """The key that signs new tokens, and the earlier keys that still verify old ones."""

    current: SigningKey
    previous: tuple[SigningKey, ...] = ()

    def verifying(self, now: datetime) -> list[SigningKey]:
        """The keys a token may be signed with at ``now``: the current one and the unretired."""
        alive = [key for key in self.previous if key.retires_at is None or key.retires_at > now]
        return [self.current, *alive]

    def find(self, kid: object, now: datetime) -> SigningKey | None:
        """The verifying key named ``kid``, or None (unknown or retired)."""
        return next((key for key in self.verifying(now) if key.kid == kid), None)


def generate_key() -> SigningKey:
    """A new random P-256 key, named by its thumbprint."""
    private_key = ec.generate_private_key(ec.SECP256R1())
    return SigningKey(kid=key_id(private_key), private_key=private_key)


def key_id(private_key: ec.EllipticCurvePrivateKey) -> str:
    """The RFC 7638 thumbprint of the public key: the same key always gets the same id."""
    members = json.dumps(_public_members(private_key), sort_keys=True, separators=(",", ":"))
    return _b64(hashlib.sha256(members.encode()).digest())


def load_private_key(pem: str, origin: str) -> SigningKey:
    """The P-256 key in ``pem``; ConfigError naming ``origin`` when it is not one."""
    # Some platforms flatten a multi-line variable, writing its newlines as backslash-n.
    data = pem.replace("\\n", "\n").encode()
    try:
        private_key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as error:
        raise ConfigError(f"{origin} is not an unencrypted PEM private key") from error
    if not isinstance(private_key, ec.EllipticCurvePrivateKey) or not isinstance(
        private_key.curve, ec.SECP256R1
    ):
        raise ConfigError(f"{origin} must be an EC key on the P-256 curve (for ES256)")
    return SigningKey(kid=key_id(private_key), private_key=private_key)


def private_pem(key: SigningKey) -> str:
    """The private key as unencrypted PKCS #8 PEM, the form ``JWT_PRIVATE_KEY`` takes."""
    return key.private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def read_keyring(directory: Path) -> Keyring:
    """The keyring stored in ``directory``; ConfigError when there is none or it is broken."""
    index_path = directory / KEYRING_FILE
    try:
        index = json.loads(index_path.read_text())
        current = _read_key(directory, index["current"], None)
        previous = tuple(
            _read_key(directory, entry["kid"], datetime.fromisoformat(entry["retires_at"]))
            for entry in index["previous"]
        )
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ConfigError(f"JWT_KEYS_DIR holds no readable keyring: {index_path}") from error
    return Keyring(current=current, previous=previous)


def create_keyring(directory: Path) -> Keyring:
    """Start a keyring in ``directory`` with one new key, unless another process just did.

    Two workers starting at once may both get here; only one index can be linked into place,
    and the other reads the winner's keyring instead of signing with a key nobody else knows.
    """
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    keyring = Keyring(current=generate_key())
    _write_key(directory, keyring.current)
    try:
        _write_index(directory, keyring, replace=False)
    except FileExistsError:
        (directory / f"{keyring.current.kid}.pem").unlink()
        return read_keyring(directory)
    return keyring


def rotate_keyring(directory: Path, *, overlap: timedelta, now: datetime) -> Keyring:
    """Sign with a new key from now on; the old one verifies for ``overlap``, then retires.

    Keys already retired are dropped from the keyring and their files deleted.
    """
    old = read_keyring(directory)
    new_key = generate_key()
    _write_key(directory, new_key)
    kept = [key for key in old.verifying(now) if key is not old.current]
    retiring = SigningKey(old.current.kid, old.current.private_key, retires_at=now + overlap)
    keyring = Keyring(current=new_key, previous=(retiring, *kept))
    _write_index(directory, keyring, replace=True)
    for key in old.previous:
        if key not in kept:
            (directory / f"{key.kid}.pem").unlink(missing_ok=True)
    return keyring


def init_signing_keys(app: Flask) -> None:
    """Load (or, where the configuration allows, generate) the app's keys, failing at start."""
    app.extensions[_EXTENSION_KEY] = None
    with app.app_context():
        current_keyring()


def current_keyring() -> Keyring:
    """The running app's keyring, read again whenever ``flask keys rotate`` has changed it.

    One ``stat`` per call is the price of letting every worker see a rotation at once, without
    a restart: a token signed by a worker with the new key must verify in all the others.
    """
    config = current_app.config
    cached: tuple[object, Keyring] | None = current_app.extensions[_EXTENSION_KEY]
    directory = keys_directory(current_app)
    if config["JWT_PRIVATE_KEY"]:
        if cached is None:
            cached = (None, Keyring(load_private_key(config["JWT_PRIVATE_KEY"], "JWT_PRIVATE_KEY")))
    elif directory is None:
        # The tests' keys: made once per app, kept in memory, gone with it.
        if cached is None:
            cached = (None, Keyring(current=generate_key()))
    else:
        index_path = directory / KEYRING_FILE
        if not index_path.exists():
            create_keyring(directory)
        stamp = index_path.stat().st_mtime_ns if index_path.exists() else None
        if cached is None or cached[0] != stamp:
            cached = (stamp, read_keyring(directory))
    current_app.extensions[_EXTENSION_KEY] = cached
    return cached[1]


def keys_directory(app: Flask) -> Path | None:
    """Where the keyring lives: ``JWT_KEYS_DIR``, ``instance/jwt-keys`` in development, or none."""
    if app.config["JWT_KEYS_DIR"]:
        return Path(app.config["JWT_KEYS_DIR"])
    if app.config["JWT_KEYS_IN_INSTANCE"]:
        return Path(app.instance_path) / "jwt-keys"
    return None


def utc_now() -> datetime:
    """The time now, in UTC."""
    return datetime.now(UTC)


def _public_members(private_key: ec.EllipticCurvePrivateKey) -> dict[str, str]:
    """The JWK members that define an EC public key, in RFC 7638's set."""
    numbers = private_key.public_key().public_numbers()
    return {
        "crv": "P-256",
        "kty": "EC",
        "x": _b64(numbers.x.to_bytes(32, "big")),
        "y": _b64(numbers.y.to_bytes(32, "big")),
    }


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _read_key(directory: Path, kid: str, retires_at: datetime | None) -> SigningKey:
    key = load_private_key((directory / f"{kid}.pem").read_text(), f"JWT_KEYS_DIR key {kid}")
    if key.kid != kid:
        raise ValueError(f"the key in {kid}.pem has another id")
    return SigningKey(kid=kid, private_key=key.private_key, retires_at=retires_at)


def _write_key(directory: Path, key: SigningKey) -> None:
    """Write the private key, readable by this user only."""
    path = directory / f"{key.kid}.pem"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(private_pem(key))


def _write_index(directory: Path, keyring: Keyring, *, replace: bool) -> None:
    """Write ``keyring.json`` whole, so a reader never sees half of it."""
    index: dict[str, Any] = {
        "current": keyring.current.kid,
        "previous": [
            {"kid": key.kid, "retires_at": key.retires_at.isoformat()}
            for key in keyring.previous
            if key.retires_at is not None
        ],
    }
    with tempfile.NamedTemporaryFile("w", dir=directory, delete=False, suffix=".tmp") as file:
        json.dump(index, file, indent=2)
    target = directory / KEYRING_FILE
    try:
        if replace:
            os.replace(file.name, target)
        else:
            os.link(file.name, target)
    finally:
        Path(file.name).unlink(missing_ok=True)
