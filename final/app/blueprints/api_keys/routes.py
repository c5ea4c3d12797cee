"""``/api/v1/api-keys``: make a key (shown once), list the keys, and revoke one."""

from typing import Any

from flask import Blueprint, request

from app.caching import forbid_storing
from app.models.user import ADMIN
from app.operations import operation
from app.pagination import PageAnswer, with_link_header
from app.permissions import current_user, roles_required, scopes_required
from app.schemas import (
    ApiKeyCreateSchema,
    ApiKeyListQuerySchema,
    ApiKeyPageSchema,
    ApiKeySchema,
    NewApiKeySchema,
)
from app.schemas.common import dump
from app.services import api_keys

api_keys_bp = Blueprint("api_keys", __name__)

create_schema = ApiKeyCreateSchema()
query_schema = ApiKeyListQuerySchema()
page_schema = ApiKeyPageSchema()
api_key_schema = ApiKeySchema()
new_api_key_schema = NewApiKeySchema()


api_keys_bp.after_request(forbid_storing)


@api_keys_bp.post("")
@roles_required(ADMIN)
@scopes_required("integrations:write")
@operation(
    body=ApiKeyCreateSchema,
    response=NewApiKeySchema,
    status=201,
    example={"name": "Nightly stock sync", "scopes": ["catalog:write"], "expires_in_days": 30},
)
def create_api_key() -> tuple[dict[str, Any], int]:
    """Make an API key with some of your scopes; the answer is the only time it is shown."""
    data = create_schema.load(request.get_json())
    made = api_keys.create_api_key(owner=current_user(), **data)
    body = dump(new_api_key_schema, made.api_key)
    body["key"] = made.key
    return body, 201


@api_keys_bp.get("")
@roles_required(ADMIN)
@scopes_required("integrations:read")
@operation(query=ApiKeyListQuerySchema, response=ApiKeyPageSchema, headers=["Link"])
def list_api_keys() -> PageAnswer:
    """List the API keys, revoked and expired ones too, a page at a time."""
    query = query_schema.load(request.args)
    return with_link_header(dump(page_schema, api_keys.list_api_keys(**query)))


@api_keys_bp.post("/<id:api_key_id>/revoke")
@roles_required(ADMIN)
@scopes_required("integrations:write")
@operation(response=ApiKeySchema, errors=[404])
def revoke_api_key(api_key_id: int) -> dict[str, Any]:
    """Revoke an API key at once; revoking it again answers the same."""
    api_key = api_keys.revoke_api_key(api_key_id=api_key_id, viewer=current_user())
    return dump(api_key_schema, api_key)
