"""The limits on failed sign-ins: one pair of counters for every place a password is typed.

The API's ``POST /auth/login`` and the OAuth sign-in page both check a password. A limit on each
view alone would give a guesser two allowances; shared limits (one scope name per counter) make
guesses spread over both places add up. Each place says how it reads the email and what counts
as a failure; the limits and their keys are defined here once.
"""

from collections.abc import Callable
from typing import ParamSpec, TypeVar

from flask import Response, current_app

from app.extensions import client_address, limiter
from app.models.user import normalise_email

P = ParamSpec("P")
R = TypeVar("R")


def login_account_limit() -> str:
    """The limit of failed sign-ins to one account, from the configuration."""
    return str(current_app.config["RATELIMIT_LOGIN_ACCOUNT"])


def login_address_limit() -> str:
    """The limit of failed sign-ins from one address, from the configuration."""
    return str(current_app.config["RATELIMIT_LOGIN_ADDRESS"])


def account_key(email: object) -> str:
    """The counter of the account being signed in to; without an email, the client's address."""
    if not isinstance(email, str):
        return f"address:{client_address()}"
    return f"email:{normalise_email(email)}"


def sign_in_limits(
    *, email: Callable[[], object], failed: Callable[[Response], bool]
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Limit failed sign-ins of a view, per address and per account, on the shared counters.

    ``deduct_when``: each limit is checked before the view but counted after it, and only when
    ``failed`` says so. The default limit still counts every request (``override_defaults=False``),
    so even right passwords cannot make the server run Argon2 without end.
    """
    per_address = limiter.shared_limit(
        login_address_limit,
        scope="sign-in-address",
        key_func=client_address,
        deduct_when=failed,
        override_defaults=False,
    )
    per_account = limiter.shared_limit(
        login_account_limit,
        scope="sign-in-account",
        key_func=lambda: account_key(email()),
        deduct_when=failed,
        override_defaults=False,
    )

    def decorate(view: Callable[P, R]) -> Callable[P, R]:
        return per_address(per_account(view))

    return decorate
