"""The OpenAPI 3.1 document, generated from the routes and schemas that serve the API.

Each view's docstring carries its summary and per-method YAML and the marshmallow schemas carry the
shapes, so the document changes in the same commit as the code. Walking ``app.url_map`` instead of
listing views by hand means a new route cannot be left out of the document.
"""

from __future__ import annotations

from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec_webframeworks.flask import FlaskPlugin
from flask import Flask

OPENAPI_VERSION = "3.1.0"

# The document is built once per app and kept here, in the app's own extension registry.
_EXTENSION_KEY = "openapi_spec"


def build_spec(app: Flask) -> dict[str, Any]:
    """Return the OpenAPI document for ``app``, building it on the first call."""
    cached: dict[str, Any] | None = app.extensions.get(_EXTENSION_KEY)
    if cached is not None:
        return cached
    spec = APISpec(
        title="Library API",
        version="1.0.0",
        openapi_version=OPENAPI_VERSION,
        plugins=[FlaskPlugin(), MarshmallowPlugin()],
    )
    for endpoint, view in app.view_functions.items():
        if endpoint == "static" or endpoint.startswith(("swagger_ui.", "metrics")):
            continue
        spec.path(view=view, app=app)
    document = spec.to_dict()
    app.extensions[_EXTENSION_KEY] = document
    return document
