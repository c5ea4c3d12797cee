"""CONTRIBUTING.md's "Adding a resource", followed on a copy of final/: the copy stays green.

The new files are tests/fixtures/shelves (a model, a schema, a service, a blueprint and a test);
the edits below are the recipe's one-line registrations. Then the copy gets its migration the way
a maintainer makes one, and ruff, mypy --strict, import-linter and the contract tests run on it.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parent.parent
SHELVES = Path(__file__).parent / "fixtures" / "shelves"
BIN = Path(sys.executable).parent

# Each registration: the file, a line already in it, and the line the recipe adds after it.
REGISTRATIONS = [
    (
        "app/models/__init__.py",
        "from app.models.revoked_token import RevokedToken\n",
        "from app.models.shelf import Shelf\n",
    ),
    ("app/models/__init__.py", '    "RevokedToken",\n', '    "Shelf",\n'),
    (
        "app/__init__.py",
        "from app.blueprints.oauth import oauth_bp\n",
        "from app.blueprints.shelves import shelves_bp\n",
    ),
    (
        "app/__init__.py",
        '    app.register_blueprint(loans_bp, url_prefix="/api/v1/loans")\n',
        '    app.register_blueprint(shelves_bp, url_prefix="/api/v1/shelves")\n',
    ),
    (
        "app/openapi.py",
        '    {"name": "loans", "description": "Borrowing and returning books."},\n',
        '    {"name": "shelves", "description": "Where the books stand."},\n',
    ),
    (
        "app/blueprints/index/routes.py",
        '            "loans": url_for("loans.list_loans"),\n',
        '            "shelves": url_for("shelves.list_shelves"),\n',
    ),
]
CONTRACT_TESTS = ["tests/test_shelves.py", "tests/test_openapi.py", "tests/test_contract.py"]


def run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    """Run one tool on the copy; fail the test with its output when it fails."""
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"{' '.join(command)}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def add_shelves(final: Path) -> None:
    """Copy the resource's files into ``final`` and make its registrations."""
    shutil.copytree(SHELVES, final, dirs_exist_ok=True)
    for relative, anchor, line in REGISTRATIONS:
        path = final / relative
        text = path.read_text(encoding="utf-8")
        assert text.count(anchor) == 1, f"{relative} no longer holds {anchor!r}: update the recipe"
        path.write_text(text.replace(anchor, anchor + line), encoding="utf-8")


@pytest.fixture(scope="module")
def shelved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of final/ with the shelves resource added by the recipe, and its migration."""
    root = tmp_path_factory.mktemp("resource")
    # The repository's pyproject.toml carries the ruff settings (and final/'s migrations exclusion).
    shutil.copy(REPOSITORY / "pyproject.toml", root / "pyproject.toml")
    final = root / "final"
    shutil.copytree(REPOSITORY / "final", final, ignore=shutil.ignore_patterns("__pycache__"))
    add_shelves(final)
    env = {**os.environ, "APP_CONFIG": "development", "DATABASE_URL": f"sqlite:///{root}/lib.db"}
    flask = [str(BIN / "flask"), "--app", "wsgi", "db"]
    run([*flask, "upgrade"], final, env)
    run([*flask, "migrate", "-m", "add shelves"], final, env)
    return final


def test_the_new_resource_is_lint_clean(shelved: Path) -> None:
    run([str(BIN / "ruff"), "check", "."], shelved.parent)
    run([str(BIN / "ruff"), "format", "--check", "."], shelved.parent)


def test_the_new_resource_is_typed(shelved: Path) -> None:
    run([str(BIN / "mypy"), "--strict", "app"], shelved)


def test_the_new_resource_keeps_the_layers(shelved: Path) -> None:
    run([str(BIN / "lint-imports"), "--no-cache", "--no-logo"], shelved)


def test_the_migration_creates_the_new_table(shelved: Path) -> None:
    (migration,) = (shelved / "migrations/versions").glob("*_add_shelves.py")
    assert re.search(
        r"op\.create_table\(\s*['\"]shelves['\"]", migration.read_text(encoding="utf-8")
    )


def test_the_new_resource_passes_its_tests_and_the_contract_tests(shelved: Path) -> None:
    # On the embedded backends only: the services run of final/'s own suite covers the rest.
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("TEST_") and key != "REQUIRE_SERVICES"
    }
    tests = [*CONTRACT_TESTS, "tests/test_migrations.py", "-m", "not fuzz"]
    out = run([sys.executable, "-m", "pytest", "-q", *tests], shelved, env)
    assert " passed" in out
