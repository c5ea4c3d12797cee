"""The OpenAPI document is valid 3.1, lists every route, and says what each operation answers.

These tests read the document the app serves; test_contract.py then holds real responses to it.
Each test collects every offending operation before failing, so one run names all the gaps.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from contract_checks import JSON, downloaded_document, validate_against
from flask import Flask
from flask.testing import FlaskClient
from jsonschema import ValidationError
from openapi_spec_validator import OpenAPIV31SpecValidator
from werkzeug.routing import Rule

from app import create_app
from app.errors import HTTP_ERRORS
from app.openapi import build_spec
from app.operations import operation
from app.permissions import login_required
from app.schemas import AuthorInputSchema, AuthorSchema
from app.security_headers import API_CONTENT_SECURITY_POLICY

HTTP_METHODS = ("get", "put", "post", "patch", "delete")
ERROR_RESPONSES = {
    "400": "BadRequest",
    "401": "Unauthorized",
    "403": "Forbidden",
    "404": "NotFound",
    "409": "Conflict",
    "413": "PayloadTooLarge",
    "415": "UnsupportedMediaType",
    "422": "ValidationError",
    "429": "RateLimited",
    "503": "ServiceUnavailable",
}
# The member of the error family each shared error response answers with.
ERROR_BODIES = {"409": "ConflictError", "422": "ValidationError", "503": "UnavailableError"}


@pytest.fixture
def document(client: FlaskClient) -> dict[str, Any]:
    """The document as a client downloads it."""
    return downloaded_document(client)


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Every (path, method, operation) in the document."""
    for path, path_item in document["paths"].items():
        for method in HTTP_METHODS:
            if method in path_item:
                yield path, method, path_item[method]


def api_rules(app: Flask) -> list[Rule]:
    """The URL rules that make up the API: no static files, Swagger UI assets or metrics.

    Nor the OAuth 2 endpoints: they follow RFC 6749 and describe themselves in their RFC 8414
    metadata (test_oauth_clients.py checks it).
    """
    return [
        rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in {"static", "metrics"}
        and not rule.endpoint.startswith(("swagger_ui.", "oauth."))
    ]


def openapi_path(rule: Rule) -> str:
    """``/books/<id:book_id>`` becomes ``/books/{book_id}``."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)


def test_openapi_json_is_json_with_a_request_id(client: FlaskClient) -> None:
    response = client.get("/openapi.json")

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["X-Request-ID"]
    assert response.get_json()["openapi"] == "3.1.0"


def test_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    OpenAPIV31SpecValidator(document).validate()


def test_document_is_built_once_per_app(app: Flask) -> None:
    assert build_spec(app) is build_spec(app)


def test_document_describes_the_api_and_its_bearer_auth(document: dict[str, Any]) -> None:
    bearer = document["components"]["securitySchemes"]["bearerAuth"]

    assert document["info"]["title"] == "Library API"
    assert document["info"]["version"]
    assert "{code, message, details, request_id}" in document["info"]["description"]
    assert [server["url"] for server in document["servers"]] == ["/"]
    assert (bearer["type"], bearer["scheme"], bearer["bearerFormat"]) == ("http", "bearer", "JWT")


def test_every_route_is_documented_with_each_of_its_methods(
    app: Flask, document: dict[str, Any]
) -> None:
    missing = [
        f"{method} {openapi_path(rule)}"
        for rule in api_rules(app)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
        if method.lower() not in document["paths"].get(openapi_path(rule), {})
    ]

    assert api_rules(app), "the app has no routes"
    assert missing == []


def test_every_documented_operation_is_served(app: Flask, document: dict[str, Any]) -> None:
    served = {
        (openapi_path(rule), method.lower())
        for rule in api_rules(app)
        for method in rule.methods or set()
    }

    assert [f"{m} {p}" for p, m, _ in operations(document) if (p, m) not in served] == []


def test_metrics_is_left_out_of_the_document(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("METRICS_ENABLED", "1")
    app = create_app("testing")

    assert "metrics" in app.view_functions
    assert "/metrics" not in build_spec(app)["paths"]


def test_a_route_without_a_declaration_still_appears_with_its_summary(own_app: Flask) -> None:
    def shelve() -> str:
        """Shelve a book."""
        return "shelved"

    own_app.add_url_rule("/api/v1/shelve", "shelve", shelve, methods=["POST"])

    assert build_spec(own_app)["paths"]["/api/v1/shelve"] == {
        "post": {"summary": "Shelve a book.", "operationId": "shelve"}
    }


def test_a_declaration_gets_the_errors_of_its_body_token_and_rate_limit(own_app: Flask) -> None:
    @login_required
    @operation(body=AuthorInputSchema, response=AuthorSchema, status=201, errors=[409])
    def shelve() -> str:
        """Shelve a book."""
        return "shelved"

    own_app.add_url_rule("/api/v1/shelve", "shelve", shelve, methods=["POST"])
    shelved = build_spec(own_app)["paths"]["/api/v1/shelve"]["post"]

    assert sorted(shelved["responses"]) == ["201", "400", "401", "409", "413", "415", "422", "429"]
    assert shelved["responses"]["409"] == {"$ref": "#/components/responses/Conflict"}
    assert shelved["security"] == [{"bearerAuth": []}]
    assert shelved["tags"] == ["shelve"]
    assert shelved["requestBody"]["content"][JSON]["schema"] == {
        "$ref": "#/components/schemas/AuthorInput"
    }


def test_a_public_operation_says_it_needs_no_token(document: dict[str, Any]) -> None:
    assert document["paths"]["/api/v1/books"]["get"]["security"] == []


def test_an_endpoint_with_two_rules_is_refused(own_app: Flask) -> None:
    def shelf() -> str:
        """A shelf."""
        return "shelf"

    own_app.add_url_rule("/api/v1/shelf", "shelf", shelf)
    own_app.add_url_rule("/api/v1/shelves", "shelf", shelf)

    with pytest.raises(ValueError, match="'shelf' has several URL rules"):
        build_spec(own_app)


def test_every_operation_has_a_summary_tags_and_responses(document: dict[str, Any]) -> None:
    incomplete = [
        f"{method.upper()} {path}: no {part}"
        for path, method, operation in operations(document)
        for part in ("summary", "tags", "responses", "operationId")
        if not operation.get(part)
    ]

    assert incomplete == []


def test_every_tag_is_declared_with_a_description(document: dict[str, Any]) -> None:
    declared = {tag["name"] for tag in document["tags"] if tag.get("description")}
    used = {tag for _, _, operation in operations(document) for tag in operation.get("tags", [])}

    assert used - declared == set()


def test_operations_have_a_success_response(document: dict[str, Any]) -> None:
    without = [
        f"{method.upper()} {path}"
        for path, method, operation in operations(document)
        if not any(status.startswith(("2", "3")) for status in operation.get("responses", {}))
    ]

    assert without == []


def test_every_error_response_has_the_error_body_and_an_example(document: dict[str, Any]) -> None:
    for status, name in ERROR_RESPONSES.items():
        response = document["components"]["responses"][name]
        media = response["content"]["application/json"]
        schema = ERROR_BODIES.get(status, "Error")

        assert media["schema"] == {"$ref": f"#/components/schemas/{schema}"}
        assert set(media["example"]) == {"code", "message", "details", "request_id"}
        assert "X-Request-ID" in response["headers"]
    assert "Retry-After" in document["components"]["responses"]["RateLimited"]["headers"]


def test_error_examples_are_what_the_api_answers(document: dict[str, Any]) -> None:
    shown = {
        status: (example["code"], example["message"])
        for status, name in ERROR_RESPONSES.items()
        for example in [document["components"]["responses"][name]["content"][JSON]["example"]]
    }

    assert shown == {status: HTTP_ERRORS[int(status)] for status in ERROR_RESPONSES}


def test_every_error_body_has_the_four_keys_and_typed_details(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    family = {"Error", *ERROR_BODIES.values()}

    for name in family:
        assert schemas[name]["required"] == ["code", "message", "details", "request_id"], name
    assert schemas["ValidationError"]["properties"]["details"] == {
        "$ref": "#/components/schemas/FieldErrors"
    }
    assert schemas["ConflictError"]["properties"]["details"] == {
        "$ref": "#/components/schemas/ConflictDetails"
    }


def test_operations_with_a_body_show_an_example(document: dict[str, Any]) -> None:
    without = [
        f"{method.upper()} {path}"
        for path, method, operation in operations(document)
        if "requestBody" in operation and "example" not in operation["requestBody"]["content"][JSON]
    ]

    assert without == []


def examples(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any], Any]]:
    """Every (where, schema, example) pair: media types, parameters, headers, schema properties."""

    def walk(node: Any, where: str) -> Iterator[tuple[str, dict[str, Any], Any]]:
        if isinstance(node, dict):
            if isinstance(node.get("schema"), dict) and "example" in node:
                yield where, node["schema"], node["example"]
            if isinstance(node.get("schema"), dict):
                for name, example in node.get("examples", {}).items():
                    yield f"{where}/examples/{name}", node["schema"], example["value"]
            for key, child in node.items():
                yield from walk(child, f"{where}/{key}")
        elif isinstance(node, list):
            for index, child in enumerate(node):
                yield from walk(child, f"{where}/{index}")

    yield from walk(document["paths"], "#/paths")
    yield from walk(document["components"]["responses"], "#/components/responses")
    yield from walk(document["components"]["parameters"], "#/components/parameters")
    for name, schema in document["components"]["schemas"].items():
        for field, prop in schema.get("properties", {}).items():
            given = [prop["example"]] if "example" in prop else []
            for example in [*given, *prop.get("examples", [])]:
                yield f"#/components/schemas/{name}/{field}", prop, example


def test_every_example_validates_against_its_schema(document: dict[str, Any]) -> None:
    found = list(examples(document))
    invalid = []
    for where, schema, example in found:
        try:
            validate_against(document, schema, example)
        except ValidationError as error:
            invalid.append(f"{where}: {error.message}")

    assert len(found) >= len(ERROR_RESPONSES)
    assert invalid == []


def inline_objects(node: Any, where: str) -> Iterator[str]:
    """Where ``node`` holds an object schema with properties below its own top level."""
    if isinstance(node, dict):
        for key, child in node.items():
            if isinstance(child, dict) and "properties" in child:
                yield f"{where}/{key}"
            yield from inline_objects(child, f"{where}/{key}")
    elif isinstance(node, list):
        for index, child in enumerate(node):
            yield from inline_objects(child, f"{where}/{index}")


def test_every_object_schema_is_a_named_component(document: dict[str, Any]) -> None:
    # A client generator must invent a name for an inline object; a component has its own.
    schemas = document["components"]["schemas"]
    inline = [
        *inline_objects(document["paths"], "#/paths"),
        *inline_objects(document["components"]["responses"], "#/components/responses"),
        *(
            found
            for name, schema in schemas.items()
            for found in inline_objects(schema, f"#/components/schemas/{name}")
        ),
    ]

    assert inline == []


def test_nullable_fields_use_3_1_type_lists(document: dict[str, Any]) -> None:
    assert "nullable" not in str(document["components"]["schemas"])


def test_path_parameters_follow_the_url_converters(document: dict[str, Any]) -> None:
    parameters = document["paths"]["/api/v1/books/{book_id}"]["parameters"]

    assert parameters == [
        {
            "in": "path",
            "name": "book_id",
            "required": True,
            "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
        }
    ]


def test_summary_and_description_come_from_the_docstring(document: dict[str, Any]) -> None:
    operation = document["paths"]["/openapi.json"]["get"]

    assert operation["summary"] == "The OpenAPI 3.1 document describing this API."
    assert operation["operationId"] == "docs_openapi_document"


def test_docs_serves_swagger_ui_pointing_at_the_document(client: FlaskClient) -> None:
    response = client.get("/docs/")

    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert '"url": "/openapi.json"' in response.get_data(as_text=True)
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_docs_without_a_slash_redirects_to_the_page(client: FlaskClient) -> None:
    response = client.get("/docs")

    assert response.status_code == 308
    assert response.headers["Location"].endswith("/docs/")


def test_swagger_ui_assets_load_from_the_app(client: FlaskClient) -> None:
    page = client.get("/docs/").get_data(as_text=True)
    assets = re.findall(r'(?:src|href)="(/docs/[^"]+)"', page)

    assert {"/docs/swagger-ui-bundle.js", "/docs/swagger-ui.css"} <= set(assets)
    for asset in assets:
        with client.get(asset) as response:
            assert response.status_code == 200, asset
    assert "https://" not in re.sub(r"<!--.*?-->", "", page, flags=re.DOTALL)


def test_api_responses_keep_the_strict_content_security_policy(client: FlaskClient) -> None:
    response = client.get("/openapi.json")

    assert response.headers["Content-Security-Policy"] == API_CONTENT_SECURITY_POLICY
