"""Who may call a route: any signed-in user, or only some roles, and with which scopes.

Authentication (who are you?) fails with 401; authorisation (may you do this?) fails with 403.
The role is read from the database on every request, so demoting a user takes effect at once
instead of when their token expires.

Scopes narrow what one credential may do (see scopes.py). The scopes a request holds are those
its token or API key carries that its user's role still grants today, so a demotion shrinks them
at once too. An API key is accepted only on routes that name the scopes they need: a key is its
scopes and nothing more, so it can never sign out, refresh, or reach a route that asks for none.
An OAuth service client's token is held to the same rule: it acts for no user, so its registered
scopes are its whole authority, and only routes that name scopes accept it.
"""

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import g
from flask_jwt_extended import get_current_user, get_jwt, verify_jwt_in_request

from app.errors import Forbidden, InsufficientScope, Unauthorized
from app.extensions import calling_api_key, presented_api_key
from app.models import OAuthClient, User
from app.operations import declared, record
from app.scopes import ROLE_SCOPES, parse_scope

# Where the request's API key is kept once it has authenticated the request (and only then).
_SIGNED_IN_KEY = "signed_in_api_key"

P = ParamSpec("P")
R = TypeVar("R")


def current_user() -> User:
    """The user of the verified token or API key (call only after it was checked).

    A service client's token acts for no user, so a route that needs one refuses it with 403.
    """
    api_key = g.get(_SIGNED_IN_KEY)
    if api_key is not None:
        owner: User = api_key.owner
        return owner
    user = get_current_user()
    if not isinstance(user, User):
        raise Forbidden("A service client's token acts for no user; this needs a user's token.")
    return user


def service_client() -> OAuthClient | None:
    """The OAuth service client whose token was verified, or None when a user (or key) called."""
    if g.get(_SIGNED_IN_KEY) is not None:
        return None
    principal = get_current_user()
    return principal if isinstance(principal, OAuthClient) else None


def authenticate(*, api_key_allowed: bool) -> None:
    """Check the request's credentials: an API key where allowed, else a bearer token (401)."""
    if api_key_allowed and presented_api_key() is not None:
        api_key = calling_api_key()
        if api_key is None:
            error = Unauthorized(
                "The API key is unknown, revoked or expired.", code="invalid_api_key"
            )
            error.headers["WWW-Authenticate"] = "ApiKey"
            raise error
        setattr(g, _SIGNED_IN_KEY, api_key)
        return
    verify_jwt_in_request()


def takes_api_key(view: Callable[..., object]) -> bool:
    """Whether ``view`` names the scopes it needs, and so may be called with an API key."""
    operation = declared(view)
    return operation is not None and bool(operation.scopes)


def login_required(view: Callable[P, R]) -> Callable[P, R]:
    """Allow the view to any user with a valid access token; 401 otherwise."""
    api_key_allowed = takes_api_key(view)

    @wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        authenticate(api_key_allowed=api_key_allowed)
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
    """Allow the view to users whose role is one of ``roles``: 401 without a token, else 403.

    A service client has no role: on a view that also requires scopes it goes on to the scope
    check, its only authority; on any other view it is refused.
    """

    def decorator(view: Callable[P, R]) -> Callable[P, R]:
        scoped = takes_api_key(view)

        @wraps(view)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            authenticate(api_key_allowed=scoped)
            if scoped and service_client() is not None:
                return view(*args, **kwargs)
            if current_user().role not in roles:
                raise Forbidden(f"This needs one of the roles: {', '.join(roles)}.")
            return view(*args, **kwargs)

        return record(wrapper, bearer=True, errors=frozenset({403}))

    return decorator


def granted_scopes() -> frozenset[str]:
    """The scopes of the token or API key that its user's role (or its client) still grants."""
    api_key = g.get(_SIGNED_IN_KEY)
    if api_key is not None:
        return parse_scope(api_key.scope) & ROLE_SCOPES.get(api_key.owner.role, frozenset())
    client = service_client()
    if client is not None:
        return parse_scope(get_jwt().get("scope")) & frozenset(client.scopes)
    return parse_scope(get_jwt().get("scope")) & ROLE_SCOPES.get(current_user().role, frozenset())


def scopes_required(*scopes: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Allow the view to credentials granted every one of ``scopes``: 401 without, else 403.

    Recorded on the view, the scopes let the decorators above it accept an API key, and the
    OpenAPI document list them on the operation. Put it under ``login_required`` or
    ``roles_required``, so the role is checked first.
    """

    def decorator(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            authenticate(api_key_allowed=True)
            if not set(scopes) <= granted_scopes():
                raise InsufficientScope(scopes, "ApiKey" if calling_api_key() else "Bearer")
            return view(*args, **kwargs)

        return record(wrapper, bearer=True, scopes=scopes, errors=frozenset({403}))

    return decorator
