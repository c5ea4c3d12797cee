"""Runs one app's tests in a process of their own and reads back per-test results.

Every step has a package named ``app``, so each run gets a fresh interpreter whose working
directory is the step's folder.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class AppError:
    """An exception raised in the app's own code during a failed test, and where it came from."""

    message: str
    where: str


@dataclass(frozen=True)
class TestResult:
    """The outcome of one test: passed, failed, skipped or not run."""

    nodeid: str
    outcome: str
    tasks: tuple[str, ...]
    message: str
    errors: tuple[AppError, ...] = ()
    figures: tuple[str, ...] = ()


@dataclass(frozen=True)
class RunResult:
    """All the results of one pytest run, and what it printed."""

    folder: Path
    returncode: int
    tests: tuple[TestResult, ...]
    output: str

    @property
    def failed(self) -> list[TestResult]:
        """The tests that failed or errored."""
        return [test for test in self.tests if test.outcome in ("failed", "not run")]

    @property
    def figures(self) -> list[str]:
        """What the run's tests measured and recorded to be shown, in the order they ran."""
        return [figure for test in self.tests for figure in test.figures]

    def marked(self, task_id: str) -> list[TestResult]:
        """The tests that say they check this task."""
        return [test for test in self.tests if task_id in test.tasks]


# What points a test run at the shared PostgreSQL and Redis. Only final/'s suite isolates itself
# there (a schema and a Redis database per run); the steps' suites run on the embedded backends.
SERVICE_VARIABLES = ("TEST_DATABASE_URL", "TEST_REDIS_URL", "REQUIRE_SERVICES")


# The pytest plugins every run loads, named one by one, because run_tests turns pytest's plugin
# autoload off: with it on, every run imported every plugin installed for the maintainers' tools,
# which made collection take more than twice as long. Only the workshop's own plugin is named here,
# because it is the only one a learner's install is sure to have; a suite that needs another
# (final/ uses pytest-cov and Hypothesis's) names it in its own pytest configuration.
PYTEST_PLUGINS = ("workshop.pytest_plugin",)


def run_tests(
    folder: Path,
    extra_args: tuple[str, ...] = (),
    *,
    services: bool = False,
    bytecode: bool = False,
) -> RunResult:
    """Run ``python -m pytest`` in ``folder`` and collect what each test did.

    Without ``services``, the variables that point tests at PostgreSQL and Redis are left out,
    so parallel runs of the steps never share a database. With ``bytecode``, Python may keep the
    compiled app and pytest its rewritten tests in ``__pycache__`` folders inside ``folder``, as a
    learner's own copy allows: the next check then skips compiling them, about 0.7 s of step 07's
    collection. The reference trees and verify's throwaway copies get none.
    """
    with tempfile.TemporaryDirectory(prefix="workshop-report-") as scratch:
        report = Path(scratch) / "report.json"
        command = [
            sys.executable,
            "-m",
            "pytest",
            *(option for plugin in PYTEST_PLUGINS for option in ("-p", plugin)),
            f"--workshop-report={report}",
            "-p",
            "no:cacheprovider",
            "-q",
            *extra_args,
        ]
        env = {
            **os.environ,
            "PYTHONPATH": str(folder),
            "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
        }
        if not bytecode:
            env["PYTHONDONTWRITEBYTECODE"] = "1"
        if not services:
            for variable in SERVICE_VARIABLES:
                env.pop(variable, None)
        completed = subprocess.run(  # noqa: S603 - the command is built from fixed parts
            command, cwd=folder, env=env, capture_output=True, text=True, check=False
        )
        raw = json.loads(report.read_text(encoding="utf-8")) if report.is_file() else {}
    tests = tuple(
        TestResult(
            nodeid=nodeid,
            outcome=str(entry["outcome"]),
            tasks=tuple(str(task) for task in entry["tasks"]),
            message=str(entry["message"]),
            errors=tuple(
                AppError(message=str(error["message"]), where=str(error["where"]))
                for error in entry.get("errors", [])
            ),
            figures=tuple(str(figure) for figure in entry.get("figures", [])),
        )
        for nodeid, entry in raw.items()
    )
    return RunResult(folder, completed.returncode, tests, completed.stdout + completed.stderr)
