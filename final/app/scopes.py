"""The scopes a token may carry, and which of them each role holds.

A scope names one kind of access (``loans:read``); a token carries the few its holder needs, so a
leaked token of a reading app cannot borrow books or change the catalogue.
"""

SCOPES: dict[str, str] = {
    "catalog:read": "Read the catalogue: books and authors.",
    "catalog:write": "Add, change and remove books and authors.",
    "loans:read": "See your loans.",
    "loans:write": "Borrow and return books.",
    "users:read": "See accounts.",
    "users:write": "Change and delete accounts.",
}

_MEMBER_SCOPES = ("catalog:read", "loans:read", "loans:write")
_ROLE_SCOPES: dict[str, tuple[str, ...]] = {
    "member": _MEMBER_SCOPES,
    "librarian": (*_MEMBER_SCOPES, "catalog:write", "users:read"),
    "admin": tuple(SCOPES),
}


def scopes_for_role(role: str) -> tuple[str, ...]:
    """The scopes a user with ``role`` holds (none for an unknown role)."""
    return _ROLE_SCOPES.get(role, ())
