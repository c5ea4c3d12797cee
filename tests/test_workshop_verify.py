"""`workshop verify` accepts a sound workshop and names each way a broken one is broken."""

from pathlib import Path

import pytest

from workshop import verify
from workshop.cli import main
from workshop.lineage import lineage_problems
from workshop.manifest import load_manifest
from workshop.runner import RunResult, run_tests


def run_verify(capsys: pytest.CaptureFixture[str], *steps: str) -> tuple[int, str]:
    """Run `workshop verify` on some steps (all by default) and return its exit code and output."""
    code = main(["verify", *steps])
    return code, capsys.readouterr().out


def lineage_of(root: Path, step_id: str) -> list[str]:
    """The lineage problems of one step, without running any test."""
    manifest = load_manifest(root)
    return lineage_problems(manifest, manifest.step(step_id))


def test_a_sound_workshop_passes(mini: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run_verify(capsys)
    assert code == 0, out
    assert "FAIL" not in out
    assert "PASS  steps/02-beta: task 02.1 fails on its stub" in out
    assert "PASS  final: lineage" in out
    assert out.rstrip().endswith("passed, 0 failed, 0 skipped")


def test_a_test_that_passes_on_its_stub_fails_verify(
    mini: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    test = mini / "steps/02-beta/tests/test_shout.py"
    test.write_text(test.read_text().replace('shout("Ada") == "HELLO, ADA!"', "len('ADA') == 3"))
    code, out = run_verify(capsys, "02")
    assert code == 1
    assert "FAIL  steps/02-beta: task 02.1 fails on its stub" in out
    assert "test_shout_is_in_capitals passes on the stub" in out


def test_the_manifest_can_excuse_a_test_with_a_reason(
    mini: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    test = mini / "steps/02-beta/tests/test_shout.py"
    test.write_text(test.read_text() + EXTRA_TEST)
    manifest = mini / "steps/steps.toml"
    manifest.write_text(
        manifest.read_text().replace(
            'hint = "str.upper()."',
            'hint = "str.upper()."\n'
            'passes_on_stub = { "tests/test_shout.py::test_shout_module_imports" = "import only" }',
        )
    )
    code, out = run_verify(capsys, "02")
    assert code == 0, out


EXTRA_TEST = """

@pytest.mark.task("02.1")
def test_shout_module_imports() -> None:
    assert callable(shout)
"""


def test_a_fix_not_forwarded_to_the_next_step_fails_lineage(mini: Path) -> None:
    greet = mini / "steps/01-alpha/app/greet.py"
    greet.write_text(greet.read_text().replace('"""Greetings."""', '"""Friendly greetings."""'))
    assert lineage_of(mini, "02") == [
        "steps/02-beta/app/greet.py::<module>: differs from steps/01-alpha but is not listed in"
        " changes: the edit in steps/01-alpha has not reached steps 02, final (forward it, or list"
        " app/greet.py::<module> in step 02's changes)"
    ]


@pytest.mark.parametrize(
    ("old", "new", "symbol"),
    [
        ("return name.strip()", "return name.rstrip()", "tidy"),
        ("keeps a padded name", "stops a padded name", "tidy"),
        ("Trim a name", "Strip a name", "tidy"),
        ("self.name = tidy(name)", "self.name = name", "Guest.__init__"),
        ('"""Someone to greet."""', '"""A person to greet."""', "Guest"),
        ("MAX_LENGTH = 40", "MAX_LENGTH = 80", "<module>"),
    ],
    ids=["code", "comment", "docstring", "method", "class", "constant"],
)
def test_an_unforwarded_edit_inside_a_listed_file_names_its_symbol(
    mini: Path, old: str, new: str, symbol: str
) -> None:
    names = mini / "steps/01-alpha/app/names.py"
    names.write_text(names.read_text().replace(old, new))
    problems = lineage_of(mini, "02")
    assert [problem.split(": ")[0] for problem in problems] == [
        f"steps/02-beta/app/names.py::{symbol}"
    ]
    assert "has not reached steps 02, final" in problems[0]


def test_the_steps_an_edit_missed_stop_at_one_that_has_it(mini: Path) -> None:
    # The edit made in 01 was copied into final/ but skipped 02: only 02 still has the old line.
    for folder in ("steps/01-alpha", "final"):
        names = mini / folder / "app/names.py"
        names.write_text(names.read_text().replace("MAX_LENGTH = 40", "MAX_LENGTH = 80"))
    problems = lineage_of(mini, "02")
    assert len(problems) == 1
    assert "the edit in steps/01-alpha has not reached step 02 (forward it" in problems[0]


def test_a_listed_symbol_may_differ_and_a_new_one_need_not_be_listed(mini: Path) -> None:
    manifest = mini / "steps/steps.toml"
    manifest.write_text(manifest.read_text().replace('    "app/names.py::initials",\n', ""))
    assert lineage_of(mini, "02") == []


def test_a_listed_symbol_that_is_unchanged_fails_lineage(mini: Path) -> None:
    manifest = mini / "steps/steps.toml"
    text = manifest.read_text().replace('"app/names.py::initials",', '"app/names.py::tidy",')
    manifest.write_text(text)
    assert lineage_of(mini, "02") == [
        "steps/02-beta/app/names.py::tidy: listed in changes but identical to steps/01-alpha"
        " or not found"
    ]


def test_a_python_file_listed_whole_must_list_its_symbols(mini: Path) -> None:
    manifest = mini / "steps/steps.toml"
    text = manifest.read_text().replace('"app/names.py::Guest.label",', '"app/names.py",')
    manifest.write_text(text)
    problems = lineage_of(mini, "02")
    assert problems[0].startswith("steps/02-beta/app/names.py::Guest.label: differs")
    assert problems[1] == (
        "steps/02-beta/app/names.py: a Python file is listed by its symbols, not as a whole file"
        " (run 'workshop manifest --update')"
    )


def test_marker_lines_do_not_count_as_changes(mini: Path) -> None:
    greet = mini / "steps/02-beta/app/greet.py"
    greet.write_text(greet.read_text().replace("    return", "    # BEGIN TASK 02.9\n    return"))
    assert lineage_of(mini, "02") == []


def test_a_test_marker_decorator_does_not_count_as_a_change(mini: Path) -> None:
    test = mini / "final/tests/test_greet.py"
    test.write_text(test.read_text().replace('@pytest.mark.task("01.1")\n', ""))
    assert lineage_of(mini, "final") == []


def test_a_file_added_without_being_listed_fails_lineage(mini: Path) -> None:
    (mini / "final/app/extra.py").write_text('"""Not in the manifest."""\n')
    assert lineage_of(mini, "final") == ["final/app/extra.py: added but not listed in changes"]


def test_a_file_removed_without_being_listed_fails_lineage(mini: Path) -> None:
    (mini / "final/tests/test_greet.py").unlink()
    assert lineage_of(mini, "final") == [
        "final/tests/test_greet.py: removed but not listed in changes"
    ]


def test_a_listed_change_that_changes_nothing_fails_lineage(mini: Path) -> None:
    manifest = mini / "steps/steps.toml"
    text = manifest.read_text().replace('"app/shout.py",', '"app/shout.py", "README.md",')
    manifest.write_text(text)
    assert lineage_of(mini, "02") == [
        "steps/02-beta/README.md: listed in changes but identical to steps/01-alpha or not found"
    ]


def test_earlier_work_that_breaks_when_the_step_is_stubbed_fails_verify(
    mini: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    greet = mini / "steps/02-beta/tests/test_greet.py"
    greet.write_text(greet.read_text() + EARLIER_TEST_USING_SHOUT)
    manifest = mini / "steps/steps.toml"
    listed = '"tests/test_greet.py::test_greet_is_quiet",\n]'
    manifest.write_text(manifest.read_text().replace("\n]", listed, 1))
    code, out = run_verify(capsys, "02")
    assert code == 1
    assert "FAIL  steps/02-beta: earlier work passes with every task stubbed" in out
    assert "test_greet_is_quiet checks earlier work but fails" in out


EARLIER_TEST_USING_SHOUT = """

def test_greet_is_quiet() -> None:
    from app.shout import shout

    assert shout("Ada") != greet("Ada")
"""


def test_a_failing_reference_fails_verify(mini: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shout = mini / "final/app/shout.py"
    shout.write_text(shout.read_text().replace(".upper()", ".lower()"))
    code, out = run_verify(capsys, "final")
    assert code == 1
    assert "FAIL  final: reference passes" in out
    assert "test_shout_is_in_capitals fails on the reference" in out


def test_a_task_without_a_region_fails_verify(
    mini: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    greet = mini / "steps/01-alpha/app/greet.py"
    text = greet.read_text().replace("    # BEGIN TASK 01.1\n", "").replace("    # END TASK\n", "")
    greet.write_text(text)
    code, out = run_verify(capsys, "01")
    assert code == 1
    assert "task 01.1 has no marked region" in out


def test_final_lineage_waits_for_the_step_it_follows(
    mini: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = mini / "steps/steps.toml"
    manifest.write_text(manifest.read_text().replace('after = "02"', 'after = "07"'))
    code, out = run_verify(capsys, "final")
    assert code == 0
    assert "SKIP  final: lineage (step 07 does not exist yet" in out


def test_a_tasks_stub_run_collects_only_the_files_that_hold_its_tests(
    mini: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    runs: list[tuple[str, ...]] = []

    def recording(folder: Path, extra_args: tuple[str, ...] = (), **kwargs: bool) -> RunResult:
        runs.append(extra_args)
        return run_tests(folder, extra_args, **kwargs)

    monkeypatch.setattr(verify, "run_tests", recording)
    code, out = run_verify(capsys, "02")
    assert code == 0, out
    stub_runs = [args for args in runs if "--workshop-only-tasks=02.1" in args]
    assert stub_runs == [("tests/test_shout.py", "--workshop-only-tasks=02.1")]


FIGURES_TEST = """

def test_greeting_figures(record_property):
    record_property("figures", "greeted 3 times in 0.1 s")
"""


def test_verify_prints_the_figures_a_reference_test_records(
    mini: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    test = mini / "final/tests/test_greet.py"
    test.write_text(test.read_text() + FIGURES_TEST)
    _, out = run_verify(capsys, "final")
    assert "PASS  final: reference passes\n      greeted 3 times in 0.1 s\n" in out
