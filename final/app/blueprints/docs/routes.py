"""The API's own description: the OpenAPI document at /openapi.json and Swagger UI at /docs."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app
from flask_swagger_ui import get_swaggerui_blueprint

from app.openapi import build_spec

DOCS_URL = "/docs"
OPENAPI_URL = "/openapi.json"

docs_bp = Blueprint("docs", __name__)

swagger_ui_bp = get_swaggerui_blueprint(DOCS_URL, OPENAPI_URL, config={"app_name": "Library API"})


@docs_bp.get(OPENAPI_URL)
def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 document describing this API."""
    return build_spec(current_app._get_current_object())  # type: ignore[attr-defined]
