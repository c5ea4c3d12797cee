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
from typing import ClassVar

from flask import g, has_request_context
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
    SWEEP_EVERY_SECONDS: ClassVar[float] = 1.0

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
