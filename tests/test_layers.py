"""The layers contract: every app imports downwards only, and a wrong import fails the lint."""

import shutil
import subprocess
import sys
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
APPS = sorted(path.parent for path in REPOSITORY.glob("steps/*/.importlinter"))
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(folder: Path) -> subprocess.CompletedProcess[str]:
    """Run import-linter on one app folder, as `make lint` does, without writing a cache there."""
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )


def test_every_step_has_a_layers_contract() -> None:
    steps = sorted(path for path in REPOSITORY.glob("steps/*") if path.is_dir())
    assert steps == APPS
    assert (REPOSITORY / "final/.importlinter").is_file()


def test_a_model_that_imports_a_service_breaks_the_contract(tmp_path: Path) -> None:
    final = tmp_path / "final"
    shutil.copytree(REPOSITORY / "final", final, ignore=shutil.ignore_patterns("__pycache__"))
    assert lint_imports(final).returncode == 0
    book = final / "app/models/book.py"
    book.write_text(book.read_text() + "\nfrom app.services import books  # noqa: E402\n")
    result = lint_imports(final)
    assert result.returncode == 1, result.stdout
    assert "app.models is not allowed to import app.services" in result.stdout


def test_a_module_outside_every_layer_breaks_the_contract(tmp_path: Path) -> None:
    final = tmp_path / "final"
    shutil.copytree(REPOSITORY / "final", final, ignore=shutil.ignore_patterns("__pycache__"))
    (final / "app/shelves.py").write_text('"""A module no layer of .importlinter names."""\n')
    result = lint_imports(final)
    assert result.returncode == 1, result.stdout
    assert "app.shelves" in result.stdout
