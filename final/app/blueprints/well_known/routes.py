"""``GET /.well-known/jwks.json``: the public keys that verify this API's tokens (RFC 7517)."""

from flask import Blueprint, Response, jsonify

from app.operations import operation
from app.signing_keys import current_keyring, utc_now

well_known_bp = Blueprint("well_known", __name__)

# A verifier may keep the keys this long; a rotation publishes the new key at once, and the old
# one stays listed far longer than this (the refresh token lifetime), so no cached copy misleads.
JWKS_MAX_AGE_SECONDS = 300


@well_known_bp.get("/.well-known/jwks.json")
@operation(response="JsonWebKeySet", tag="meta")
def jwks() -> Response:
    """The public keys that verify the API's tokens: the current one and those not yet retired."""
    keys = [key.public_jwk() for key in current_keyring().verifying(utc_now())]
    response = jsonify({"keys": keys})
    response.headers["Cache-Control"] = f"public, max-age={JWKS_MAX_AGE_SECONDS}"
    return response
