"""The class notebooks: each runs top to bottom against a real final app, and is committed clean.

One server (a subprocess on a free port, with a fresh SQLite file) serves the whole module, the
way one server serves a class. Every notebook in notebooks/ is picked up by the glob: adding one
needs no change here. Notebooks run in name order, as in class; each creates its own data, so
the order is not what makes them pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

from notebooks.live import (
    CLASSROOM_SETTINGS,
    LiveError,
    execute_notebook,
    free_port,
    notebook_paths,
    serve_final,
)

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = notebook_paths(ROOT / "notebooks")
CELL_TIMEOUT_SECONDS = 60


def read(path: Path) -> nbformat.NotebookNode:
    """A notebook as stored in the repository."""
    notebook: nbformat.NotebookNode = nbformat.read(path, as_version=4)
    return notebook


def code_cells(path: Path) -> list[nbformat.NotebookNode]:
    """The notebook's code cells, in order."""
    return [cell for cell in read(path).cells if cell.cell_type == "code"]


@pytest.fixture(scope="module")
def api_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a final app serving a fresh database, shared by this module's notebooks.

    It runs on the default limits, as `make run` serves it: the notebooks must fit in them.
    """
    database = tmp_path_factory.mktemp("notebooks") / "library.db"
    with serve_final(free_port(), f"sqlite:///{database}", settings={}) as url:
        yield url


def test_there_are_notebooks() -> None:
    assert len(NOTEBOOKS) >= 5
    assert [path.name[:2] for path in NOTEBOOKS] == sorted({path.name[:2] for path in NOTEBOOKS})


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_notebook_runs_against_the_final_app(path: Path, api_url: str) -> None:
    try:
        executed = execute_notebook(path, api_url, timeout=CELL_TIMEOUT_SECONDS)
    except LiveError as error:
        pytest.fail(str(error), pytrace=False)
    errors = [
        output
        for cell in executed.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "error"
    ]
    assert errors == []
    assert all(cell.execution_count for cell in executed.cells if cell.cell_type == "code")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_notebook_is_committed_without_outputs(path: Path) -> None:
    for index, cell in enumerate(code_cells(path)):
        assert cell.outputs == [], f"{path.name}: code cell {index} has outputs (run nbstripout)"
        assert cell.execution_count is None, f"{path.name}: code cell {index} has a count"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_first_code_cell_checks_the_api_is_up(path: Path) -> None:
    first = code_cells(path)[0].source
    assert 'client.get("/healthz")' in first
    assert 'os.environ.get("LIBRARY_API_URL", "http://127.0.0.1:5000")' in first
    assert "make run" in first
    assert "make notebooks" in first
    assert "raise RuntimeError(" in first


def test_a_failing_cell_is_named_with_its_notebook_and_index(tmp_path: Path) -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell("# Broken"),
        nbformat.v4.new_code_cell("answer = 42"),
        nbformat.v4.new_code_cell("assert answer == 41, 'wrong answer'\nprint('unreached')"),
    ]
    path = tmp_path / "broken.ipynb"
    nbformat.write(notebook, path)
    with pytest.raises(LiveError) as raised:
        execute_notebook(path, "http://127.0.0.1:9", timeout=30)
    message = str(raised.value)
    assert "broken.ipynb: cell 2 failed" in message
    assert "assert answer == 41" in message
    assert "AssertionError: wrong answer" in message


def test_make_notebooks_uses_the_classroom_settings() -> None:
    recipe = (ROOT / "Makefile").read_text().split("\nnotebooks:", 1)[1].split("\n\n", 1)[0]
    assert "workshop serve final" in recipe
    assert "jupyter lab notebooks/" in recipe
    for name, value in CLASSROOM_SETTINGS.items():
        assert re.search(rf"{name}='{value}'", recipe), f"make notebooks should set {name}"
