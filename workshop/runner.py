"""Runs one app's tests in processes of their own and reads back per-test results.

Every step has a package named ``app``, so each run gets a process of its own, whose working
directory is the step's folder and which imports that folder's app afresh: a new interpreter, or
one forked from watch's forkserver, which has imported only the libraries (warm.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from workshop import timings as file_timings
from workshop.warm import WarmPytest


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
    # Seconds per test file (as pytest names it), for the files whose tests all ran.
    file_seconds: Mapping[str, float] = field(default_factory=dict)

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


# The most pytest runs one check starts at once. Each run imports the app and collects its share
# of the files itself, about half a second in a late step, so past a few runs that cost grows
# faster than the tests' own time shrinks.
MAX_PROCESSES = 4
# pytest's exit codes: every collected test passed, or the run had no test to collect (a share
# of files whose tests a task selection all deselected).
ALL_PASSED, NONE_COLLECTED = 0, 5


def available_cores() -> int:
    """The cores this process may run on: one pytest run per core, up to MAX_PROCESSES."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(cores or 1, MAX_PROCESSES))


def share_out(files: list[Path], shares: int, cost: Mapping[Path, float]) -> list[list[Path]]:
    """Deal ``files`` into at most ``shares`` groups of about equal ``cost``, costliest first."""
    groups: list[list[Path]] = [[] for _ in range(min(shares, len(files)))]
    totals = [0.0] * len(groups)
    for file in sorted(files, key=cost.__getitem__, reverse=True):
        cheapest = totals.index(min(totals))
        groups[cheapest].append(file)
        totals[cheapest] += cost[file]
    return groups


def expected_cost(folder: Path, files: list[Path], last: Mapping[str, float]) -> dict[Path, float]:
    """Each file's expected cost: its seconds last time if every file has them, else its size.

    Size is known before anything runs and is a fair guide, but it misjudges a file whose tests
    wait: step 07's test_deploy.py waits about a second for gunicorn. Dealt by size, step 07's
    files made runs of 3.6 s and 3.0 s; dealt by the seconds they took, 3.3 s each, and the check
    took 4.0 s instead of 4.3 s (median of 6 on the same copy, in the same minutes).
    """
    names = {file: file.relative_to(folder).as_posix() for file in files}
    if all(name in last for name in names.values()):
        return {file: last[name] for file, name in names.items()}
    return {file: float(file.stat().st_size) for file in files}


def named_files(folder: Path, args: tuple[str, ...]) -> list[Path]:
    """The test files ``args`` names, or every ``tests/test_*.py`` of ``folder`` if none."""
    named = [folder / arg for arg in args if arg.endswith(".py") and (folder / arg).is_file()]
    return named or sorted((folder / "tests").glob("test_*.py"))


def run_tests(
    folder: Path,
    extra_args: tuple[str, ...] = (),
    *,
    services: bool = False,
    bytecode: bool = False,
    processes: int = 1,
    timings: Path | None = None,
    warm: WarmPytest | None = None,
) -> RunResult:
    """Run ``python -m pytest`` in ``folder`` and collect what each test did.

    Without ``services``, the variables that point tests at PostgreSQL and Redis are left out,
    so parallel runs of the steps never share a database. With ``bytecode``, Python may keep the
    compiled app and pytest its rewritten tests in ``__pycache__`` folders inside ``folder``, as a
    learner's own copy allows: the next check then skips compiling them, about 0.7 s of step 07's
    collection. The reference trees and verify's throwaway copies get none.

    With ``processes`` above one, the test files are dealt out to that many pytest runs at once,
    each in a process of its own, and their results are read back in the files' order, as one
    run would give them. With ``timings``, the files are dealt by the seconds each took in the
    latest run that ran it whole, kept in that file, and the run's own seconds are added to it.
    One file, as when watch re-checks a task whose tests all live there, is shared out instead:
    each run collects it and runs its share of the tests, in order. A run that names its own
    pytest-xdist workers (``-n``) or single tests (``file::test``) stays one. With ``warm``, the
    runs are forked from its forkserver, which has the libraries imported already (warm.py).
    """
    launcher = _launcher(folder, services=services, bytecode=bytecode, warm=warm)
    last = file_timings.load(timings) if timings is not None else {}
    run = _shared_out_run(launcher, extra_args, processes, last)
    if timings is not None:
        file_timings.remember(timings, run.file_seconds)
    return run


def _shared_out_run(
    launcher: _Launcher, extra_args: tuple[str, ...], processes: int, last: Mapping[str, float]
) -> RunResult:
    folder = launcher.folder
    files = named_files(folder, extra_args)
    shareable = "-n" not in extra_args and not any("::" in arg for arg in extra_args)
    if processes < 2 or not shareable or not files:
        return _run_pytest(launcher, [extra_args])
    if len(files) == 1:
        shares = [
            (*extra_args, f"--workshop-share={k}/{processes}") for k in range(1, processes + 1)
        ]
        return _run_pytest(launcher, shares)
    groups = share_out(files, processes, expected_cost(folder, files, last))
    options = tuple(arg for arg in extra_args if folder / arg not in files)
    selections = [
        (*options, *(str(file.relative_to(folder)) for file in group)) for group in groups
    ]
    run = _run_pytest(launcher, selections)
    order = {file.relative_to(folder).as_posix(): index for index, file in enumerate(files)}
    tests = sorted(run.tests, key=lambda test: order.get(test.nodeid.split("::", 1)[0], 0))
    return RunResult(folder, run.returncode, tuple(tests), run.output, run.file_seconds)


class _Started(Protocol):
    """A pytest run under way: a new process (subprocess.Popen), or a warm one (WarmRun)."""

    def wait(self) -> int: ...

    def poll(self) -> int | None: ...

    def kill(self) -> None: ...


@dataclass(frozen=True)
class _Launcher:
    """Starts pytest runs in one folder with one environment, as new processes or warm ones."""

    folder: Path
    env: dict[str, str]
    warm: WarmPytest | None

    def start(self, args: list[str], log: Path) -> _Started:
        """Start ``pytest ARGS``, its output going to ``log``."""
        if self.warm is not None:
            return self.warm.start(args, self.folder, self.env, log)
        with log.open("wb") as sink:
            return subprocess.Popen(  # noqa: S603 - the command is built from fixed parts
                [sys.executable, "-m", "pytest", *args],
                cwd=self.folder,
                env=self.env,
                stdout=sink,
                stderr=subprocess.STDOUT,
            )


def _launcher(
    folder: Path, *, services: bool, bytecode: bool, warm: WarmPytest | None
) -> _Launcher:
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
    return _Launcher(folder, env, warm)


def _pytest_args(report: Path, args: tuple[str, ...]) -> list[str]:
    return [
        *(option for plugin in PYTEST_PLUGINS for option in ("-p", plugin)),
        f"--workshop-report={report}",
        "-p",
        "no:cacheprovider",
        "-q",
        *args,
    ]


def _run_pytest(launcher: _Launcher, selections: list[tuple[str, ...]]) -> RunResult:
    """Start one pytest run per selection at once, wait for them all and merge their reports."""
    with tempfile.TemporaryDirectory(prefix="workshop-report-") as scratch:
        reports = [Path(scratch) / f"report-{index}.json" for index in range(len(selections))]
        logs = [Path(scratch) / f"output-{index}.txt" for index in range(len(selections))]
        running: list[_Started] = []
        try:
            for report, log, selection in zip(reports, logs, selections, strict=True):
                running.append(launcher.start(_pytest_args(report, selection), log))
            codes = [process.wait() for process in running]
        finally:
            for process in running:  # still running only when interrupted (Ctrl-C)
                if process.poll() is None:
                    process.kill()
                    process.wait()
        raw: dict[str, dict[str, Any]] = {}
        file_seconds: dict[str, float] = {}
        for report in reports:
            if report.is_file():
                written = json.loads(report.read_text(encoding="utf-8"))
                raw |= written["tests"]
                file_seconds |= written["file_seconds"]
        outputs: list[str] = []
        for log in logs:
            text = log.read_text(encoding="utf-8", errors="replace")
            if text not in outputs:  # a suite that cannot start fails every run the same way
                outputs.append(text)
    tests = tuple(_test_result(nodeid, entry) for nodeid, entry in raw.items())
    return RunResult(
        launcher.folder, _merged_returncode(codes), tests, "".join(outputs), file_seconds
    )


def _merged_returncode(codes: list[int]) -> int:
    """One exit code for several runs: the first failure's, else 0 if any run collected a test."""
    failures = [code for code in codes if code not in (ALL_PASSED, NONE_COLLECTED)]
    if failures:
        return failures[0]
    return ALL_PASSED if ALL_PASSED in codes else NONE_COLLECTED


def _test_result(nodeid: str, entry: dict[str, Any]) -> TestResult:
    return TestResult(
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
