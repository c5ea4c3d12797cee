"""Client routes: admins register OAuth 2 clients, rotate their secrets and revoke them.

An answer that holds a secret is marked ``no-store``, so no cache along the way keeps it.
"""

from typing import Any

from flask import Blueprint, Response, request

from app.permissions import roles_required, scopes_required
from app.schemas import (
    ClientCreateSchema,
    ClientListQuerySchema,
    ClientPageSchema,
    ClientSchema,
    IssuedSecretSchema,
)
from app.services import clients

clients_bp = Blueprint("clients", __name__)

client_create_schema = ClientCreateSchema()
client_query_schema = ClientListQuerySchema()
client_page_schema = ClientPageSchema()
client_schema = ClientSchema()
issued_secret_schema = IssuedSecretSchema()


@clients_bp.after_request
def forbid_storing_the_answer(response: Response) -> Response:
    """Keep every cache from storing a client answer: it may hold a secret."""
    response.headers["Cache-Control"] = "no-store"
    return response


@clients_bp.post("")
@roles_required("admin")
@scopes_required("integrations:write")
def register_client() -> tuple[dict[str, Any], int]:
    """Register an OAuth 2 client (admins only); its secret is in this answer and no other.
    ---
    post:
      tags: [clients]
      security: [{bearerAuth: []}]
      requestBody:
        required: true
        content:
          application/json:
            schema: ClientCreateSchema
            example:
              name: Partner bookshop
              scopes: [catalog:read, catalog:write]
              grant_types: [client_credentials]
      responses:
        201:
          description: The client, with its id and its secret.
          content:
            application/json:
              schema: IssuedSecretSchema
        403:
          $ref: '#/components/responses/Forbidden'
    """
    data = client_create_schema.load(request.get_json())
    body: dict[str, Any] = issued_secret_schema.dump(clients.register_client(**data))
    return body, 201


@clients_bp.get("")
@roles_required("admin")
@scopes_required("integrations:read")
def list_clients() -> dict[str, Any]:
    """List the OAuth 2 clients, a page at a time (admins only).
    ---
    get:
      tags: [clients]
      security: [{bearerAuth: []}]
      parameters:
      - in: query
        schema: ClientListQuerySchema
      responses:
        200:
          description: A page of clients.
          content:
            application/json:
              schema: ClientPageSchema
        403:
          $ref: '#/components/responses/Forbidden'
        422:
          $ref: '#/components/responses/ValidationError'
    """
    query = client_query_schema.load(request.args)
    body: dict[str, Any] = client_page_schema.dump(clients.list_clients(**query))
    return body


@clients_bp.get("/<id:client_pk>")
@roles_required("admin")
@scopes_required("integrations:read")
def get_client(client_pk: int) -> dict[str, Any]:
    """Fetch an OAuth 2 client (admins only).
    ---
    get:
      tags: [clients]
      security: [{bearerAuth: []}]
      responses:
        200:
          description: The client.
          content:
            application/json:
              schema: ClientSchema
        403:
          $ref: '#/components/responses/Forbidden'
        404:
          $ref: '#/components/responses/NotFound'
    """
    body: dict[str, Any] = client_schema.dump(clients.find_client(client_pk))
    return body


@clients_bp.post("/<id:client_pk>/secret")
@roles_required("admin")
@scopes_required("integrations:write")
def rotate_client_secret(client_pk: int) -> dict[str, Any]:
    """Give a client a new secret (admins only); the old one works until the overlap ends.
    ---
    post:
      tags: [clients]
      security: [{bearerAuth: []}]
      responses:
        200:
          description: The client, with its new secret.
          content:
            application/json:
              schema: IssuedSecretSchema
        403:
          $ref: '#/components/responses/Forbidden'
        404:
          $ref: '#/components/responses/NotFound'
    """
    body: dict[str, Any] = issued_secret_schema.dump(clients.rotate_secret(client_pk))
    return body


@clients_bp.delete("/<id:client_pk>")
@roles_required("admin")
@scopes_required("integrations:write")
def revoke_client(client_pk: int) -> Response:
    """Revoke a client (admins only): its secrets, codes, grants and tokens stop working.
    ---
    delete:
      tags: [clients]
      security: [{bearerAuth: []}]
      responses:
        204:
          description: Revoked.
        403:
          $ref: '#/components/responses/Forbidden'
        404:
          $ref: '#/components/responses/NotFound'
    """
    clients.revoke_client(client_pk)
    return Response(status=204)
