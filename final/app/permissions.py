"""Who may call a route: any signed-in user, or only some roles.

Authentication (who are you?) fails with 401; authorisation (may you do this?) fails with 403.
The role is read from the database on every request, so demoting a user takes effect at once
instead of when their token expires.

Scopes narrow what one token may do (see scopes.py). The scopes a request holds are those its
token carries that its user's role still grants today, so a demotion shrinks them at once too.
"""

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask_jwt_extended import get_current_user, get_jwt, verify_jwt_in_request

from app.errors import Forbidden, InsufficientScope
from app.models import OAuthClient, User
from app.scopes import REQUIRED_SCOPES_ATTRIBUTE, ROLE_SCOPES, parse_scope

P = ParamSpec("P")
R = TypeVar("R")


def current_user() -> User:
    """The user of the verified access token (call only after the token was checked).

    A service client's token acts for no user, so a route that needs one refuses it with 403.
    """
    user = get_current_user()
    if not isinstance(user, User):
        raise Forbidden("A service client's token acts for no user; this needs a user's token.")
    return user


def login_required(view: Callable[P, R]) -> Callable[P, R]:
    """Allow the view to any user with a valid access token; 401 otherwise."""

    @wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        verify_jwt_in_request()
        return view(*args, **kwargs)

    return wrapper


def refresh_token_required(view: Callable[P, R]) -> Callable[P, R]:
    """Allow the view only with a valid refresh token (an access token is refused)."""

    @wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        verify_jwt_in_request(refresh=True)
        return view(*args, **kwargs)

    return wrapper


def roles_required(*roles: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Allow the view to users whose role is one of ``roles``: 401 without a token, else 403.

    A service client has no role: on a view that also requires scopes, its registered scopes
    are its whole authority, so it goes on to the scope check; on any other view it is refused.
    """

    def decorator(view: Callable[P, R]) -> Callable[P, R]:
        scoped = hasattr(view, REQUIRED_SCOPES_ATTRIBUTE)

        @wraps(view)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            verify_jwt_in_request()
            if scoped and isinstance(get_current_user(), OAuthClient):
                return view(*args, **kwargs)
            if current_user().role not in roles:
                raise Forbidden(f"This needs one of the roles: {', '.join(roles)}.")
            return view(*args, **kwargs)

        return wrapper

    return decorator


def granted_scopes() -> frozenset[str]:
    """The scopes of the verified token that its user's role (or its client) still grants."""
    principal = get_current_user()
    if isinstance(principal, OAuthClient):
        held = frozenset(principal.scopes)
    else:
        held = ROLE_SCOPES.get(current_user().role, frozenset())
    return parse_scope(get_jwt().get("scope")) & held


def scopes_required(*scopes: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Allow the view to tokens granted every one of ``scopes``: 401 without a token, else 403.

    The view is marked with the scopes, so the OpenAPI document lists them on its operation.
    """

    def decorator(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            verify_jwt_in_request()
            if not set(scopes) <= granted_scopes():
                raise InsufficientScope(scopes)
            return view(*args, **kwargs)

        setattr(wrapper, REQUIRED_SCOPES_ATTRIBUTE, scopes)
        return wrapper

    return decorator
