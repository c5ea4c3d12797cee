"""Grant routes: the clients a member let act for them, and taking that back."""

from typing import Any

from flask import Blueprint, Response

from app.operations import operation
from app.permissions import current_user, login_required, scopes_required
from app.schemas import GrantListSchema
from app.schemas.common import dump
from app.services import clients

grants_bp = Blueprint("grants", __name__)

grant_list_schema = GrantListSchema()


@grants_bp.get("")
@login_required
@scopes_required("users:read")
@operation(response=GrantListSchema, tag="users")
def list_grants() -> dict[str, Any]:
    """List the clients you let act for you, with the scopes you granted."""
    return dump(grant_list_schema, {"items": clients.list_grants(current_user())})


@grants_bp.delete("/<id:grant_id>")
@login_required
@scopes_required("users:write")
@operation(status=204, errors=[404], tag="users")
def revoke_grant(grant_id: int) -> Response:
    """Revoke a grant: the client's refresh token stops working at once."""
    clients.revoke_grant(viewer=current_user(), grant_id=grant_id)
    return Response(status=204)
