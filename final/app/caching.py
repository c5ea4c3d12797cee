"""Cache the public catalogue reads (books and authors) and answer ``If-None-Match`` with 304.

Every cached answer remembers the catalogue version it was made under. A write that changes a book
or an author (a loan or a return changes ``copies_available``) starts a new version, and from then
on every older answer counts as a miss and is replaced when next asked for. That beats deleting
keys one by one, which always misses one (page 3 of a filtered list...). The current version and
the answer are read together: one round trip to Redis.

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
from marshmallow import Schema
from redis.exceptions import RedisError

from app.extensions import cache
from app.operations import record

P = ParamSpec("P")
VERSION_KEY = "catalog:version"


def _cache_get_many(*keys: str) -> list[Any]:
    """The cached values of ``keys`` in one request, None for each one the cache does not hold."""
    try:
        return list(cache.get_many(*keys))
    except (RedisError, OSError):
        current_app.logger.warning("Cache unavailable; reading %s from the database", keys)
        return [None] * len(keys)


def _cache_set(key: str, value: Any, *, timeout: int | None = None) -> None:
    try:
        cache.set(key, value, timeout=timeout)
    except (RedisError, OSError):
        current_app.logger.warning("Cache unavailable; %s not stored", key)


def invalidate_catalog() -> str:
    """Start a new catalogue version, so no answer cached before it is served again; return it."""
    version = uuid.uuid4().hex
    # Timeout 0: the version must outlive every answer made under it.
    _cache_set(VERSION_KEY, version, timeout=0)
    return version


def cache_key(query_schema: Schema | None) -> str:
    """The key of this request: its path and its query as the view will understand it.

    The query goes through the view's schema first, so ``page=1``, ``page=01`` and no page at all
    share one entry, and parameters the view ignores cannot make a client's own copy. A query the
    schema refuses raises the same 422 the view would.
    """
    if query_schema is None:
        return f"catalog:{request.path}"
    query = query_schema.load(request.args)
    return f"catalog:{request.path}?{urlencode(sorted(query.items()))}"


@dataclass(frozen=True)
class CachedAnswer:
    """A cached 200: the catalogue version it was made under, its JSON body and that body's ETag.

    ``link`` is the page's ``Link`` header (None for a single item): the body alone would replay
    a page without it. The ETag hashes the body only, which is enough, because the header repeats
    the body's ``links``.
    """

    version: str
    etag: str
    body: bytes
    link: str | None = None


def cached_with_etag(
    query: Schema | None = None,
) -> Callable[[Callable[P, ResponseReturnValue]], Callable[P, Response]]:
    """Serve the view's 200 answers from the cache, with an ``ETag``, and 304 when unchanged.

    ``query`` is the schema the view loads its query string with (None when it reads none). Use
    it only on public routes: the answer must be the same whoever asks.
    """

    def decorator(view: Callable[P, ResponseReturnValue]) -> Callable[P, Response]:
        @wraps(view)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> Response:
            key = cache_key(query)
            version, entry = _cache_get_many(VERSION_KEY, key)
            if version is None:
                # No version yet, or the cache lost it: older answers cannot be trusted.
                version = invalidate_catalog()
            if isinstance(entry, CachedAnswer) and entry.version == version:
                response = current_app.response_class(entry.body, mimetype="application/json")
                if entry.link is not None:
                    response.headers["Link"] = entry.link
            else:
                response = current_app.make_response(view(*args, **kwargs))
                if response.status_code != 200:
                    return response
                body = response.get_data()
                # Hash once, when the answer is made; every hit then reuses the stored ETag.
                entry = CachedAnswer(
                    version=version,
                    etag=hashlib.sha256(body).hexdigest(),
                    body=body,
                    link=response.headers.get("Link"),
                )
                _cache_set(key, entry)
            # A client that already holds this version gets an empty 304, not the body again.
            if request.if_none_match.contains_weak(entry.etag):
                response = current_app.response_class(status=304)
            response.set_etag(entry.etag)
            # Clients may keep the answer but must ask (cheaply, with If-None-Match) before reuse.
            response.headers["Cache-Control"] = "no-cache"
            return response

        # Tell the OpenAPI document that this view answers 304 and sends an ETag.
        return record(wrapper, cached=True)

    return decorator


def forbid_storing(response: Response) -> Response:
    """Keep every cache from storing the answer: it may hold a token, a secret or a code.

    ``Pragma: no-cache`` beside ``Cache-Control: no-store`` is what RFC 6749 (section 5.1) asks
    of a token response, for the HTTP/1.0 caches that know only the older header. A blueprint
    whose every answer is such registers it with ``after_request``.
    """
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response
