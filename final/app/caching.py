"""Cache the public catalogue reads (books and authors) and answer ``If-None-Match`` with 304.

Every cache key carries the catalogue's current version. A write that changes a book or an author
(a loan or a return changes ``copies_available``) gives the catalogue a new version, and every
older entry is simply never read again until it expires. That beats deleting keys one by one,
which always misses one (page 3 of a filtered list...).

The cache only speeds things up: when it fails (Redis down), requests go to the database.
"""

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, ParamSpec
from urllib.parse import urlencode

from flask import Response, current_app, request
from flask.typing import ResponseReturnValue
from redis.exceptions import RedisError

from app.extensions import cache

P = ParamSpec("P")
VERSION_KEY = "catalog:version"


def _cache_get(key: str) -> Any:
    try:
        return cache.get(key)
    except (RedisError, OSError):
        current_app.logger.warning("Cache unavailable; reading %s from the database", key)
        return None


def _cache_set(key: str, value: Any, *, timeout: int | None = None) -> None:
    try:
        cache.set(key, value, timeout=timeout)
    except (RedisError, OSError):
        current_app.logger.warning("Cache unavailable; %s not stored", key)


def catalog_version() -> str:
    """The catalogue's current version, starting a new one when the cache has none."""
    version = _cache_get(VERSION_KEY)
    if version is None:
        version = uuid.uuid4().hex
        # Timeout 0: the version must outlive every entry made under it.
        _cache_set(VERSION_KEY, version, timeout=0)
    return str(version)


def invalidate_catalog() -> None:
    """Start a new catalogue version, so no cached book or author list is read again."""
    _cache_set(VERSION_KEY, uuid.uuid4().hex, timeout=0)


def cache_key() -> str:
    """The key of this request: version, path and the query parameters in a stable order."""
    query = urlencode(sorted(request.args.items(multi=True)))
    return f"catalog:{catalog_version()}:{request.path}?{query}"


@dataclass(frozen=True)
class CachedAnswer:
    """A cached 200: its JSON body and the ETag computed from it."""

    etag: str
    body: bytes


def cached_with_etag(view: Callable[P, ResponseReturnValue]) -> Callable[P, Response]:
    """Serve the view's 200 answers from the cache, with an ``ETag``, and 304 when unchanged.

    Use it only on public routes: the answer must be the same whoever asks.
    """

    @wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Response:
        key = cache_key()
        entry = _cache_get(key)
        if isinstance(entry, CachedAnswer):
            response = current_app.response_class(entry.body, mimetype="application/json")
        else:
            response = current_app.make_response(view(*args, **kwargs))
            if response.status_code != 200:
                return response
            body = response.get_data()
            # Hash once, when the answer is made; every hit then reuses the stored ETag.
            entry = CachedAnswer(etag=hashlib.sha256(body).hexdigest(), body=body)
            _cache_set(key, entry)
        etag = entry.etag
        # A client that already holds this version gets an empty 304 instead of the body again.
        if request.if_none_match.contains_weak(etag):
            response = current_app.response_class(status=304)
        response.set_etag(etag)
        # Clients may keep the answer but must ask (cheaply, with If-None-Match) before reuse.
        response.headers["Cache-Control"] = "no-cache"
        return response

    return wrapper
