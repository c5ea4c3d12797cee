"""Measure the learner's loop: ``workshop check NN --solution`` and a one-task re-check, per step.

The targets (issue 12) are under 3 s wall for a step's check and under 1.5 s for re-checking one
task. Each figure is the median wall time of a few rounds, because the machine's other work moves
single runs by a second or more; the load average is written next to the table so a reader can
judge the figures. Run it with ``make bench-workshop``; it rewrites benchmarks/learner-loop.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from workshop.manifest import Manifest, Step, load_manifest
from workshop.runner import run_tests

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "benchmarks" / "learner-loop.md"
CHECK_TARGET_SECONDS = 3.0
TASK_TARGET_SECONDS = 1.5


@dataclass(frozen=True)
class Row:
    """One step's figures: the medians of its rounds, in seconds."""

    step: str
    tests: int
    check_seconds: float
    task: str
    task_seconds: float


def median_seconds(rounds: int, action: Callable[[], None]) -> float:
    """The median wall time of ``rounds`` runs of ``action``."""
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def time_check(step: Step, rounds: int) -> float:
    """Wall time of ``workshop check NN --solution``, as a learner would type it."""
    command = [sys.executable, "-m", "workshop", "check", step.id, "--solution"]

    def check() -> None:
        subprocess.run(command, cwd=ROOT, capture_output=True, check=True)  # noqa: S603

    return median_seconds(rounds, check)


def time_one_task(manifest: Manifest, step: Step, task_id: str, rounds: int) -> float:
    """Wall time of re-running only the tests of ``task_id``, as a watch loop does on save."""
    folder = manifest.path(step)
    selection = (*step.pytest_args, f"--workshop-only-tasks={task_id}")
    return median_seconds(rounds, lambda: _require_green(run_tests(folder, selection).returncode))


def _require_green(returncode: int) -> None:
    if returncode != 0:
        raise RuntimeError(f"the reference failed its own tests (pytest exit code {returncode})")


def count_tests(manifest: Manifest, step: Step) -> int:
    """How many tests the step's suite ran; the run also warms the caches for the timed ones."""
    return len(run_tests(manifest.path(step), step.pytest_args).tests)


def measure(manifest: Manifest, steps: list[Step], rounds: int) -> list[Row]:
    """Measure every step in ``steps``; print each row as it is done."""
    rows = []
    for step in steps:
        task = step.tasks[-1].id if step.tasks else ""
        row = Row(
            step=step.id,
            tests=count_tests(manifest, step),
            check_seconds=time_check(step, rounds),
            task=task,
            task_seconds=time_one_task(manifest, step, task, rounds) if task else 0.0,
        )
        print(f"{row.step}: check {row.check_seconds:.2f} s, {row.task} {row.task_seconds:.2f} s")
        rows.append(row)
    return rows


def verdict(seconds: float, target: float) -> str:
    """The figure, and whether it meets its target."""
    return f"{seconds:.2f} ({'ok' if seconds < target else 'over'})"


def render(rows: list[Row], rounds: int, load_before: float, load_after: float) -> str:
    """The Markdown page: how it was measured, then one row per step."""
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# The learner's loop, measured",
        "",
        f"Written by `make bench-workshop` on {when}: Python {platform.python_version()},"
        f" {os.cpu_count()} cores, load average {load_before:.1f} before and {load_after:.1f}"
        f" after (1 minute). Each figure is the median wall time of {rounds} rounds, in seconds.",
        "",
        f"- **check**: `workshop check NN --solution`; target under {CHECK_TARGET_SECONDS:g} s.",
        "- **one task**: only the tests of the step's last task (`--workshop-only-tasks`), the"
        f" re-check a watch loop runs on save; target under {TASK_TARGET_SECONDS:g} s.",
        "",
        "A load average above the number of cores means other work shared the machine and the"
        " figures are slower than a learner's laptop would give.",
        "",
        "| step | tests | check (s) | task | one task (s) |",
        "|---|---:|---:|---|---:|",
    ]
    for row in rows:
        task = verdict(row.task_seconds, TASK_TARGET_SECONDS) if row.task else "-"
        check = verdict(row.check_seconds, CHECK_TARGET_SECONDS)
        lines.append(f"| {row.step} | {row.tests} | {check} | {row.task or '-'} | {task} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    """Measure the steps named (all of them by default) and write the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("steps", nargs="*", help="step ids (default: every step)")
    parser.add_argument("--rounds", type=int, default=3, help="runs per figure (default 3)")
    args = parser.parse_args()
    manifest = load_manifest(ROOT)
    steps = [manifest.step(step_id) for step_id in args.steps] or list(manifest.steps)
    load_before = os.getloadavg()[0]
    rows = measure(manifest, steps, args.rounds)
    REPORT.write_text(render(rows, args.rounds, load_before, os.getloadavg()[0]), encoding="utf-8")
    print(f"Wrote {REPORT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
