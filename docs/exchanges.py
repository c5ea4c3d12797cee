"""Answer the handbook's example requests with a real app, at build time, and render the exchanges.

A page never shows a hand-typed answer: it writes the request in an ``exchange`` fence, and
docs/hooks.py sends every fence of a page to this script, which runs in a process of its own with
the step's folder as its working directory (every step has a package called ``app``). The script
builds that step's app in development mode on a throwaway SQLite file, prepares it the way
``workshop serve`` does (the manifest's ``serve`` commands: ``db upgrade``, ``seed``), sends the
requests in order through Flask's test client and prints each exchange as Markdown.

Input, on standard input: ``{"serve": [["seed"], ...], "exchanges": [spec, ...]}``, where a spec
is a mapping with

- ``request``: ``"METHOD /path"``; ``{{name.field}}`` is replaced by a field of an earlier answer's
  JSON body, or else by one of its headers (``{{book.ETag}}``);
- ``headers``: request headers to send (optional);
- ``json``: a JSON body (optional; strings may use ``{{name.field}}`` too);
- ``form``: instead, a form body (``application/x-www-form-urlencoded``, as OAuth's token
  endpoint takes); its values may use placeholders too, and ``{{name.a.b}}`` reaches a nested field;
- ``nest``: instead, a body of JSON arrays nested this deep (what an attacker sends);
- ``pad``: instead, a JSON body of about this many bytes (to meet a size limit);
- ``as``: the email of a seed account to sign in as first (its bearer token is sent);
- ``show``: the response headers to print (``Content-Type`` is never worth the space);
- ``repeat``: send the request this many times and show the last answer (to reach a limit);
- ``save``: a name under which later requests can refer to this answer;
- ``hidden``: send the request but show nothing (a step the reader does not need to see);
- ``log``: also show the access log line the request wrote (from step 07 on, the apps log JSON).

Output, on standard output: a JSON list with, per spec, the exchange as text and the access log
line (or null).
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import tempfile
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

PLACEHOLDER = re.compile(r"\{\{\s*(?P<name>\w+)\.(?P<field>\w+(?:\.\w+)*)\s*\}\}")
# Tokens are long and say nothing to a reader: the page shows their first characters.
TOKEN = re.compile(r"\beyJ[\w-]+\.[\w-]+\.[\w-]+")
TOKEN_SHOWN = 24
# A body that fits on one line of the page stays on one line.
ONE_LINE = 96


class ExchangeError(Exception):
    """A spec is malformed, or the app could not be prepared for it."""


def shorten(value: Any) -> Any:
    """The body as shown: every token cut to its first characters, everything else as it is."""
    if isinstance(value, dict):
        return {key: shorten(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shorten(item) for item in value]
    if isinstance(value, str):
        return TOKEN.sub(lambda token: token[0][:TOKEN_SHOWN] + "…", value)
    return value


def render_json(body: Any, indent: int = 0) -> str:
    """JSON as a reader wants it: each value on one line when it fits, else opened up a level."""
    compact = json.dumps(body, ensure_ascii=False)
    if len(compact) + indent <= ONE_LINE or not isinstance(body, dict | list) or not body:
        return compact
    inner = " " * (indent + 2)
    if isinstance(body, dict):
        entries = [
            f"{inner}{json.dumps(key)}: {render_json(value, indent + 2)}"
            for key, value in body.items()
        ]
        return "{\n" + ",\n".join(entries) + "\n" + " " * indent + "}"
    items = [f"{inner}{render_json(item, indent + 2)}" for item in body]
    return "[\n" + ",\n".join(items) + "\n" + " " * indent + "]"


def substitute(text: str, saved: dict[str, Any]) -> str:
    """Replace each ``{{name.field}}`` with that field of the answer saved as ``name``."""

    def value(match: re.Match[str]) -> str:
        answer = saved.get(match["name"], {})
        for part in ("body", "headers"):
            found: Any = answer.get(part)
            for field in match["field"].split("."):
                found = found.get(field) if isinstance(found, dict) else None
            if found is not None:
                return str(found)
        raise ExchangeError(f"{match[0]}: no earlier answer saved as {match['name']!r} has it")

    return PLACEHOLDER.sub(value, text)


def substitute_body(body: Any, saved: dict[str, Any]) -> Any:
    """The JSON body with placeholders replaced inside its strings."""
    if isinstance(body, dict):
        return {key: substitute_body(item, saved) for key, item in body.items()}
    if isinstance(body, list):
        return [substitute_body(item, saved) for item in body]
    if isinstance(body, str):
        replaced = substitute(body, saved)
        return int(replaced) if PLACEHOLDER.fullmatch(body) and replaced.isdigit() else replaced
    return body


def raw_body(spec: dict[str, Any]) -> tuple[bytes | None, str | None]:
    """The bytes of a ``nest`` or ``pad`` body, and how the page shows them (or two Nones)."""
    if "nest" in spec:
        depth = int(spec["nest"])
        return b"[" * depth + b"]" * depth, f"[[[[…]]]]  ({depth:,} arrays, one inside the other)"
    if "pad" in spec:
        size = int(spec["pad"])
        padding = "x" * max(size - len('{"padding": ""}'), 0)
        return json.dumps({"padding": padding}).encode(), f'{{"padding": "xxx…"}}  ({size:,} bytes)'
    return None, None


class LineCollector(logging.Handler):
    """Keeps the lines the access logger writes, formatted as the app formats them."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Remember the formatted line."""
        self.lines.append(self.format(record))


class Session:
    """One app, prepared once, that answers a page's exchanges in order."""

    def __init__(self, serve: list[list[str]]) -> None:
        from app import create_app  # the step's own package: the working directory is the step

        self.app = create_app("development")
        runner = self.app.test_cli_runner()
        for command in serve:
            result = runner.invoke(args=command)
            if result.exit_code != 0:
                raise ExchangeError(f"flask {' '.join(command)} failed: {result.output}")
        self.client = self.app.test_client()
        self.access = LineCollector()
        root_handlers = logging.getLogger().handlers
        if root_handlers and root_handlers[-1].formatter:
            self.access.setFormatter(root_handlers[-1].formatter)
        logging.getLogger("app.access").addHandler(self.access)
        self.saved: dict[str, Any] = {}
        self.tokens: dict[str, str] = {}

    def token_of(self, email: str) -> str:
        """Sign in once as a seed account and remember its access token."""
        if email not in self.tokens:
            from app.seed_data import SEED_PASSWORD

            answer = self.client.post(
                "/api/v1/auth/login", json={"email": email, "password": SEED_PASSWORD}
            )
            if answer.status_code != 200:
                raise ExchangeError(f"signing in as {email} answered {answer.status_code}")
            self.tokens[email] = str(answer.get_json()["access_token"])
        return self.tokens[email]

    def exchange(self, spec: dict[str, Any]) -> dict[str, str | None]:
        """Send one spec's request; render it with its answer, and its access line if asked."""
        method, _, target = substitute(str(spec["request"]), self.saved).partition(" ")
        headers = {
            str(k): substitute(str(v), self.saved) for k, v in (spec.get("headers") or {}).items()
        }
        if spec.get("as"):
            headers["Authorization"] = f"Bearer {self.token_of(str(spec['as']))}"
        body = substitute_body(spec["json"], self.saved) if "json" in spec else None
        data, shown = raw_body(spec)
        if data is not None:
            headers.setdefault("Content-Type", "application/json")
        form = {str(k): substitute(str(v), self.saved) for k, v in (spec.get("form") or {}).items()}
        if form:
            data, shown = urlencode(form).encode(), urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for _ in range(int(spec.get("repeat", 1))):
            answer = self.client.open(
                target,
                method=method,
                headers=headers,
                json=body if "json" in spec else None,
                data=data,
            )
        if spec.get("save"):
            self.saved[str(spec["save"])] = {
                "body": answer.get_json(silent=True),
                "headers": dict(answer.headers),
            }
        if spec.get("hidden"):
            return {"exchange": "", "log": None}
        lines = [f"{method} {target} HTTP/1.1"]
        lines += [f"{name}: {shorten(value)}" for name, value in headers.items()]
        if body is not None:
            lines += ["Content-Type: application/json", "", render_json(body)]
        elif shown is not None:
            lines += ["", shown]
        status = HTTPStatus(answer.status_code)
        lines += ["", f"HTTP/1.1 {status.value} {status.phrase}"]
        for name in spec.get("show") or []:
            if name in answer.headers:
                lines.append(f"{name}: {answer.headers[name]}")
        if answer.is_json:
            lines += ["", render_json(shorten(answer.get_json()))]
        log = None
        if spec.get("log") and self.access.lines:
            log = render_json(shorten(json.loads(self.access.lines[-1])))
        return {"exchange": "\n".join(lines), "log": log}


def main() -> int:
    """Read the specs, answer them with the step's app, print the rendered blocks."""
    task = json.load(sys.stdin)
    with tempfile.TemporaryDirectory(prefix="exchanges-") as scratch:
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(scratch) / 'library.db'}"
        # The final app's token signing keys, which development keeps under instance/ otherwise.
        os.environ["JWT_KEYS_DIR"] = str(Path(scratch) / "jwt-keys")
        sys.path.insert(0, os.getcwd())
        try:
            session = Session(task["serve"])
            blocks = [session.exchange(spec) for spec in task["exchanges"]]
        except (ExchangeError, KeyError, ValueError) as error:
            print(f"exchange failed: {error!r}", file=sys.stderr)
            return 1
    json.dump(blocks, sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
