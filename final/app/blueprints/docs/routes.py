"""The API describes itself: the OpenAPI document at /openapi.json, Swagger UI at /docs.

Register both blueprints in create_app: ``docs_bp`` serves the document and ``swagger_ui_bp`` (made
by flask-swagger-ui, a blueprint of its own) serves the Swagger UI page and its scripts and styles
from the installed package, so the page needs no CDN.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app
from flask_swagger_ui import get_swaggerui_blueprint

from app.openapi import build_spec
from app.operations import operation

DOCS_URL = "/docs"
OPENAPI_URL = "/openapi.json"

# The API's own Content-Security-Policy forbids every script and style. Swagger UI needs its own
# files ('self'), its inline start-up script, the inline styles React sets, and data: images for
# its icons. The page shows only this API's document, so the wider policy stays on /docs alone.
SWAGGER_UI_CSP = (
    "default-src 'none'; "
    "script-src 'self' 'unsafe-inline'; "
    "style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; "
    "connect-src 'self'; "
    "base-uri 'none'; "
    "form-action 'none'; "
    "frame-ancestors 'none'"
)

docs_bp = Blueprint("docs", __name__)

swagger_ui_bp: Blueprint = get_swaggerui_blueprint(
    DOCS_URL,
    OPENAPI_URL,
    # validatorUrl None: do not send the document to swagger.io's online validator.
    config={"app_name": "Library API", "validatorUrl": None},
)


@swagger_ui_bp.after_request
def allow_swagger_ui(response: Response) -> Response:
    """Give the Swagger UI page the Content-Security-Policy it needs to run."""
    response.headers["Content-Security-Policy"] = SWAGGER_UI_CSP
    return response


@docs_bp.get(OPENAPI_URL)
@operation(response="OpenApiDocument", tag="meta")
def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 document describing this API."""
    return build_spec(current_app)
