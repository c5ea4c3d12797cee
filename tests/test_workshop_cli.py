"""The learner's commands (start, check, hint, diff, catch-up, list) on the miniature workshop."""

import shutil
from pathlib import Path

import pytest

from workshop import cli
from workshop.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """Run one workshop command in-process and return its exit code and everything it printed."""
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_start_writes_a_copy_with_the_steps_tasks_stubbed(
    mini: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(capsys, "start", "02")
    assert code == 0
    assert "workspace/02-beta" in out
    shout = (mini / "workspace/02-beta/app/shout.py").read_text()
    assert 'raise NotImplementedError("Task 02.1: Return the greeting in capitals.")' in shout
    assert "greet(name).upper()" not in shout
    assert "# BEGIN TASK 02.1" in shout


def test_check_fails_on_the_stub_then_passes_with_the_reference(
    mini: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "start", "2")
    code, out = run(capsys, "check", "02")
    assert code == 1
    assert "FAIL  02.1  Shout" in out
    assert "NotImplementedError: Task 02.1: Return the greeting in capitals." in out
    assert "hint: str.upper()." in out
    assert "read: docs/steps/02-beta.md" in out

    reference = mini / "steps/02-beta/app/shout.py"
    shutil.copy(reference, mini / "workspace/02-beta/app/shout.py")
    code, out = run(capsys, "check", "02")
    assert code == 0
    assert "PASS  02.1  Shout" in out
    assert "1 of 1 tasks done - well done!" in out
    code, out = run(capsys, "list")
    assert "1/1 tasks" in out


def test_check_solution_runs_the_reference(mini: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "check", "01", "--solution")
    assert code == 0
    assert "PASS  01.1  Greet" in out
    assert not (mini / "workspace/progress.json").exists()


def test_check_before_start_says_what_to_do(mini: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "check", "01")
    assert code == 2
    assert "run 'workshop start 01' first" in out


def test_start_refuses_to_overwrite_without_force(
    mini: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "start", "01")
    code, out = run(capsys, "start", "01")
    assert code == 2
    assert "already exists" in out
    assert "--force" in out


def test_start_with_force_keeps_the_old_copy_aside(
    mini: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "start", "01")
    (mini / "workspace/01-alpha/notes.txt").write_text("my work")
    code, out = run(capsys, "start", "01", "--force")
    assert code == 0
    assert "Your previous copy is kept in workspace/01-alpha.old-" in out
    kept = list((mini / "workspace").glob("01-alpha.old-*/notes.txt"))
    assert [path.read_text() for path in kept] == ["my work"]
    assert not (mini / "workspace/01-alpha/notes.txt").exists()


def test_catch_up_puts_the_reference_in_place_and_keeps_the_old_copy(
    mini: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "start", "02")
    code, out = run(capsys, "catch-up", "02")
    assert code == 0
    assert "kept in workspace/02-beta.before-catch-up-" in out
    assert "greet(name).upper()" in (mini / "workspace/02-beta/app/shout.py").read_text()
    assert run(capsys, "check", "02")[0] == 0


def test_unknown_step_names_the_known_ones(mini: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "start", "09")
    assert code == 2
    assert "unknown step '09': choose one of 01, 02 or final" in out


def test_hint_prints_a_tasks_text_and_hint(mini: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "hint", "02", "02.1")
    assert code == 0
    assert "Return the greeting in capitals." in out
    assert "hint: str.upper()." in out


def test_hint_for_an_unknown_task_is_refused(
    mini: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(capsys, "hint", "02", "02.7")
    assert code == 2
    assert "step 02 has no task '02.7' (its tasks: 02.1)" in out


def test_diff_shows_what_a_step_adds_without_marker_lines(
    mini: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(capsys, "diff", "02")
    assert code == 0
    assert "+++ steps/02-beta/app/shout.py" in out
    assert "+    return greet(name).upper()" in out
    assert "BEGIN TASK" not in out
    assert "greet.py" not in out


def test_diff_mine_compares_the_learners_copy_with_the_reference(
    mini: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "start", "02")
    code, out = run(capsys, "diff", "02", "--mine")
    assert code == 0
    assert "-    return greet(name).upper()" in out
    assert '+    raise NotImplementedError("Task 02.1: Return the greeting in capitals.")' in out


def test_a_missing_virtual_environment_is_explained(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli, "NEEDED_PACKAGES", ("flask", "no_such_package_here"))
    code, out = run(capsys, "list")
    assert code == 2
    assert "virtual environment is missing (no_such_package_here not found)" in out
    assert "make setup" in out


SKIPPED_TOOL_TEST = '''"""A test that needs a tool the learner may not have."""

import pytest


@pytest.mark.task("02.1")
def test_needs_a_missing_tool() -> None:
    pytest.skip("the tool is not installed")
'''


def test_a_skipped_test_does_not_fail_a_task_that_passes_otherwise(
    mini: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "catch-up", "02")
    (mini / "workspace/02-beta/tests/test_tool.py").write_text(SKIPPED_TOOL_TEST)
    code, out = run(capsys, "check", "02")
    assert code == 0
    assert "PASS  02.1  Shout" in out
