"""Warm runs (workshop/warm.py): pytest forked from a process that has the libraries imported."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

from workshop import runner
from workshop.warm import PRELOADED, WarmPytest

pytestmark = pytest.mark.skipif(not WarmPytest.available(), reason="no forkserver on Windows")


@pytest.fixture(scope="module")
def warm() -> WarmPytest:
    return WarmPytest()


def test_a_warm_run_reports_what_a_new_process_does(mini: Path, warm: WarmPytest) -> None:
    copy = mini / "steps/02-beta"
    (copy / "app/shout.py").write_text('def shout(name: str) -> str:\n    return name + "!"\n')
    cold = runner.run_tests(copy)
    for processes in (1, 2):
        hot = runner.run_tests(copy, processes=processes, warm=warm)
        assert hot.tests == cold.tests
        assert hot.returncode == cold.returncode == 1
        assert "AssertionError" in hot.output


def test_a_warm_run_tests_the_code_as_saved_since_the_last_run(
    mini: Path, warm: WarmPytest
) -> None:
    copy = mini / "steps/02-beta"
    reference = (copy / "app/shout.py").read_text()
    (copy / "app/shout.py").write_text("def shout(name: str) -> str:\n    return name\n")
    assert runner.run_tests(copy, warm=warm).returncode == 1
    (copy / "app/shout.py").write_text(reference)
    assert runner.run_tests(copy, warm=warm).returncode == 0


def test_a_warm_run_keeps_bytecode_only_where_it_is_asked_to(
    mini: Path, warm: WarmPytest, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PYTHONDONTWRITEBYTECODE", raising=False)
    kept, reference = mini / "workspace/02-beta", mini / "steps/02-beta"
    shutil.copytree(reference, kept)
    assert runner.run_tests(kept, bytecode=True, warm=warm).returncode == 0
    assert list((kept / "app/__pycache__").glob("shout*.pyc"))
    assert runner.run_tests(reference, warm=warm).returncode == 0
    assert not list(reference.rglob("__pycache__"))


def test_the_preloaded_modules_are_libraries_the_learner_has_installed() -> None:
    # The forkserver skips a module it cannot import without a word: a misspelt name would
    # only make every run slower.
    for module in PRELOADED:
        assert importlib.util.find_spec(module) is not None, module
        assert module.split(".")[0] not in {"app", "tests", "conftest"}
