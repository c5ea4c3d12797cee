"""Grant routes: the clients a member let act for them, and taking that back."""

from flask import Blueprint, Response, request

from app.operations import operation
from app.pagination import PageAnswer, with_link_header
from app.permissions import current_user, login_required, scopes_required
from app.schemas import GrantListQuerySchema, GrantPageSchema
from app.schemas.common import dump
from app.services import clients

grants_bp = Blueprint("grants", __name__)

grant_page_schema = GrantPageSchema()
grant_query_schema = GrantListQuerySchema()


@grants_bp.get("")
@login_required
@scopes_required("users:read")
@operation(query=GrantListQuerySchema, response=GrantPageSchema, headers=["Link"], tag="users")
def list_grants() -> PageAnswer:
    """List the apps you let act for you, with the scopes you granted, newest first."""
    query = grant_query_schema.load(request.args)
    page = clients.list_grants(user=current_user(), **query)
    return with_link_header(dump(grant_page_schema, page))


@grants_bp.delete("/<id:grant_id>")
@login_required
@scopes_required("users:write")
@operation(status=204, errors=[404], tag="users")
def revoke_grant(grant_id: int) -> Response:
    """Revoke a grant: the client's refresh token stops working at once."""
    clients.revoke_grant(viewer=current_user(), grant_id=grant_id)
    return Response(status=204)
