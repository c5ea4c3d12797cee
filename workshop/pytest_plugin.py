"""A pytest plugin that writes each test's outcome and task markers to a JSON file.

``workshop check`` and ``workshop verify`` load it with ``-p workshop.pytest_plugin`` so they can
report per task, not per file.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

REPORT_OPTION = "--workshop-report"
ONLY_OPTION = "--workshop-only-tasks"
EXCEPT_OPTION = "--workshop-except-tasks"


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add the options that name the report file and choose tests by their tasks."""
    parser.addoption(REPORT_OPTION, default=None, help="write per-test results and tasks as JSON")
    parser.addoption(ONLY_OPTION, default="", help="run only tests marked with these tasks (a,b)")
    parser.addoption(EXCEPT_OPTION, default="", help="skip tests marked with these tasks (a,b)")


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``task`` marker and, when a report file is named, the collector."""
    config.addinivalue_line("markers", "task(id): the exercise task this test checks")
    config.pluginmanager.register(TaskSelection(config), "workshop-selection")
    target = config.getoption(REPORT_OPTION)
    if target:
        config.pluginmanager.register(ReportCollector(Path(target)), "workshop-report")


def _tasks_of(item: pytest.Item) -> set[str]:
    return {str(arg) for marker in item.iter_markers("task") for arg in marker.args}


class TaskSelection:
    """Deselects tests by the tasks they check, so verify runs only the tests a stub can affect."""

    def __init__(self, config: pytest.Config) -> None:
        self.only = {task for task in str(config.getoption(ONLY_OPTION)).split(",") if task}
        self.excluded = {task for task in str(config.getoption(EXCEPT_OPTION)).split(",") if task}

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection_modifyitems(
        self, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        """Keep the tests that match, and tell pytest about the others."""
        if not (self.only or self.excluded):
            return
        kept: list[pytest.Item] = []
        dropped: list[pytest.Item] = []
        for item in items:
            tasks = _tasks_of(item)
            wanted = (not self.only or tasks & self.only) and not tasks & self.excluded
            if wanted:
                kept.append(item)
            else:
                dropped.append(item)
        if dropped:
            config.hook.pytest_deselected(items=dropped)
            items[:] = kept


class ReportCollector:
    """Collects, per test id: the outcome, the tasks it checks, and its first failure message."""

    def __init__(self, target: Path) -> None:
        self.target = target
        self.results: dict[str, dict[str, object]] = {}

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        """Record which tasks each collected test checks."""
        for item in items:
            tasks = sorted(_tasks_of(item))
            self.results[item.nodeid] = {"outcome": "not run", "tasks": tasks, "message": ""}

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        """A module that fails to import counts as a failed test of its own."""
        if report.failed:
            message = _first_line(str(report.longrepr))
            self.results[report.nodeid] = {"outcome": "failed", "tasks": [], "message": message}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Keep the worst outcome of a test's phases and the message of its first failure."""
        entry = self.results.get(report.nodeid)
        if entry is None:
            return
        if report.failed and entry["outcome"] != "failed":
            entry["outcome"] = "failed"
            entry["message"] = _failure_message(report)
        elif report.skipped and entry["outcome"] == "not run":
            entry["outcome"] = "skipped"
        elif report.passed and report.when == "call" and entry["outcome"] == "not run":
            entry["outcome"] = "passed"

    def pytest_sessionfinish(self) -> None:
        """Write the report."""
        self.target.write_text(json.dumps(self.results, indent=2), encoding="utf-8")


def _failure_message(report: pytest.TestReport) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    message = getattr(crash, "message", None)
    return _first_line(str(message or report.longrepr))


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[0][:300] if lines else ""
