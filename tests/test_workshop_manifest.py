"""`workshop manifest` writes the steps' changes lists from the trees and notices stale ones."""

import shutil
from pathlib import Path

import pytest

from workshop.cli import main
from workshop.lineage import lineage_problems
from workshop.manifest import load_manifest
from workshop.manifest_update import stale_entries

REPOSITORY = Path(__file__).resolve().parent.parent
INITIALS = '    "app/names.py::initials",\n'


def run_manifest(capsys: pytest.CaptureFixture[str], flag: str) -> tuple[int, str]:
    """Run `workshop manifest` with one flag and return its exit code and output."""
    code = main(["manifest", flag])
    return code, capsys.readouterr().out


def test_update_rewrites_only_the_lists(mini: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manifest = mini / "steps/steps.toml"
    original = manifest.read_text()
    stale = original.replace(INITIALS, "").replace("changes = []", 'changes = ["app/greet.py"]')
    manifest.write_text(stale)
    code, out = run_manifest(capsys, "--update")
    assert (code, out) == (0, "steps/steps.toml: changes updated: review the diff\n")
    assert manifest.read_text() == original


def test_update_adds_a_missing_list_after_the_steps_keys(
    mini: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = mini / "steps/steps.toml"
    original = manifest.read_text()
    start = original.index("changes = [\n")
    manifest.write_text(original[:start] + original[original.index("]\n", start) + 2 :])
    code, _ = run_manifest(capsys, "--update")
    assert code == 0
    assert manifest.read_text() == original


def test_update_settles_a_merge_conflict_inside_the_lists(
    mini: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = mini / "steps/steps.toml"
    original = manifest.read_text()
    conflicted = original.replace(
        INITIALS,
        '<<<<<<< HEAD\n    "app/names.py",\n=======\n    "app/greet.py",\n>>>>>>> main\n',
    )
    manifest.write_text(conflicted)
    code, _ = run_manifest(capsys, "--update")
    assert code == 0
    assert manifest.read_text() == original


def test_a_conflict_outside_the_lists_is_left_to_the_maintainer(
    mini: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = mini / "steps/steps.toml"
    hint = 'hint = "str.upper()."\n'
    conflicted = manifest.read_text().replace(
        hint, f'<<<<<<< HEAD\n{hint}=======\nhint = "upper()"\n>>>>>>> main\n'
    )
    manifest.write_text(conflicted)
    assert main(["manifest", "--update"]) == 2
    assert "is malformed" in capsys.readouterr().err
    assert manifest.read_text() == conflicted


def test_update_of_a_current_manifest_changes_nothing(
    mini: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run_manifest(capsys, "--update")
    assert (code, out) == (0, "steps/steps.toml: changes current\n")


def test_check_names_the_missing_and_the_extra_entries(
    mini: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = mini / "steps/steps.toml"
    manifest.write_text(manifest.read_text().replace(INITIALS, '    "app/names.py::tidy",\n'))
    code, out = run_manifest(capsys, "--check")
    assert code == 1
    assert "step 02: changes is stale\n  missing  app/names.py::initials\n" in out
    assert "  extra    app/names.py::tidy\n" in out


def test_the_repository_manifest_is_current() -> None:
    assert stale_entries(load_manifest(REPOSITORY)) == {}


def test_an_unforwarded_edit_in_step_02_names_the_function_and_the_steps_it_missed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for folder in ("steps", "final"):
        shutil.copytree(REPOSITORY / folder, tmp_path / folder)
    monkeypatch.setenv("WORKSHOP_ROOT", str(tmp_path))
    loans = tmp_path / "steps/02-models/app/services/loans.py"
    message = "No copy of this book is available."
    assert message in loans.read_text()
    loans.write_text(loans.read_text().replace(message, "Every copy of this book is out."))
    manifest = load_manifest(tmp_path)
    assert lineage_problems(manifest, manifest.step("02")) == []
    assert lineage_problems(manifest, manifest.step("03")) == [
        "steps/03-schemas/app/services/loans.py::_lend: differs from steps/02-models but is not"
        " listed in changes: the edit in steps/02-models has not reached steps 03..07, final"
        " (forward it, or list app/services/loans.py::_lend in step 03's changes)"
    ]
    code = main(["verify", "--lineage-only", "02", "03", "04"])
    out = capsys.readouterr().out
    assert code == 1
    assert "PASS  steps/02-models: lineage\nFAIL  steps/03-schemas: lineage\n" in out
    assert "PASS  steps/04-auth: lineage\n" in out
    assert out.endswith("verify: 2 passed, 1 failed, 0 skipped\n")
