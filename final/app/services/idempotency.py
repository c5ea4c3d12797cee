"""Idempotency keys: a retried request (same ``Idempotency-Key``) gets the first answer again.

The key's row is inserted first, inside the same transaction as the work it guards. A second
request with the same key then waits on the unique index until the first commits, fails to
insert, and replays the stored answer: whatever the timing, the work happens once.
"""

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from app.errors import ApiError, Conflict
from app.extensions import db
from app.models import IdempotencyKey, User
from app.models.base import utc_now

# How long a key replays its answer; clients retry within minutes, so a day is generous.
KEY_LIFETIME = timedelta(hours=24)


@dataclass(frozen=True)
class StoredResponse:
    """The status and JSON body that answered the first request with a key."""

    status: int
    body: dict[str, Any]


class IdempotencyKeyReused(ApiError):
    """The key was already used with a different request body."""

    status = 422
    code = "idempotency_key_reused"
    message = "This Idempotency-Key was used with a different request; use a new key."


def fingerprint(payload: Mapping[str, Any]) -> str:
    """A hash of the request body that ignores key order and whitespace."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def claim_key(*, user: User, key: str, request_hash: str) -> IdempotencyKey | StoredResponse:
    """Claim ``key`` in the current transaction, or return the stored answer of its first use."""
    record = IdempotencyKey(user_id=user.id, key=key, request_hash=request_hash)
    try:
        with db.session.begin_nested():
            db.session.add(record)
    except IntegrityError:
        return _stored_response(user=user, key=key, request_hash=request_hash)
    return record


def store_response(record: IdempotencyKey, *, status: int, body: dict[str, Any]) -> None:
    """Keep the answer with the key; the caller's commit saves both with the work."""
    record.response_status = status
    record.response_body = body


def prune_keys(*, older_than: timedelta = KEY_LIFETIME) -> None:
    """Forget keys older than ``older_than``; a client retrying later than that acts anew."""
    cutoff = utc_now() - older_than
    db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < cutoff))
    db.session.commit()


def _stored_response(*, user: User, key: str, request_hash: str) -> StoredResponse:
    existing = db.session.scalar(
        select(IdempotencyKey).where(IdempotencyKey.user_id == user.id, IdempotencyKey.key == key)
    )
    if existing is None or existing.response_status is None or existing.response_body is None:
        # Only possible if the row vanished or was written without its answer: let them retry.
        raise Conflict("A request with this Idempotency-Key is in progress; retry shortly.")
    if existing.request_hash != request_hash:
        raise IdempotencyKeyReused()
    return StoredResponse(status=existing.response_status, body=existing.response_body)
