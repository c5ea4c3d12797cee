"""A typed Python client, generated from the document the final app serves, drives the real API.

The OpenAPI document is a contract only if the tools people use on it accept it whole. So this
module serves ``final/``, fetches ``/openapi.json`` as any consumer would, and runs
openapi-generator (the PyPI package bundles its JAR; it needs Java) to write a ``python`` client
into a temporary folder, offline. The test fails when the generator reports anything it had to
guess, skip or name itself (an inline model), and when a documented response is missing from the
client. Then the client signs in, pages through the books by following ``links.next``, borrows a
book, reads the 409 and a 422 as typed models, and returns the loan.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from notebooks.live import free_port, serve_final

PACKAGE = "library_client"
GENERATOR = Path(sys.executable).with_name("openapi-generator-cli")
GENERATE_SECONDS = 300
MEMBER = {"email": "member@library.test", "password": "library-pass"}

# Lines the generator prints for every document like ours, which say nothing wrong about it.
# Every other warning or error fails the test, and so does any inline model it had to name.
EXPECTED_NOTICES = {
    # The generator's own disclaimer, printed for every OpenAPI 3.1 document.
    "OpenAPI 3.1 support is still in beta",
    # Printed for a document with shared header components (X-Request-ID, ETag, Link...): the
    # generator looks for a model name for a header's plain string schema, which has none.
    # Headers get no model in a Python client, and the coverage test below proves that no
    # response is lost.
    "Failed to get the schema name: null",
    # A free-form object (an error's empty details, the document's info and paths) becomes
    # Dict[str, Any], which is exactly what the document means by it.
    "Codegen property is null (e.g. map/dict of undefined type). Default to typing.Any.",
}
METHODS = {"get", "put", "post", "delete", "patch"}
PROBLEM = re.compile(r"\b(WARN|ERROR)\b|Inline schema created")


def generator_problems(output: str) -> list[str]:
    """The lines of the generator's output that report a problem with the document."""
    return [
        line
        for line in output.splitlines()
        if PROBLEM.search(line) and not any(notice in line for notice in EXPECTED_NOTICES)
    ]


@pytest.fixture(scope="module")
def tools() -> None:
    """Skip without Java or the generator, unless REQUIRE_SERVICES=1 makes that a failure."""
    missing = [
        name
        for name, found in (
            ("java", shutil.which("java")),
            ("openapi-generator-cli", GENERATOR.exists()),
        )
        if not found
    ]
    if missing:
        reason = (
            f"needs {' and '.join(missing)} (apt-get install default-jre-headless; the dev extra)"
        )
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture(scope="module")
def api_url(tools: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The final app with its demo data, on a free port, on its default limits."""
    database = tmp_path_factory.mktemp("client-db") / "library.db"
    with serve_final(free_port(), f"sqlite:///{database}", settings={}) as url:
        yield url


@pytest.fixture(scope="module")
def document(api_url: str) -> dict[str, Any]:
    """The OpenAPI document, as the server serves it."""
    response = httpx.get(f"{api_url}/openapi.json", timeout=10)
    assert response.status_code == 200
    served: dict[str, Any] = response.json()
    return served


@pytest.fixture(scope="module")
def generated(
    document: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, str]:
    """Generate the client from the served document; return its folder and the generator's log."""
    folder = tmp_path_factory.mktemp("client")
    spec = folder / "openapi.json"
    spec.write_text(json.dumps(document))
    done = subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--input-spec",
            str(spec),
            "--generator-name",
            "python",
            "--output",
            str(folder / "out"),
            "--package-name",
            PACKAGE,
            # The client's code only: no test stubs or Markdown pages for it.
            "--global-property",
            "apiTests=false,modelTests=false,apiDocs=false,modelDocs=false",
        ],
        capture_output=True,
        text=True,
        timeout=GENERATE_SECONDS,
        check=False,
    )
    log = done.stdout + done.stderr
    assert done.returncode == 0, log[-3000:]
    return folder / "out", log


@pytest.fixture(scope="module")
def client(generated: tuple[Path, str], api_url: str) -> Iterator[ModuleType]:
    """The generated package, imported from its temporary folder and pointed at the server."""
    out, _log = generated
    sys.path.insert(0, str(out))
    try:
        package = importlib.import_module(PACKAGE)
        yield package
    finally:
        sys.path.remove(str(out))
        for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def test_the_generator_reports_no_problem_with_the_document(generated: tuple[Path, str]) -> None:
    _out, log = generated
    assert generator_problems(log) == []


def test_the_problem_filter_catches_what_a_generator_reports() -> None:
    log = "\n".join(
        [
            "[main] WARN  o.o.codegen.DefaultCodegen - OpenAPI 3.1 support is still in beta.",
            "[main] INFO  o.o.codegen.InlineModelResolver - Inline schema created as x_200.",
            "[main] WARN  o.o.codegen.DefaultCodegen - Unknown type found in the schema: foo",
            "[main] INFO  o.o.codegen.DefaultGenerator - writing file /tmp/out/api.py",
        ]
    )
    assert generator_problems(log) == log.splitlines()[1:3]


def response_models(sources: str, operation_id: str) -> dict[str, str]:
    """Status to model name ("None" for no body) of the generated method for ``operation_id``."""
    method = re.search(
        rf"def {operation_id}\(.*?_response_types_map[^{{]*\{{(.*?)\}}", sources, re.DOTALL
    )
    return dict(re.findall(r"'(\d{3})': \"?(\w+)\"?", method[1])) if method else {}


def test_every_documented_response_is_in_the_client(
    document: dict[str, Any], generated: tuple[Path, str]
) -> None:
    out, _log = generated
    sources = "\n".join(path.read_text() for path in (out / PACKAGE / "api").glob("*_api.py"))
    responses = document["components"]["responses"]
    lost = []
    for path_item in document["paths"].values():
        for method in METHODS & path_item.keys():
            operation = path_item[method]
            models = response_models(sources, operation["operationId"])
            for status, response in operation["responses"].items():
                if "$ref" in response:
                    response = responses[response["$ref"].rsplit("/", 1)[1]]
                # A response with a body must come back as a model; one without, as None.
                wanted_a_model = "content" in response
                if status not in models or wanted_a_model == (models[status] == "None"):
                    lost.append(f"{operation['operationId']} {status}: {models.get(status)}")
    assert lost == []


def test_the_client_borrows_a_book_and_reads_typed_errors(client: ModuleType, api_url: str) -> None:
    models = importlib.import_module(f"{PACKAGE}.models")
    exceptions = importlib.import_module(f"{PACKAGE}.exceptions")
    configuration = client.Configuration(host=api_url)
    with client.ApiClient(configuration) as api:
        tokens = client.AuthApi(api).auth_login(models.Login(**MEMBER))
        configuration.access_token = tokens.access_token
        books_api, loans_api = client.BooksApi(api), client.LoansApi(api)

        # Page through the catalogue by following each page's links.next, two books at a time.
        page = books_api.books_list_books(per_page=2)
        seen = [book.id for book in page.items]
        while page.links.next is not None:
            query = dict(parse_qsl(urlsplit(page.links.next).query))
            page = books_api.books_list_books(
                page=int(query["page"]), per_page=int(query["per_page"])
            )
            seen += [book.id for book in page.items]
        assert len(seen) == len(set(seen)) == page.total

        book = next(book for book in page.items if book.copies_available > 0)
        loan = loans_api.loans_borrow_book(models.LoanCreate(book_id=book.id))
        assert (loan.book_id, loan.status) == (book.id, "active")

        with pytest.raises(exceptions.ConflictException) as conflict:
            loans_api.loans_borrow_book(models.LoanCreate(book_id=book.id))
        assert isinstance(conflict.value.data, models.ConflictError)
        assert conflict.value.data.code == "already_borrowed"

        with pytest.raises(exceptions.UnprocessableEntityException) as refused:
            books_api.books_list_books(sort="colour")
        assert isinstance(refused.value.data, models.ValidationError)
        assert refused.value.data.code == "validation_error"
        assert list(refused.value.data.details) == ["sort"]

        returned = loans_api.loans_return_loan(loan.id)
        assert (returned.id, returned.status) == (loan.id, "returned")
