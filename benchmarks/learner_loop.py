"""Measure the learner's loop: ``workshop check NN`` and one-task re-checks, per step.

The targets (issue 12) are under 3 s wall for a step's check and under 1.5 s for re-checking one
task. Each figure is the median wall time of a few rounds, because the machine's other work moves
single runs by a second or more; the load average is written next to the table so a reader can
judge the figures. The time pytest takes to start and collect the suite, running no test, is
measured too: no check can be faster, so it shows how much of a check the tests themselves take.
So is a suite as large as the step's whose every test makes one cheap request: the floor under a
check of that many tests, which says whether the target is within reach at all.
Run it with ``make bench-workshop``, which runs it in a learner's install; it rewrites
benchmarks/learner-loop.md.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from workshop.manifest import Manifest, Step, load_manifest
from workshop.runner import MAX_PROCESSES, RunResult, available_cores, run_tests
from workshop.warm import WarmPytest
from workshop.workspace import WORKSPACE, learner_copy, timings_file

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "benchmarks" / "learner-loop.md"
CHECK_TARGET_SECONDS = 3.0
TASK_TARGET_SECONDS = 1.5
# The yardstick of the machine's speed: five million additions in pure Python.
LOOP = "total = 0\nfor number in range(5_000_000):\n    total += number"
# The floor suite: as many tests as the step has, each one request through the step's own
# fixtures (the shared app, handed to each test as new) to the cheapest route every step has.
FLOOR_TESTS = """import pytest


@pytest.mark.parametrize("number", range({count}))
def test_health(client, number):
    assert client.get("/healthz").status_code == 200
"""


@dataclass(frozen=True)
class Timing:
    """Medians of the rounds that succeeded (wall and CPU seconds), and how many rounds failed.

    The CPU time (user and system, of every process the round started) hardly moves with the
    machine's load, so it says how much work a round was when the wall time was mostly waiting
    for a core. A check's runs share the cores, so its CPU time is their sum.
    """

    seconds: float
    cpu_seconds: float
    failed: int

    def cell(self, target: float) -> str:
        """The wall time and whether it meets its target, the CPU time, and any failed rounds."""
        if math.isnan(self.seconds):  # no round succeeded
            return f"failed ({self.failed} rounds)"
        figure = f"{self.seconds:.2f} ({'ok' if self.seconds < target else 'over'})"
        if not math.isnan(self.cpu_seconds):  # unknown for runs a forkserver started
            figure += f", CPU {self.cpu_seconds:.2f}"
        return figure + (f", {self.failed} failed" if self.failed else "")


@dataclass(frozen=True)
class Row:
    """One step's figures, in seconds."""

    step: str
    tests: int
    loop: float
    collect: Timing
    floor: Timing
    check: Timing
    one_run: Timing
    solution: Timing
    task: str
    one_task: Timing | None
    one_task_cold: Timing | None


def median_seconds(rounds: int, action: Callable[[], bool], *, count_cpu: bool = True) -> Timing:
    """The median wall time of the runs of ``action`` that returned True, out of ``rounds``.

    A failed round is counted and reported rather than ending the benchmark: one step whose
    reference is broken must not hide the figures of the others.
    """
    timings: list[float] = []
    cpu_timings: list[float] = []
    failed = 0
    for _ in range(rounds):
        cpu_before = children_cpu_seconds()
        started = time.perf_counter()
        succeeded = action()
        elapsed = time.perf_counter() - started
        if succeeded:
            timings.append(elapsed)
            cpu_timings.append(children_cpu_seconds() - cpu_before)
        else:
            failed += 1
    if not timings:
        return Timing(float("nan"), float("nan"), failed)
    cpu = statistics.median(cpu_timings) if count_cpu else float("nan")
    return Timing(statistics.median(timings), cpu, failed)


def loop_seconds() -> float:
    """The best of three timings of one pure-Python loop: how fast this machine ran that day.

    The same checks took twice as long on some days as on others, on the same 2-core machine, so
    the page gives this figure for comparing it with a page written on another day.
    """
    return min(timeit.repeat(LOOP, number=1, repeat=3))


def children_cpu_seconds() -> float:
    """User and system CPU seconds of every finished process this one started."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def workshop(*arguments: str, env: dict[str, str] | None = None) -> bool:
    """Run ``workshop ARGUMENTS`` as a learner types it; True when it succeeds."""
    command = [sys.executable, "-m", "workshop", *arguments]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, check=False)  # noqa: S603
    return done.returncode == 0


@contextmanager
def caught_up(step: Step) -> Iterator[tuple[dict[str, str], Path, Path]]:
    """A learner's copy of ``step`` that holds its reference, as ``workshop catch-up`` writes it.

    It lives in a scratch workshop that links to everything in this checkout but workspace/, so
    the learner's own copies and progress are never touched. Yields the environment that points
    ``workshop`` at it, the copy's folder and where its checks keep their files' times. One
    untimed check compiles the copy and records those times, as a learner's first check does.
    """
    with tempfile.TemporaryDirectory(prefix="learner-loop-workshop-") as scratch:
        for entry in ROOT.iterdir():
            if entry.name != WORKSPACE:
                (Path(scratch) / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())
        env = {**os.environ, "WORKSHOP_ROOT": scratch}
        workshop("catch-up", step.id, env=env)
        workshop("check", step.id, env=env)
        scratch_manifest = load_manifest(Path(scratch))
        yield env, learner_copy(scratch_manifest, step), timings_file(scratch_manifest, step)


def time_check(step: Step, env: dict[str, str], rounds: int) -> Timing:
    """Wall time of ``workshop check NN`` in the workshop that ``env`` points at."""
    return median_seconds(rounds, lambda: workshop("check", step.id, env=env))


def time_one_run(copy: Path, step: Step, rounds: int) -> Timing:
    """Wall time of the copy's whole suite in one pytest run, as a check ran before sharing.

    Measured next to the check, it says what sharing the test files out saves on this machine.
    """

    def one_run() -> bool:
        run = run_tests(copy, step.pytest_args, services=step.services, bytecode=True)
        return run.returncode == 0

    return median_seconds(rounds, one_run)


def time_solution_check(step: Step, rounds: int) -> Timing:
    """Wall time of ``workshop check NN --solution``: the reference tree, which is never written
    to, so its app is compiled and its tests are rewritten again on every run."""
    return median_seconds(rounds, lambda: workshop("check", step.id, "--solution"))


def time_collection(manifest: Manifest, step: Step, rounds: int) -> Timing:
    """Wall time of starting pytest and collecting the whole suite without running a test."""
    selection = (*step.pytest_args, "--collect-only")
    return median_seconds(rounds, lambda: run_tests(manifest.path(step), selection).returncode == 0)


def time_floor(manifest: Manifest, step: Step, count: int, rounds: int) -> Timing:
    """Wall time of ``count`` one-request tests on the step's own conftest, in a copy of the step.

    The copy keeps the conftest and its helpers but none of the step's test files, so the figure
    is pytest's start, the app built once, and ``count`` tests that cost as little as a test can.
    """
    with tempfile.TemporaryDirectory(prefix="learner-loop-floor-") as scratch:
        copy = Path(scratch) / manifest.path(step).name
        skipped = shutil.ignore_patterns("test_*.py", "__pycache__", "instance", "*.db")
        shutil.copytree(manifest.path(step), copy, ignore=skipped)
        (copy / "tests" / "test_floor.py").write_text(FLOOR_TESTS.format(count=count))
        return median_seconds(rounds, lambda: run_tests(copy, step.pytest_args).returncode == 0)


def time_one_task(
    copy: Path,
    timings: Path,
    step: Step,
    suite: RunResult,
    task_id: str,
    rounds: int,
    warm: WarmPytest | None,
) -> Timing:
    """Wall time of re-running only the tests of ``task_id`` in ``copy``, as watch does on save.

    Like the watch loop, the run collects only the files that hold the task's tests, which the
    whole suite's run showed, keeps the copy's bytecode and deals the files out by the times
    the copy's checks recorded (``timings``). With ``warm``, the runs are forked from its
    forkserver, as watch's are; one untimed run first stands for the save before. Those runs
    are not this process's children, so their CPU time is not counted, and each imports this
    script again, as multiprocessing has a run do (about 0.06 s; watch's script is one line).
    """
    files = sorted({test.nodeid.split("::", 1)[0] for test in suite.marked(task_id)})
    selection = (*step.pytest_args, *files, f"--workshop-only-tasks={task_id}")

    def recheck() -> bool:
        run = run_tests(
            copy,
            selection,
            bytecode=True,
            processes=available_cores(),
            timings=timings,
            warm=warm,
        )
        return run.returncode == 0

    if warm is not None:
        recheck()
    return median_seconds(rounds, recheck, count_cpu=warm is None)


def slowest_task(
    copy: Path, timings: Path, step: Step, suite: RunResult, rounds: int, warm: WarmPytest | None
) -> tuple[str, Timing | None, Timing | None]:
    """The task whose re-check in watch takes longest: a learner meets every task.

    Answers its id, its re-check as watch runs it, and the same re-check in new processes.
    """
    by_task = {
        task.id: time_one_task(copy, timings, step, suite, task.id, rounds, warm)
        for task in step.tasks
    }
    if not by_task:
        return "", None, None
    task_id = max(by_task, key=lambda task: by_task[task].seconds)
    cold = time_one_task(copy, timings, step, suite, task_id, rounds, None)
    return task_id, by_task[task_id], cold


def measure(manifest: Manifest, steps: list[Step], rounds: int) -> Iterator[Row]:
    """Measure every step in ``steps``; print and yield each row as it is done."""
    # One forkserver for every re-check, as one watch session keeps one (workshop/warm.py).
    warm = WarmPytest() if WarmPytest.available() else None
    for step in steps:
        # One untimed run of the whole suite counts the tests and warms the caches.
        suite = run_tests(manifest.path(step), step.pytest_args)
        with caught_up(step) as (env, copy, timings):
            task, one_task, one_task_cold = slowest_task(copy, timings, step, suite, rounds, warm)
            # The machine's speed moves within minutes: the row says how fast it ran for its check.
            loop = loop_seconds()
            check = time_check(step, env, rounds)
            one_run = time_one_run(copy, step, rounds)
        row = Row(
            step=step.id,
            tests=len(suite.tests),
            loop=loop,
            collect=time_collection(manifest, step, rounds),
            floor=time_floor(manifest, step, len(suite.tests), rounds),
            check=check,
            one_run=one_run,
            solution=time_solution_check(step, rounds),
            task=task,
            one_task=one_task,
            one_task_cold=one_task_cold,
        )
        task_cell = row.one_task.cell(TASK_TARGET_SECONDS) if row.one_task else "-"
        check_cell = row.check.cell(CHECK_TARGET_SECONDS)
        print(
            f"{row.step}: floor {row.floor.seconds:.2f}, check {check_cell}, {row.task} {task_cell}"
        )
        yield row


def render(rows: list[Row], rounds: int, load_before: float, load_after: float, loop: float) -> str:
    """The Markdown page: how it was measured, then one row per step."""
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# The learner's loop, measured",
        "",
        f"Written by `make bench-workshop` on {when}: Python {platform.python_version()},"
        f" {os.cpu_count()} cores, load average {load_before:.1f} before and {load_after:.1f}"
        f" after (1 minute). Each figure is the median wall time of {rounds} rounds, in seconds,"
        " in a learner's install (`make setup`: no maintainer tools). How fast the machine ran:"
        f" a pure-Python loop of five million additions took {loop:.2f} s (best of 3); compare"
        " the figures only with a page whose loop took about as long.",
        "",
        "- **loop**: the same pure-Python loop, timed again just before the step's check: the"
        " machine's speed changes within minutes, so each row says how fast it ran for its"
        " figures.",
        "- **collect**: pytest started and the whole suite collected in one run, no test run.",
        "- **one-request floor**: as many tests as the step has, each a single `GET /healthz`"
        " through the step's own fixtures, from one small file, in one run: no suite of that"
        " many tests runs faster in one process on this machine.",
        f"- **check**: `workshop check NN` on a learner's copy that holds the reference, as"
        f" `workshop catch-up NN` leaves it; target under {CHECK_TARGET_SECONDS:g} s. A check"
        f" deals the step's test files out to one pytest run per core, at most"
        f" {MAX_PROCESSES} (here {available_cores()}), which run at once, so it can take less"
        " than the floor of one run. It deals them by the time each file took in the copy's"
        " last check, which its first, untimed check records.",
        "- **check's CPU ÷ cores**: the check's CPU time divided by the cores, a floor under its"
        " wall time that no dealing of the files can beat: where it is over the target, only"
        " less work would bring the check under it.",
        "- **in one run**: the same copy's suite in a single pytest run, without the command"
        " around it (about 0.2 s): what a check took before it shared the files out.",
        "- **--solution**: `workshop check NN --solution`, the same suite on the reference tree,"
        " which nothing writes to: its bytecode is compiled anew on every run.",
        "- **slowest task**: every task of the step re-checked alone (`--workshop-only-tasks`)"
        " in that copy, from only the files that hold its tests, as `workshop watch` does on"
        " save: its runs are forked from a process that has the libraries imported already, so"
        " their CPU time is not counted. The table shows the slowest;"
        f" target under {TASK_TARGET_SECONDS:g} s.",
        "- **in new processes**: the same task's re-check in pytest runs started afresh, as"
        " watch ran them before it kept the libraries imported.",
        "",
        "Each cell gives the wall time, then the CPU time of every process the round started,"
        " which is more than the wall time when the runs shared the cores. A load average above"
        " the number of cores means other work shared the machine: the wall times are then"
        " slower than a learner's laptop would give."
        " A round that failed (the reference did not pass) is counted next to the figure,"
        " which the other rounds give.",
        "",
        "| step | tests | loop (s) | collect (s) | one-request floor (s) | check (s)"
        " | check's CPU ÷ cores (s) | in one run (s) | --solution (s) | slowest task"
        " | its re-check in watch (s) | in new processes (s) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|",
    ]
    for row in rows:
        task = row.one_task.cell(TASK_TARGET_SECONDS) if row.one_task else "-"
        cold = row.one_task_cold.cell(TASK_TARGET_SECONDS) if row.one_task_cold else "-"
        check = row.check.cell(CHECK_TARGET_SECONDS)
        collect, floor = f"{row.collect.seconds:.2f}", f"{row.floor.seconds:.2f}"
        solution, one_run = f"{row.solution.seconds:.2f}", f"{row.one_run.seconds:.2f}"
        cpu_floor = f"{row.check.cpu_seconds / available_cores():.2f}"
        lines.append(
            f"| {row.step} | {row.tests} | {row.loop:.2f} | {collect} | {floor} | {check}"
            f" | {cpu_floor} | {one_run} | {solution} | {row.task or '-'} | {task} | {cold} |"
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    """Measure the steps named (all of them by default) and write the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("steps", nargs="*", help="step ids (default: every step)")
    parser.add_argument("--rounds", type=int, default=3, help="runs per figure (default 3)")
    args = parser.parse_args()
    # A learner's Python keeps bytecode by default; an environment that turns that off would
    # time a check no learner waits for.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    manifest = load_manifest(ROOT)
    steps = [manifest.step(step_id) for step_id in args.steps] or list(manifest.steps)
    load_before = os.getloadavg()[0]
    loop = loop_seconds()
    rows: list[Row] = []
    for row in measure(manifest, steps, args.rounds):
        rows.append(row)
        # Rewritten after every step, so that an interrupted run keeps what it measured.
        page = render(rows, args.rounds, load_before, os.getloadavg()[0], loop)
        REPORT.write_text(page, encoding="utf-8")
    print(f"Wrote {REPORT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
