"""Client routes: admins register OAuth 2 clients, rotate their secrets and revoke them.

An answer that holds a secret is marked ``no-store``, so no cache along the way keeps it.
"""

from typing import Any

from flask import Blueprint, Response, request

from app.caching import forbid_storing
from app.models.user import ADMIN
from app.operations import operation
from app.pagination import PageAnswer, with_link_header
from app.permissions import roles_required, scopes_required
from app.schemas import (
    ClientCreateSchema,
    ClientListQuerySchema,
    ClientPageSchema,
    ClientSchema,
    IssuedSecretSchema,
)
from app.schemas.common import dump
from app.services import clients

clients_bp = Blueprint("clients", __name__)

client_create_schema = ClientCreateSchema()
client_query_schema = ClientListQuerySchema()
client_page_schema = ClientPageSchema()
client_schema = ClientSchema()
issued_secret_schema = IssuedSecretSchema()


clients_bp.after_request(forbid_storing)


@clients_bp.post("")
@roles_required(ADMIN)
@scopes_required("integrations:write")
@operation(
    body=ClientCreateSchema,
    response=IssuedSecretSchema,
    status=201,
    example={
        "name": "Partner bookshop",
        "scopes": ["catalog:read", "catalog:write"],
        "grant_types": ["client_credentials"],
    },
)
def register_client() -> tuple[dict[str, Any], int]:
    """Register an OAuth 2 client (admins only); its secret is in this answer and no other."""
    data = client_create_schema.load(request.get_json())
    return dump(issued_secret_schema, clients.register_client(**data)), 201


@clients_bp.get("")
@roles_required(ADMIN)
@scopes_required("integrations:read")
@operation(query=ClientListQuerySchema, response=ClientPageSchema, headers=["Link"])
def list_clients() -> PageAnswer:
    """List the OAuth 2 clients, a page at a time (admins only)."""
    query = client_query_schema.load(request.args)
    return with_link_header(dump(client_page_schema, clients.list_clients(**query)))


@clients_bp.get("/<id:client_pk>")
@roles_required(ADMIN)
@scopes_required("integrations:read")
@operation(response=ClientSchema, errors=[404])
def get_client(client_pk: int) -> dict[str, Any]:
    """Fetch an OAuth 2 client (admins only)."""
    return dump(client_schema, clients.get_client(client_pk))


@clients_bp.post("/<id:client_pk>/secret")
@roles_required(ADMIN)
@scopes_required("integrations:write")
@operation(response=IssuedSecretSchema, errors=[404])
def rotate_client_secret(client_pk: int) -> dict[str, Any]:
    """Give a client a new secret (admins only); the old one works until the overlap ends."""
    return dump(issued_secret_schema, clients.rotate_secret(client_pk))


@clients_bp.delete("/<id:client_pk>")
@roles_required(ADMIN)
@scopes_required("integrations:write")
@operation(status=204, errors=[404])
def revoke_client(client_pk: int) -> Response:
    """Revoke a client (admins only): its secrets, codes, grants and tokens stop working."""
    clients.revoke_client(client_pk)
    return Response(status=204)
