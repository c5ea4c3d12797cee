"""Who may call a route: any signed-in user, or only some roles.

Authentication (who are you?) fails with 401; authorisation (may you do this?) fails with 403.
The role is read from the database on every request, so demoting a user takes effect at once
instead of when their token expires.
"""

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask_jwt_extended import get_current_user, verify_jwt_in_request

from app.errors import Forbidden
from app.models import User
from app.operations import record

P = ParamSpec("P")
R = TypeVar("R")


def current_user() -> User:
    """The user of the verified access token (call only after the token was checked)."""
    user: User = get_current_user()
    return user


def login_required(view: Callable[P, R]) -> Callable[P, R]:
    """Allow the view to any user with a valid access token; 401 otherwise."""

    @wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        verify_jwt_in_request()
        return view(*args, **kwargs)

    # The OpenAPI document reads this: the view needs a bearer token, and so may answer 401.
    return record(wrapper, bearer=True)


def refresh_token_required(view: Callable[P, R]) -> Callable[P, R]:
    """Allow the view only with a valid refresh token (an access token is refused)."""

    @wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        verify_jwt_in_request(refresh=True)
        return view(*args, **kwargs)

    return record(wrapper, bearer=True)


def roles_required(*roles: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Allow the view to users whose role is one of ``roles``: 401 without a token, else 403."""

    def decorator(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            verify_jwt_in_request()
            if current_user().role not in roles:
                raise Forbidden(f"This needs one of the roles: {', '.join(roles)}.")
            return view(*args, **kwargs)

        return record(wrapper, bearer=True, errors=frozenset({403}))

    return decorator
