"""`workshop verify` accepts a sound workshop and names each way a broken one is broken."""

from pathlib import Path

import pytest

from workshop.cli import main
from workshop.lineage import lineage_problems
from workshop.manifest import load_manifest


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
        "steps/02-beta/app/greet.py: differs from steps/01-alpha but is not listed in changes"
        " (forward the fix from the earlier step, or list the file)"
    ]


def test_marker_lines_do_not_count_as_changes(mini: Path) -> None:
    greet = mini / "steps/02-beta/app/greet.py"
    greet.write_text(greet.read_text().replace("    return", "    # BEGIN TASK 02.9\n    return"))
    assert lineage_of(mini, "02") == []


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
    text = manifest.read_text().replace('"app/shout.py",', '"app/shout.py", "app/greet.py",')
    manifest.write_text(text)
    assert lineage_of(mini, "02") == [
        "steps/02-beta/app/greet.py: listed in changes but identical to steps/01-alpha"
    ]


def test_earlier_work_that_breaks_when_the_step_is_stubbed_fails_verify(
    mini: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    greet = mini / "steps/02-beta/tests/test_greet.py"
    greet.write_text(greet.read_text() + EARLIER_TEST_USING_SHOUT)
    manifest = mini / "steps/steps.toml"
    listed = '"tests/test_shout.py", "tests/test_greet.py"]'
    manifest.write_text(manifest.read_text().replace('"tests/test_shout.py"]', listed))
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
