"""Rate-limit headers from the count the limiter just made, not from two more reads.

Flask-Limiter counts a request with the strategy's ``hit``, then, for the ``X-RateLimit-*``
headers, asks the strategy for the window again (``get_window_stats``): on Redis that is a
``GET`` and a ``TTL`` after the count, three round trips where one holds the answer. The
strategy here is limits' fixed window with one change: its ``hit`` increments and reads the
time to live in a single Lua script, and remembers the window for the rest of the request, so
the headers cost no round trip at all. It counts exactly as the fixed window does (the same
keys, the same script's increment and expiry), so a limit shared with a plain fixed window
keeps one count.
"""

import time
from typing import Any

import flask_limiter
from flask import Flask, g, has_request_context
from flask_limiter import ExemptionScope, Limit
from flask_limiter._limits import ApplicationLimit, RuntimeLimit
from flask_limiter._manager import LimitManager
from limits import RateLimitItem
from limits.storage import MemoryStorage, RedisStorage, Storage
from limits.strategies import STRATEGIES, FixedWindowRateLimiter
from limits.util import WindowStats

# The name Flask-Limiter's ``strategy`` option knows this strategy by (registered below).
FIXED_WINDOW_FROM_HIT = "fixed-window-from-hit"

# limits' own increment script (incr_expire.lua), returning the key's time to live as well.
INCREMENT_AND_READ_TTL = """
local amount = tonumber(ARGV[2])
local current = redis.call("incrby", KEYS[1], amount)
if current == amount then
    redis.call("expire", KEYS[1], ARGV[1])
end
return {current, redis.call("ttl", KEYS[1])}
"""


class FixedWindowFromHit(FixedWindowRateLimiter):
    """limits' fixed window, whose window stats come from the request's own hit."""

    def __init__(self, storage: Storage) -> None:
        super().__init__(storage)
        self._redis_script = None
        if isinstance(storage, RedisStorage):
            self._redis_script = storage.get_connection().register_script(
                INCREMENT_AND_READ_TTL.encode()
            )

    def _increment(self, key: str, expiry: int, cost: int) -> tuple[int, float]:
        """Add ``cost`` to the window of ``key``; return its count and when it resets."""
        if self._redis_script is not None:
            assert isinstance(self.storage, RedisStorage)
            count, ttl = self._redis_script([self.storage.prefixed_key(key)], [expiry, cost])
            return int(count), max(int(ttl), 0) + time.time()
        count = self.storage.incr(key, expiry, amount=cost)
        return count, self.storage.get_expiry(key)

    def hit(self, item: RateLimitItem, *identifiers: str, cost: int = 1) -> bool:
        """Count the request, as the fixed window does, and keep the window for the headers."""
        key = item.key_for(*identifiers)
        count, reset = self._increment(key, item.get_expiry(), cost)
        if has_request_context():
            g.setdefault("rate_windows", {})[key] = WindowStats(reset, max(0, item.amount - count))
        return count <= item.amount

    def get_window_stats(self, item: RateLimitItem, *identifiers: str) -> WindowStats:
        """The window this request's hit saw; read from storage only when it made none."""
        key = item.key_for(*identifiers)
        seen: dict[str, WindowStats] = g.get("rate_windows", {}) if has_request_context() else {}
        if key in seen:
            return seen[key]
        return super().get_window_stats(item, *identifiers)


class SweptMemoryStorage(MemoryStorage):
    """limits' memory storage, sweeping expired windows inline instead of from a thread.

    limits' ``MemoryStorage.incr`` starts a ``threading.Timer`` whenever the last one has run,
    and each runs 10 ms after it starts: a new thread every few requests, whose start waits for
    the scheduler (on a loaded machine, the biggest part of the limiter's cost). Counting does
    not need it (``get`` already drops an expired window); only memory does, so here the windows
    that have ended are dropped by the request that comes at least a second after the last
    sweep. Declaring limits' own ``memory`` scheme makes ``memory://`` build this class.
    """

    STORAGE_SCHEME = ["memory"]  # noqa: RUF012  (limits declares it as a plain attribute)
    SWEEP_EVERY_SECONDS = 1.0

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: str):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.swept_at = time.time()

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        """Add ``amount`` to the window of ``key``, starting a new one when it has ended."""
        now = time.time()
        if now - self.swept_at >= self.SWEEP_EVERY_SECONDS:
            self.swept_at = now
            for ended in [k for k, at in list(self.expirations.items()) if at <= now]:
                self.clear(ended)
        self.get(key)
        with self.locks[key]:
            self.storage[key] += amount
            if self.storage[key] == amount:
                self.expirations[key] = now + expiry
        return self.storage.get(key, 0)


# limits keeps its strategies in this table, and Flask-Limiter looks the configured name up in it.
STRATEGIES[FIXED_WINDOW_FROM_HIT] = FixedWindowFromHit


class EndpointLimitManager(LimitManager):
    """Flask-Limiter's limit manager, resolving an endpoint's limits once per app, not per request.

    Which limits apply to a request, and what it is exempt from, depends only on its endpoint and
    blueprint and on the limits declared so far; Flask-Limiter works it out again for every
    request (about a tenth of a cached read's time in a profile). The answers are kept per app
    and forgotten whenever a limit or an exemption is added.
    """

    def __init__(self, manager: LimitManager) -> None:
        super().__init__(
            application_limits=manager._application_limits,
            default_limits=manager._default_limits,
            decorated_limits=manager._decorated_limits,
            blueprint_limits=manager._blueprint_limits,
            route_exemptions=manager._route_exemptions,
            blueprint_exemptions=manager._blueprint_exemptions,
        )
        self.generation = 0

    def _known(self, app: Flask) -> dict[tuple[object, ...], Any]:
        """This app's answers, emptied when the declarations changed since they were made."""
        generation, known = app.extensions.get("resolved_limits", (None, {}))
        if generation != self.generation:
            known = {}
            app.extensions["resolved_limits"] = (self.generation, known)
        answers: dict[tuple[object, ...], Any] = known
        return answers

    def resolve_limits(
        self,
        app: Flask,
        endpoint: str | None = None,
        blueprint: str | None = None,
        callable_name: str | None = None,
        in_middleware: bool = False,
        marked_for_limiting: bool = False,
    ) -> tuple[list[RuntimeLimit], ...]:
        """The limits of this endpoint, as Flask-Limiter resolves them, resolved once."""
        known = self._known(app)
        key = ("limits", endpoint, blueprint, callable_name, in_middleware, marked_for_limiting)
        if key not in known:
            known[key] = super().resolve_limits(
                app, endpoint, blueprint, callable_name, in_middleware, marked_for_limiting
            )
        resolved: tuple[list[RuntimeLimit], ...] = known[key]
        return resolved

    def exemption_scope(
        self, app: Flask, endpoint: str | None, blueprint: str | None
    ) -> ExemptionScope:
        """What this endpoint is exempt from, as Flask-Limiter finds it, found once."""
        known = self._known(app)
        key = ("exemption", endpoint, blueprint)
        if key not in known:
            known[key] = super().exemption_scope(app, endpoint, blueprint)
        scope: ExemptionScope = known[key]
        return scope

    def _changed(self) -> None:
        self.generation += 1

    def set_application_limits(self, limits: list[ApplicationLimit]) -> None:
        """Set the application limits, and forget every resolved answer."""
        super().set_application_limits(limits)
        self._changed()

    def set_default_limits(self, limits: list[Limit]) -> None:
        """Set the default limits, and forget every resolved answer."""
        super().set_default_limits(limits)
        self._changed()

    def add_decorated_limit(self, route: str, limit: Limit | None, override: bool = False) -> None:
        """Add a route's limit, and forget every resolved answer."""
        super().add_decorated_limit(route, limit, override)
        self._changed()

    def add_blueprint_limit(self, blueprint: str, limit: Limit | None) -> None:
        """Add a blueprint's limit, and forget every resolved answer."""
        super().add_blueprint_limit(blueprint, limit)
        self._changed()

    def add_route_exemption(self, route: str, scope: ExemptionScope) -> None:
        """Exempt a route, and forget every resolved answer."""
        super().add_route_exemption(route, scope)
        self._changed()

    def add_blueprint_exemption(self, blueprint: str, scope: ExemptionScope) -> None:
        """Exempt a blueprint, and forget every resolved answer."""
        super().add_blueprint_exemption(blueprint, scope)
        self._changed()

    def add_endpoint_hint(self, endpoint: str, callable: str) -> None:
        """Note a limited callable of an endpoint, and forget every resolved answer."""
        super().add_endpoint_hint(endpoint, callable)
        self._changed()


class Limiter(flask_limiter.Limiter):
    """Flask-Limiter's extension, with each endpoint's limits resolved once (see above)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit_manager = EndpointLimitManager(self.limit_manager)

    def init_app(self, app: Flask) -> None:
        """Bind ``app``, whose storage counts as alive until it fails.

        When Redis fails, Flask-Limiter marks the storage dead and counts in memory, and it
        revives the storage only when a check lets it, after a backoff of up to 32 s. The
        mark is the extension's, and one extension serves every app a process builds (tests
        build many): without this, a new app would inherit another app's dead Redis and count
        its first requests in the fallback, the next ones in its own storage, from zero.
        """
        self._storage_dead = False
        super().init_app(app)
