"""A property of every route: whatever the body, query or id, the answer is never a 5xx.

Hypothesis builds JSON of any shape and any encoding (deep nesting, lone surrogates, NUL, bytes
that are not UTF-8, huge keys and numbers such as 1e999) and sends it to every route and method
of the app, signed in as an admin or not at all. Every answer must be below 500, in the error
shape when it is an error, and nothing may be logged at ERROR (the unexpected-error handler logs
every 500 with its traceback).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from urllib.parse import quote

import pytest
from conftest import AuthHeaders, MakeBook
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ERROR_KEYS = {"code", "message", "details", "request_id"}
OAUTH_ERROR_KEYS = {"error", "error_description", "error_uri", "state"}
EXAMPLES_PER_ROUTE = 20
# The field names the API reads, so that generated bodies also get past "Unknown field".
FIELD_NAMES = [
    "email",
    "password",
    "current_password",
    "name",
    "role",
    "title",
    "isbn",
    "author_id",
    "book_id",
    "user_id",
    "birth_year",
    "published_year",
    "copies_total",
    "refresh_token",
]
QUERY_NAMES = ["page", "per_page", "sort", "q", "author_id", "available", "status", "user_id"]

# Every code point, lone surrogates and NUL included (Hypothesis leaves surrogates out by default),
# and the few strings that broke the API before, so that each route meets them often.
any_text = st.sampled_from(["\ud800", "x\udfff", "\x00", "a\x00b", "é😀"]) | st.text(
    st.characters(codec=None, exclude_categories=()), max_size=40
)
numbers = st.integers() | st.floats(allow_nan=True, allow_infinity=True)
scalars = st.none() | st.booleans() | numbers | any_text
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(FIELD_NAMES) | any_text, inner, max_size=4)
    ),
    max_leaves=12,
)
documents = st.dictionaries(st.sampled_from(FIELD_NAMES), json_values, max_size=6) | json_values


# Hypothesis favours small numbers: name the depths around the limits (ours, then Python's).
depths = st.sampled_from([31, 32, 33, 1_000, 5_000, 100_000]) | st.integers(1, 2_000)


def nested(depth: int, document: str) -> str:
    """``document`` wrapped in ``depth`` arrays or objects."""
    return "[" * depth + document + "]" * depth


# The same documents, written as a client (or an attacker) might put them on the wire.
bodies = st.one_of(
    documents.map(lambda document: json.dumps(document).encode()),
    documents.map(
        lambda document: json.dumps(document, ensure_ascii=False).encode("utf-8", "surrogatepass")
    ),
    st.builds(nested, depths, st.sampled_from(["1", '{"a": "b"}', ""])).map(str.encode),
    st.builds(lambda depth: '{"name":' * depth, depths).map(str.encode),
    st.sampled_from(["1e999", "-1e999", "9" * 5_000, "NaN", "Infinity", '{"name": 1e999}']).map(
        str.encode
    ),
    st.builds(lambda size: json.dumps({"k" * size: 1}).encode(), st.integers(1, 200_000)),
    st.binary(max_size=200),
)
queries = st.dictionaries(st.sampled_from(QUERY_NAMES), any_text, max_size=3)
# Mostly ids that exist, so that bodies reach the services; now and then one no database holds.
path_ids = st.integers(1, 4) | st.integers(min_value=-(2**70), max_value=2**70)


def every_route(app: Flask) -> list[tuple[str, str]]:
    """(method, URL rule) for every route of the app."""
    return sorted(
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        for method in rule.methods or ()
        if method not in {"HEAD", "OPTIONS"}
    )


def fill_rule(rule: str, draw_id: Callable[[], int]) -> str:
    """The rule with a drawn value in place of each ``<converter:name>``."""
    return re.sub(r"<[^>]+>", lambda _match: str(draw_id()), rule)


def encode_query(query: dict[str, str]) -> str:
    """A query string that keeps every code point, lone surrogates as their UTF-8-like bytes."""
    return "&".join(
        f"{quote(name)}={quote(value.encode('utf-8', 'surrogatepass'))}"
        for name, value in query.items()
    )


def test_no_body_query_or_id_gets_a_5xx_or_an_error_log(
    app: Flask,
    client: FlaskClient,
    auth_headers: AuthHeaders,
    make_book: MakeBook,
    caplog: pytest.LogCaptureFixture,
) -> None:
    for _ in range(4):  # rows for the ids to find, and members for the fuzzer to delete
        make_book(copies=2)
        auth_headers("member")
    signed_in = {"admin": auth_headers("admin"), "nobody": {}}

    def check_route(method: str, rule: str) -> None:
        @given(data=st.data())
        @settings(
            max_examples=EXAMPLES_PER_ROUTE,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        )
        def send_anything(data: st.DataObject) -> None:
            caplog.clear()
            url = fill_rule(rule, lambda: data.draw(path_ids))
            query = encode_query(data.draw(queries))
            caller = data.draw(st.sampled_from(sorted(signed_in)))
            headers = {**signed_in[caller], "Content-Type": "application/json"}
            body = data.draw(bodies)
            response = client.open(f"{url}?{query}", method=method, data=body, headers=headers)
            assert response.status_code < 500, (query, body[:200], response.data[:300])
            if response.status_code >= 400 and response.mimetype == "application/json":
                keys = set(response.get_json())
                # OAuth's endpoints answer their own errors in RFC 6749's form, on purpose.
                speaks_oauth = rule.startswith("/oauth/") and "error" in keys
                assert keys == ERROR_KEYS or (speaks_oauth and keys <= OAUTH_ERROR_KEYS)
            logged = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
            assert logged == [], (query, body[:200])

        send_anything()

    failures: list[str] = []
    for method, rule in every_route(app):
        try:
            check_route(method, rule)
        except AssertionError as error:  # every route's failure, not only the first
            failures.append(f"{method} {rule}: {str(error)[:400]}")
    assert failures == [], "\n\n".join(failures)
