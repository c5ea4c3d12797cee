"""The learner's commands (start, check, hint, diff, catch-up, list) on the miniature workshop."""

import json
import re
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from workshop import cli, launch, runner
from workshop.cli import main
from workshop.manifest import ManifestError, load_manifest


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
    assert "at workspace/02-beta/app/shout.py:9" in out
    assert "stuck? workshop hint 02 02.1" in out
    assert "str.upper()" not in out
    assert "read: docs/steps/02-beta.md" in out

    reference = mini / "steps/02-beta/app/shout.py"
    shutil.copy(reference, mini / "workspace/02-beta/app/shout.py")
    code, out = run(capsys, "check", "02")
    assert code == 0
    assert "PASS  02.1  Shout" in out
    assert "1 of 1 tasks done\nWell done!" in out
    assert "\x1b[" not in out
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
    assert "hint 1 of 1: str.upper()." in out


def test_hints_come_a_level_per_ask_and_the_levels_seen_are_remembered(
    mini: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = mini / "steps/steps.toml"
    manifest.write_text(
        manifest.read_text().replace(
            'hint = "str.upper()."', 'hints = ["Python strings can change case.", "str.upper()."]'
        )
    )
    code, first = run(capsys, "hint", "02", "02.1")
    assert code == 0
    assert "hint 1 of 2: Python strings can change case." in first
    assert "str.upper()" not in first
    assert "Ask again" in first
    seen = json.loads((mini / "workspace/progress.json").read_text())["hints_seen"]
    assert seen == {"02.1": 1}
    code, second = run(capsys, "hint", "02")
    assert "hint 1 of 2: Python strings can change case." in second
    assert "hint 2 of 2: str.upper()." in second
    assert "Ask again" not in second
    assert "hint 2 of 2: str.upper()." in run(capsys, "hint", "02", "02.1")[1]


def test_hint_for_an_unknown_task_is_refused(
    mini: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(capsys, "hint", "02", "02.7")
    assert code == 2
    assert "step 02 has no task '02.7' (its tasks: 02.1)" in out


def test_diff_shows_each_task_as_its_stub_without_marker_lines(
    mini: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(capsys, "diff", "02")
    assert code == 0
    assert "+++ steps/02-beta/app/shout.py" in out
    assert '+    raise NotImplementedError("Task 02.1: Return the greeting in capitals.")' in out
    assert "greet(name).upper()" not in out
    assert "BEGIN TASK" not in out
    assert "greet.py" not in out
    assert "'workshop diff 02 --solutions'" in out


def test_diff_with_solutions_warns_then_shows_the_tasks_solved(
    mini: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(capsys, "diff", "02", "--solutions")
    assert code == 0
    assert out.startswith("Warning: this diff holds the solutions of step 02's tasks.\n")
    assert "+    return greet(name).upper()" in out
    assert "NotImplementedError" not in out
    assert "BEGIN TASK" not in out


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
    monkeypatch.setattr(launch, "NEEDED_PACKAGES", ("flask", "no_such_package_here"))
    code = launch.main()
    out = capsys.readouterr().err
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


# A stand-in for a Flask error handler: the app's error becomes a status and a log line, so the
# test's own assertion only sees the status (from step 02 on, `assert 500 == 200`).
GUARD = '''"""Answers like an error handler: any error becomes a 500 and a logged traceback."""

import logging
from collections.abc import Callable


def answer(call: Callable[[], str]) -> tuple[int, str]:
    """Run ``call``; on an error, log it and answer 500."""
    try:
        return 200, call()
    except Exception:
        # BEGIN TASK 02.2
        logging.getLogger("app").exception("Unhandled error")
        return 500, ""
        # END TASK
'''
GUARDED_TEST = '''"""The shout behind the error handler."""

import pytest

from app.guard import answer
from app.shout import shout


@pytest.mark.task("02.1")
def test_a_guarded_shout_answers_200() -> None:
    assert answer(lambda: shout("Ada")) == (200, "HELLO, ADA!")


@pytest.mark.task("02.2")
def test_an_error_answers_500() -> None:
    assert answer(lambda: str(1 // 0)) == (500, "")
'''
GUARD_TASK = """
[[steps.tasks]]
id = "02.2"
title = "Guard"
text = "Turn any error into a logged 500."
hint = "logger.exception()."

[final]"""


def add_guard(mini: Path, *, as_task: bool) -> None:
    """Give step 02 of the miniature the error handler, as task 02.2 or as given code."""
    guard = GUARD if as_task else GUARD.replace("BEGIN TASK 02.2", "done").replace("END TASK", "")
    for folder in ("steps/02-beta", "workspace/02-beta"):
        if (mini / folder).is_dir():
            (mini / folder / "app/guard.py").write_text(guard)
            (mini / folder / "tests/test_guard.py").write_text(GUARDED_TEST)
    if as_task:
        manifest = mini / "steps/steps.toml"
        manifest.write_text(manifest.read_text().replace("\n[final]", GUARD_TASK))


def test_a_failure_behind_an_error_handler_shows_the_apps_exception_and_line(
    mini: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "start", "02")
    add_guard(mini, as_task=False)
    os_independent = "workspace/02-beta/app/shout.py:9"
    code, out = run(capsys, "check", "02")
    assert code == 1
    block = out.split("FAIL  02.1  Shout")[1]
    assert "NotImplementedError: Task 02.1: Return the greeting in capitals." in block
    assert f"at {os_independent}" in block
    assert "assert (500" not in out


@pytest.fixture
def guarded_copy(mini: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A learner's copy of the miniature's step 02, its error handler a task still stubbed."""
    add_guard(mini, as_task=True)
    run(capsys, "start", "02")
    return mini / "workspace/02-beta"


def test_the_report_is_the_same_when_pytest_xdist_runs_the_tests(guarded_copy: Path) -> None:
    # verify runs final/'s suite on two xdist workers: the tasks and the app's errors must reach
    # the report from the workers' reports as they do in one process.
    alone = runner.run_tests(guarded_copy)
    spread = runner.run_tests(guarded_copy, ("-p", "xdist", "-n", "2"))
    assert "bringing up nodes" in spread.output  # xdist ran them
    assert alone.failed
    assert any(test.errors for test in alone.failed)
    assert {test.nodeid: test for test in spread.tests} == {
        test.nodeid: test for test in alone.tests
    }


def pytest_summaries(output: str) -> int:
    """How many pytest runs wrote their closing line (``1 failed, 3 passed in 0.12s``) here."""
    return len(re.findall(r"^\d+ (?:passed|failed)\b.* in \d+\.\d+s", output, re.MULTILINE))


def test_a_check_shared_out_to_two_runs_reports_what_one_run_does(guarded_copy: Path) -> None:
    # check deals a step's test files out to one pytest run per core: the results, in the order
    # one run gives them, and the app's errors must come back the same.
    alone = runner.run_tests(guarded_copy)
    shared = runner.run_tests(guarded_copy, processes=2)
    assert pytest_summaries(alone.output) == 1
    assert pytest_summaries(shared.output) == 2
    assert any(test.errors for test in alone.failed)
    assert shared.tests == alone.tests
    assert shared.returncode == alone.returncode == 1


def test_a_share_whose_tests_are_all_deselected_does_not_fail_the_run(mini: Path) -> None:
    # Only test_shout.py holds 02.1's tests: the run given test_greet.py collects none of them,
    # which pytest reports as exit code 5, yet the check as a whole passed.
    reference = mini / "steps/02-beta"
    shared = runner.run_tests(reference, ("--workshop-only-tasks=02.1",), processes=2)
    assert pytest_summaries(shared.output) == 1
    assert shared.returncode == 0
    assert [test.nodeid for test in shared.tests] == [
        test.nodeid for test in runner.run_tests(reference, ("--workshop-only-tasks=02.1",)).tests
    ]
    assert all("02.1" in test.tasks for test in shared.tests)


MANY_TESTS = """import pytest


@pytest.mark.parametrize("number", range(5))
def test_number(number):
    assert number >= 0
"""


def test_the_tests_of_one_file_are_shared_out_in_order(mini: Path) -> None:
    # watch re-checks a task whose tests all live in one file: a file cannot be dealt out, so
    # each run collects it and takes its share of the tests, and each test runs once.
    reference = mini / "steps/02-beta"
    (reference / "tests/test_many.py").write_text(MANY_TESTS)
    alone = runner.run_tests(reference, ("tests/test_many.py",))
    shared = runner.run_tests(reference, ("tests/test_many.py",), processes=2)
    passed_per_run = re.findall(r"^(\d+) passed", shared.output, re.MULTILINE)
    assert sorted(passed_per_run) == ["2", "3"]
    assert len(alone.tests) == 5
    assert shared.tests == alone.tests
    assert shared.returncode == 0


def test_a_run_of_one_named_test_is_not_shared_out(mini: Path) -> None:
    # Dealt out with every file, the named test would run in each share, or in none.
    reference = mini / "steps/02-beta"
    one = runner.run_tests(reference, processes=1).tests[0].nodeid
    shared = runner.run_tests(reference, (one,), processes=2)
    assert pytest_summaries(shared.output) == 1
    assert [test.nodeid for test in shared.tests] == [one]


def test_a_check_keeps_each_files_seconds_for_the_next_one(
    mini: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli, "available_cores", lambda: 2)
    run(capsys, "start", "02")
    timings = mini / "workspace/timings/02-beta.json"
    run(capsys, "check", "02")
    seconds = json.loads(timings.read_text())
    assert set(seconds) == {"tests/test_greet.py", "tests/test_shout.py"}
    assert all(figure > 0 for figure in seconds.values())
    # The reference tree's run keeps nothing: its files are not the learner's.
    timings.unlink()
    run(capsys, "check", "02", "--solution")
    assert not timings.exists()


def test_files_are_dealt_out_by_their_last_seconds_once_every_file_has_them(tmp_path: Path) -> None:
    big, middle, small = tmp_path / "big.py", tmp_path / "middle.py", tmp_path / "small.py"
    for file, size in ((big, 300), (middle, 200), (small, 100)):
        file.write_text("#" * size)
    files = [big, middle, small]
    by_size = runner.expected_cost(tmp_path, files, {})
    assert by_size == {big: 300, middle: 200, small: 100}
    assert runner.share_out(files, 2, by_size) == [[big], [middle, small]]
    # The small file waits on a server: its seconds, not its size, say what it costs.
    last = {"big.py": 0.2, "middle.py": 0.3, "small.py": 1.5}
    by_time = runner.expected_cost(tmp_path, files, last)
    assert runner.share_out(files, 2, by_time) == [[small], [middle, big]]
    # A file never timed (new since the last check) sends the whole deal back to sizes.
    assert runner.expected_cost(tmp_path, files, {"big.py": 0.2, "small.py": 1.5}) == by_size


def test_only_files_whose_tests_all_ran_get_their_seconds_recorded(mini: Path) -> None:
    reference = mini / "steps/02-beta"
    timings = mini / "timings.json"
    # 02.1's tests are all of test_shout.py; test_greet.py's test is deselected.
    runner.run_tests(reference, ("--workshop-only-tasks=02.1",), timings=timings)
    assert set(json.loads(timings.read_text())) == {"tests/test_shout.py"}
    runner.run_tests(reference, timings=timings)
    assert set(json.loads(timings.read_text())) == {"tests/test_greet.py", "tests/test_shout.py"}
    # Shared out, each run of one file runs only part of it: the figures stay as they were.
    before = timings.read_text()
    (reference / "tests/test_many.py").write_text(MANY_TESTS)
    runner.run_tests(reference, ("tests/test_many.py",), processes=2, timings=timings)
    assert timings.read_text() == before


def test_a_damaged_timings_file_only_means_dealing_by_size(mini: Path) -> None:
    reference = mini / "steps/02-beta"
    timings = mini / "timings.json"
    timings.write_text("{not json")
    shared = runner.run_tests(reference, processes=2, timings=timings)
    assert shared.returncode == 0
    assert set(json.loads(timings.read_text())) == {"tests/test_greet.py", "tests/test_shout.py"}


def test_a_suite_that_cannot_start_shows_its_error_once(
    mini: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every run of a shared-out check fails the same way when the conftest cannot be imported.
    monkeypatch.setattr(cli, "available_cores", lambda: 2)
    run(capsys, "start", "02")
    (mini / "workspace/02-beta/tests/conftest.py").write_text("import app.missing_module\n")
    code, out = run(capsys, "check", "02")
    assert code == 1
    assert out.count("No module named 'app.missing_module'") == 1
    assert "No test ran: the output above says why." in out


def test_each_task_heading_shows_its_own_stubs_failure(
    mini: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add_guard(mini, as_task=True)
    run(capsys, "start", "02")
    code, out = run(capsys, "check", "02")
    assert code == 1
    shout_block, guard_block = out.split("FAIL  02.1  Shout")[1].split("FAIL  02.2  Guard")
    # The guard's stub raises while handling the shout's: 02.1's heading must show 02.1's error.
    assert "NotImplementedError: Task 02.1:" in shout_block
    assert "Task 02.2" not in shout_block
    assert "NotImplementedError: Task 02.2: Turn any error into a logged 500." in guard_block


def test_serve_mine_before_start_says_what_to_do(
    mini: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(capsys, "serve", "02", "--mine")
    assert code == 2
    assert out == "No copy of step 02 yet: run 'workshop start 02' first.\n"


def test_serve_gives_the_app_a_database_under_workspace(
    mini: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[dict[str, str]] = []

    def fake_run(command: list[str], **options: object) -> subprocess.CompletedProcess[str]:
        seen.append(dict(options["env"]))  # type: ignore[call-overload]
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setattr(cli.subprocess, "run", fake_run)
    code, out = run(capsys, "serve", "02", "--port", "5999")
    assert code == 0
    assert "add --mine to serve your copy" in out
    database = seen[-1]["DATABASE_URL"]
    assert database.startswith("sqlite:///")
    assert Path(database.removeprefix("sqlite:///")).parent == (mini / "workspace/databases")


def test_check_final_points_at_the_solution_not_at_start(
    mini: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(capsys, "check", "final")
    assert code == 2
    assert "final/ has no exercises" in out
    assert "workshop start final" not in out


def test_start_with_force_forgets_the_old_copys_progress(
    mini: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "catch-up", "02")
    run(capsys, "check", "02")
    assert "1/1 tasks" in run(capsys, "list")[1]
    run(capsys, "start", "02", "--force")
    listing = run(capsys, "list")[1]
    beta = next(line for line in listing.splitlines() if line.startswith("02"))
    assert "0/1 tasks  started" in beta


def test_list_says_a_caught_up_step_is_the_reference(
    mini: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "start", "02")
    run(capsys, "catch-up", "02")
    run(capsys, "check", "02")
    beta = next(line for line in run(capsys, "list")[1].splitlines() if line.startswith("02"))
    assert "1/1 tasks" in beta
    assert "the reference (catch-up), not your work" in beta


@pytest.mark.skipif(sys.platform == "win32", reason="the test pipes into head, a POSIX tool")
def test_list_into_a_closed_pipe_ends_quietly(mini: Path) -> None:
    command = f"{sys.executable} -m workshop list | head -1"
    done = subprocess.run(command, shell=True, capture_output=True, text=True, check=False)  # noqa: S602
    assert done.stdout.startswith("01  Alpha")
    assert done.stderr == ""


# The maintainers' code: a learner's command must run without importing any of it.
MAINTAINER_MODULES = (
    "workshop.verify",
    "workshop.lineage",
    "workshop.manifest_update",
    "workshop.layers",
    "workshop.symbols",
)


@pytest.mark.parametrize("command", ["list", "check 02", "hint 02 02.1", "diff 02", "catch-up 02"])
def test_learner_commands_load_no_maintainer_module(mini: Path, command: str) -> None:
    probe = (
        "import sys\n"
        "from workshop.cli import main\n"
        "assert main(['start', '02']) == 0\n"
        f"main({command.split()!r})\n"
        f"print(sorted(m for m in sys.modules if m in {MAINTAINER_MODULES!r}))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_the_maintainer_probe_sees_a_maintainer_command(mini: Path) -> None:
    probe = (
        "import sys\n"
        "from workshop.cli import main\n"
        "main(['manifest', '--check'])\n"
        f"print(sorted(m for m in sys.modules if m in {MAINTAINER_MODULES!r}))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert "workshop.manifest_update" in done.stdout.strip().splitlines()[-1]


def test_a_manifest_takes_one_hint_or_hints_in_levels_but_not_none(mini: Path) -> None:
    manifest = mini / "steps/steps.toml"
    assert load_manifest(mini).step("02").task("02.1").hints == ("str.upper().",)
    manifest.write_text(manifest.read_text().replace('hint = "str.upper()."', 'hints = ["a", "b"]'))
    assert load_manifest(mini).step("02").task("02.1").hints == ("a", "b")
    manifest.write_text(manifest.read_text().replace('hints = ["a", "b"]', "hints = []"))
    with pytest.raises(ManifestError, match=r"task 02\.1: hints must hold at least one hint"):
        load_manifest(mini)


def test_catch_up_on_final_is_refused_in_one_line(
    mini: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(capsys, "catch-up", "final")
    assert code == 2
    assert out == "workshop: final/ has no exercises, so there is nothing to catch up on\n"
    assert not (mini / "workspace/final").exists()


def test_ctrl_c_ends_a_command_without_a_traceback(
    mini: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*_args: object, **_options: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "run_tests", interrupted)
    run(capsys, "start", "02")
    code, out = run(capsys, "check", "02")
    assert code == 130
    assert out.endswith("Interrupted.\n")
    assert "Traceback" not in out


def installed_with(requirement: str) -> set[str]:
    """The distributions that installing ``requirement`` brings in here, by canonical name."""
    found: set[str] = set()
    queue = [(Requirement(requirement), frozenset(Requirement(requirement).extras))]
    while queue:
        wanted, extras = queue.pop()
        name = canonicalize_name(wanted.name)
        if name in found and not extras:
            continue
        found.add(name)
        for text in metadata.requires(wanted.name) or []:
            dependency = Requirement(text)
            marker = dependency.marker
            if marker is None or any(marker.evaluate({"extra": e}) for e in extras or {""}):
                queue.append((dependency, frozenset(dependency.extras)))
    return found


def test_every_pytest_plugin_a_check_loads_comes_with_the_learners_install() -> None:
    learner = installed_with("flask-api-workshop[learner]")
    providers = metadata.packages_distributions()
    for plugin in runner.PYTEST_PLUGINS:
        distributions = {canonicalize_name(d) for d in providers[plugin.split(".")[0]]}
        assert distributions & learner, f"{plugin} is not in the learner's install"


def test_check_keeps_bytecode_in_the_learners_copy_but_never_under_steps(
    mini: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PYTHONDONTWRITEBYTECODE", raising=False)
    run(capsys, "start", "02")
    run(capsys, "check", "02")
    assert list((mini / "workspace/02-beta/tests/__pycache__").glob("test_shout*.pyc"))
    assert list((mini / "workspace/02-beta/app/__pycache__").glob("greet*.pyc"))
    code, _ = run(capsys, "check", "02", "--solution")
    assert code == 0
    assert not list((mini / "steps").rglob("__pycache__"))
