"""A private corner of the shared PostgreSQL and Redis servers for each test run.

Two runs of the suite (two developers, two CI jobs) may share one PostgreSQL and one Redis. Each
run therefore works in PostgreSQL schemas it creates and drops, reached through ``search_path``,
and in a Redis database number it leases, so no run ever sees another's rows or keys.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import redis
from sqlalchemy import create_engine, make_url, text

# Where the leases live: in the Redis database the URL names, one key per leased number.
LEASE_PREFIX = "workshop-tests:redis-db:"
# A crashed run's lease expires by itself after this long.
LEASE_SECONDS = 3600


def psycopg_url(url: str) -> str:
    """The URL with the psycopg 3 driver named, as the app would normalise it."""
    parsed = make_url(url)
    if parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def is_postgresql(url: str) -> bool:
    """True when ``url`` names a PostgreSQL database."""
    return url.startswith(("postgresql", "postgres:"))


@contextmanager
def postgres_schema(url: str, *, prefix: str = "test") -> Iterator[str]:
    """Create a fresh schema, yield a URL whose connections use only it, then drop it."""
    server_url = psycopg_url(url)
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        in_schema = make_url(server_url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield in_schema.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def leased_redis_database(url: str) -> Iterator[str]:
    """Lease a Redis database number nobody else uses, yield its URL, empty it and give it back."""
    with redis.Redis.from_url(url) as home:
        home_number = int(home.connection_pool.connection_kwargs.get("db", 0))
        count = int(home.config_get("databases").get("databases", "16"))
        token = uuid.uuid4().hex
        for number in range(count):
            lease = f"{LEASE_PREFIX}{number}"
            if number != home_number and home.set(lease, token, nx=True, ex=LEASE_SECONDS):
                break
        else:
            raise RuntimeError(f"every Redis database of {url} is leased by another test run")
        leased_url = make_url_with_database(url, number)
        with redis.Redis.from_url(leased_url) as leased:
            leased.flushdb()
        try:
            yield leased_url
        finally:
            with redis.Redis.from_url(leased_url) as leased:
                leased.flushdb()
            if home.get(lease) == token.encode():
                home.delete(lease)


def make_url_with_database(url: str, number: int) -> str:
    """The Redis URL ``url`` with its database number replaced by ``number``."""
    scheme_and_host, _, rest = url.partition("://")
    location = rest.split("?", 1)[0].split("/", 1)[0]
    query = rest.split("?", 1)[1] if "?" in rest else ""
    return f"{scheme_and_host}://{location}/{number}" + (f"?{query}" if query else "")
