"""The scopes a token can carry, and the scopes each role is granted.

A role says what a person may do; a scope says what one token may do for them. A token carries
the scopes of its grant as one space-separated string in its ``scope`` claim (RFC 9068), and a
route asks for the scopes it needs. A request gets through only when both agree, so a token
made for one purpose (an API key that only writes the catalogue, a reading app that only sees
loans) can do no more than that purpose, whoever holds it.
"""

# Every scope, with what it allows. Names are "resource:action", as most APIs spell them.
SCOPES: dict[str, str] = {
    "catalog:read": "Read the catalogue: books and authors (public reads need no token).",
    "catalog:write": "Add, change and delete books and authors.",
    "loans:read": "See loans: your own, or everyone's for staff.",
    "loans:write": "Borrow and return books.",
    "users:read": "See user accounts: your own, or anyone's for admins.",
    "users:write": "Change or delete user accounts: your own, or anyone's for admins.",
    "integrations:read": "List API keys and service clients.",
    "integrations:write": "Create and revoke API keys and service clients.",
}

MEMBER_SCOPES = frozenset(
    {"catalog:read", "loans:read", "loans:write", "users:read", "users:write"}
)
LIBRARIAN_SCOPES = MEMBER_SCOPES | {"catalog:write"}
ADMIN_SCOPES = LIBRARIAN_SCOPES | {"integrations:read", "integrations:write"}

# What a signed-in user's token may do: everything their role could do before scopes existed.
ROLE_SCOPES: dict[str, frozenset[str]] = {
    "member": MEMBER_SCOPES,
    "librarian": LIBRARIAN_SCOPES,
    "admin": ADMIN_SCOPES,
}


def parse_scope(value: object) -> frozenset[str]:
    """The scopes in a ``scope`` claim; anything but a string grants nothing."""
    if not isinstance(value, str):
        return frozenset()
    return frozenset(value.split())


def format_scope(scopes: frozenset[str] | set[str] | tuple[str, ...]) -> str:
    """Scopes as one space-separated string, sorted so equal grants read the same."""
    return " ".join(sorted(scopes))
