"""A pytest plugin that writes each test's outcome and task markers to a JSON file.

``workshop check`` and ``workshop verify`` load it with ``-p workshop.pytest_plugin`` so they can
report per task, not per file. For each failed test it also records the exceptions raised in the
app's own code (not in its tests), with the file and line they came from: from step 02 on, an
error handler turns a stub's ``NotImplementedError`` into a 500 and only logs it, so the failing
assertion (``assert 500 == 200``) is not what a learner needs to read. It also records how long
each test file took, so that the next check can deal the files out to its runs by time.
"""

from __future__ import annotations

import gc
import json
import logging
import time
import traceback
from collections.abc import Generator
from pathlib import Path

import pluggy
import pytest

REPORT_OPTION = "--workshop-report"
ONLY_OPTION = "--workshop-only-tasks"
EXCEPT_OPTION = "--workshop-except-tasks"
SHARE_OPTION = "--workshop-share"
# The user property under which a test records figures worth printing with its result.
FIGURES = "figures"


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add the options that name the report file and choose tests by their tasks."""
    parser.addoption(REPORT_OPTION, default=None, help="write per-test results and tasks as JSON")
    parser.addoption(ONLY_OPTION, default="", help="run only tests marked with these tasks (a,b)")
    parser.addoption(EXCEPT_OPTION, default="", help="skip tests marked with these tasks (a,b)")
    parser.addoption(
        SHARE_OPTION, default="", help="run only share K of N of the chosen tests, in order (K/N)"
    )


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``task`` marker and, when a report file is named, the collector."""
    config.addinivalue_line("markers", "task(id): the exercise task this test checks")
    config.pluginmanager.register(TaskSelection(config), "workshop-selection")
    target = config.getoption(REPORT_OPTION)
    if target:
        config.pluginmanager.register(ReportAnnotator(config.rootpath), "workshop-annotator")
        # A pytest-xdist worker only annotates: its controller, which gets every report, writes.
        if not hasattr(config, "workerinput"):
            config.pluginmanager.register(ReportCollector(Path(target)), "workshop-report")


def pytest_sessionstart() -> None:
    """Freeze what the conftests imported (the app and its libraries), for the collector's sake.

    Those objects live until the run ends, yet each full garbage collection walks every one of
    them again; ``gc.freeze`` sets them aside, which took two thirds off the time step 07's
    suite spent collecting garbage. The tests' own objects are collected as usual.
    """
    gc.freeze()


def pytest_collection_finish() -> None:
    """Freeze the collected tests too: like the imports, they last the whole run."""
    gc.freeze()


def _tasks_of(item: pytest.Item) -> set[str]:
    return {str(arg) for marker in item.iter_markers("task") for arg in marker.args}


class TaskSelection:
    """Deselects tests by the tasks they check, so verify runs only the tests a stub can affect.

    With a share (``K/N``), it then keeps only the K-th of N runs of consecutive tests: a check
    that re-runs one file's tests in N processes at once gives each process one share.
    """

    def __init__(self, config: pytest.Config) -> None:
        self.only = {task for task in str(config.getoption(ONLY_OPTION)).split(",") if task}
        self.excluded = {task for task in str(config.getoption(EXCEPT_OPTION)).split(",") if task}
        self.share = str(config.getoption(SHARE_OPTION))

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection_modifyitems(
        self, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        """Keep the tests that match, and tell pytest about the others."""
        kept = [item for item in items if self.wanted(_tasks_of(item))]
        if self.share:
            number, count = (int(part) for part in self.share.split("/"))
            kept = kept[len(kept) * (number - 1) // count : len(kept) * number // count]
        if len(kept) < len(items):
            chosen = set(kept)
            config.hook.pytest_deselected(items=[item for item in items if item not in chosen])
            items[:] = kept

    def wanted(self, tasks: set[str]) -> bool:
        """Whether a test of these tasks is to run."""
        return bool(not self.only or tasks & self.only) and not tasks & self.excluded


class LoggedErrors(logging.Handler):
    """Keeps the exceptions that were logged with their traceback, such as "Unhandled error"."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.errors: list[BaseException] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the record's exception, if it carries one."""
        if record.exc_info and record.exc_info[1] is not None:
            self.errors.append(record.exc_info[1])


class ReportAnnotator:
    """Adds to each test's reports its tasks and, on a failure, the app's own exceptions.

    It runs where the tests run, and the report collector reads what it added from pytest's own
    reports: in one process, or in pytest-xdist's workers, whose reports reach the controller
    with their extra attributes.
    """

    def __init__(self, rootpath: Path) -> None:
        self.app_errors = AppErrors(rootpath)
        self.logged = LoggedErrors()

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self) -> Generator[None, object, None]:
        """Listen on the root logger while one test runs (the app's loggers propagate to it)."""
        self.logged.errors.clear()
        logging.getLogger().addHandler(self.logged)
        try:
            yield
        finally:
            logging.getLogger().removeHandler(self.logged)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pluggy.Result[pytest.TestReport], None]:
        """Note the tasks; on a failure, the app's exceptions: the one raised, then the logged."""
        outcome = yield
        report = outcome.get_result()
        report.workshop_tasks = sorted(_tasks_of(item))  # type: ignore[attr-defined]
        errors: list[dict[str, str]] = []
        if call.excinfo is not None:
            raised = _chain(call.excinfo.value)
            logged = [error for logged in self.logged.errors for error in _chain(logged)]
            errors = self.app_errors.describe([*raised, *logged])
        report.workshop_errors = errors  # type: ignore[attr-defined]


class ReportCollector:
    """Collects, per test id: outcome, tasks, first failure message and the app's own errors.

    Per test file, it adds up the seconds the file cost the run: importing and collecting it,
    then its tests' setup, call and teardown. Only a file whose tests all ran gets a figure, as
    a share of its tests or a task's few would understate what the whole file costs.
    """

    def __init__(self, target: Path) -> None:
        self.target = target
        self.results: dict[str, dict[str, object]] = {}
        self.file_seconds: dict[str, float] = {}
        self.partly_run: set[str] = set()

    @pytest.hookimpl(hookwrapper=True)
    def pytest_make_collect_report(
        self, collector: pytest.Collector
    ) -> Generator[None, object, None]:
        """Time the import and collection of each test module."""
        started = time.perf_counter()
        yield
        if isinstance(collector, pytest.Module):
            self._add_seconds(collector.nodeid, time.perf_counter() - started)

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        """Record each collected test as not run yet (a crash may stop the run before it)."""
        for item in items:
            self.results[item.nodeid] = _entry(sorted(_tasks_of(item)))

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        """Note the files that will not run whole."""
        self.partly_run.update(_file_of(item.nodeid) for item in items)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        """A module that fails to import counts as a failed test of its own."""
        if report.failed:
            message = _first_line(str(report.longrepr))
            self.results[report.nodeid] = {"outcome": "failed", "tasks": [], "message": message}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Keep the worst outcome of a test's phases and the message of its first failure."""
        self._add_seconds(_file_of(report.nodeid), report.duration)
        tasks = [str(task) for task in getattr(report, "workshop_tasks", [])]
        entry = self.results.setdefault(report.nodeid, _entry(tasks))
        if report.failed and entry["outcome"] != "failed":
            entry["outcome"] = "failed"
            entry["message"] = _failure_message(report)
            entry["errors"] = list(getattr(report, "workshop_errors", []))
        elif report.skipped and entry["outcome"] == "not run":
            entry["outcome"] = "skipped"
        elif report.passed and report.when == "call" and entry["outcome"] == "not run":
            entry["outcome"] = "passed"
        if report.when == "call":
            # A proof's measured figures (record_property("figures", ...)), for verify to print.
            entry["figures"] = [
                str(value) for name, value in report.user_properties if name == FIGURES
            ]

    def pytest_sessionfinish(self) -> None:
        """Write the report: the tests' results, and the seconds of the files that ran whole."""
        whole = {
            file: seconds
            for file, seconds in self.file_seconds.items()
            if file not in self.partly_run
        }
        report = {"tests": self.results, "file_seconds": whole}
        self.target.write_text(json.dumps(report, indent=2), encoding="utf-8")

    def _add_seconds(self, file: str, seconds: float) -> None:
        self.file_seconds[file] = self.file_seconds.get(file, 0.0) + seconds


def _file_of(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


def _entry(tasks: list[str]) -> dict[str, object]:
    return {"outcome": "not run", "tasks": tasks, "message": "", "errors": []}


class AppErrors:
    """Describes exceptions by the deepest line of the app's code (not its tests) they passed."""

    def __init__(self, rootpath: Path) -> None:
        self.root = rootpath.resolve()
        self.tests = self.root / "tests"

    def where(self, error: BaseException) -> str | None:
        """``app/x.py:12``, the last frame inside the folder but outside tests/, or None."""
        found = None
        for frame in traceback.extract_tb(error.__traceback__):
            path = Path(frame.filename).resolve()
            if path.is_relative_to(self.root) and not path.is_relative_to(self.tests):
                found = f"{path.relative_to(self.root).as_posix()}:{frame.lineno}"
        return found

    def describe(self, errors: list[BaseException]) -> list[dict[str, str]]:
        """Each error that passed through the app's code once: its message and where."""
        described: list[dict[str, str]] = []
        seen: set[int] = set()
        for error in errors:
            where = self.where(error)
            if where is None or id(error) in seen:
                continue
            seen.add(id(error))
            message = _first_line(f"{type(error).__name__}: {error}")
            described.append({"message": message, "where": where})
        return described


def _chain(error: BaseException) -> list[BaseException]:
    """An exception and those it was raised from or while handling, outermost first."""
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _failure_message(report: pytest.TestReport) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    message = getattr(crash, "message", None)
    return _first_line(str(message or report.longrepr))


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[0][:300] if lines else ""
