"""What each view takes and answers, declared once beside it, for ``app/openapi.py`` to document.

``@operation(...)`` writes facts on the view function and changes nothing about how it runs. The
decorators that guard or cache a view (``login_required``, ``roles_required``,
``cached_with_etag``) record what they add the same way, through ``record``: the 401 and 403 they
may answer and the 304 of a revalidation. So a route names its own answers only, and the document
cannot forget one that the machinery around the view gives.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from marshmallow import Schema

V = TypeVar("V", bound=Callable[..., Any])

# A marshmallow schema class, or the name of a schema in the document's components.
SchemaRef = type[Schema] | str

_ATTRIBUTE = "openapi_operation"


@dataclass(frozen=True)
class Operation:
    """Everything the document says about one view beyond its docstring.

    ``errors`` lists the statuses the view itself may answer (a 404, a 409); the ones a body, a
    token or the rate limit bring are added by ``app/openapi.py``. ``example`` is a request body
    the contract tests send, ``answer`` the response they compare its shape with.
    """

    tag: str | None = None
    body: SchemaRef | None = None
    body_required: bool = True
    partial: bool = False
    query: type[Schema] | None = None
    response: SchemaRef | None = None
    status: int = 200
    errors: frozenset[int] = frozenset()
    example: Any = None
    answer: Any = None
    parameters: tuple[str, ...] = ()
    headers: tuple[str, ...] = ()
    bearer: bool = False
    # The scopes the view needs (``scopes_required``); a view with scopes also takes an API key.
    scopes: tuple[str, ...] = ()
    cached: bool = False


def operation(
    *,
    response: SchemaRef | None = None,
    status: int = 200,
    body: SchemaRef | None = None,
    body_required: bool = True,
    partial: bool = False,
    query: type[Schema] | None = None,
    errors: Iterable[int] = (),
    example: Any = None,
    answer: Any = None,
    parameters: Iterable[str] = (),
    headers: Iterable[str] = (),
    tag: str | None = None,
) -> Callable[[V], V]:
    """Declare what the view takes (``body``, ``query``) and gives (``response``, ``status``).

    ``partial=True`` documents the body as ``body`` with every field optional, as a PATCH loads
    it. ``parameters`` and ``headers`` name shared components (``"IdempotencyKey"``); ``tag``
    defaults to the blueprint's name.
    """

    def decorator(view: V) -> V:
        return record(
            view,
            tag=tag,
            body=body,
            body_required=body_required,
            partial=partial,
            query=query,
            response=response,
            status=status,
            errors=frozenset(errors),
            example=example,
            answer=answer,
            parameters=tuple(parameters),
            headers=tuple(headers),
        )

    return decorator


def record(view: V, *, errors: frozenset[int] = frozenset(), **facts: Any) -> V:
    """Add ``facts`` to what ``view`` declares, keeping the errors recorded before.

    ``functools.wraps`` copies the record to a wrapper, so decorators may come in any order.
    """
    known = declared(view) or Operation()
    setattr(view, _ATTRIBUTE, replace(known, errors=known.errors | errors, **facts))
    return view


def declared(view: Callable[..., Any]) -> Operation | None:
    """What ``view`` declares, or None for a view nobody described."""
    found: Operation | None = getattr(view, _ATTRIBUTE, None)
    return found
