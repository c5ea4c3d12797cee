"""``workshop verify``: the maintainers' proof that every exercise works both ways.

For each step: the reference passes; stubbing one task makes each of that task's tests fail;
stubbing all of the step's tasks leaves every other test passing; and the step differs from the
one before only where the manifest says. final/ must pass its tests and keep the lineage too.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from workshop.lineage import lineage_problems
from workshop.manifest import Manifest, Step, Task
from workshop.markers import regions_in
from workshop.runner import RunResult, run_tests
from workshop.stubs import stubbed_copy
from workshop.tree import step_files


@dataclass
class CheckResult:
    """One named check and the problems it found (none means it passed), or why it was skipped."""

    name: str
    problems: list[str] = field(default_factory=list)
    skipped: str = ""
    # Figures the check's tests measured (a proof's request counts, say), printed with it.
    figures: list[str] = field(default_factory=list)


def _run_stubbed(
    step_folder: Path, step: Step, tasks: tuple[Task, ...], selection: tuple[str, ...]
) -> RunResult:
    """Run the tests chosen by ``selection`` on a copy of the step with ``tasks`` stubbed."""
    with tempfile.TemporaryDirectory(prefix="workshop-verify-") as scratch:
        copy = stubbed_copy(step_folder, Path(scratch) / step.name, tasks)
        return run_tests(copy, (*step.pytest_args, *selection))


def files_marked_with(run: RunResult, task_id: str) -> tuple[str, ...]:
    """The test files that hold the tests marked with ``task_id``, as the run collected them."""
    return tuple(sorted({test.nodeid.split("::", 1)[0] for test in run.marked(task_id)}))


def reference_problems(step: Step, run: RunResult) -> list[str]:
    """The reference must collect tests and pass every one of them."""
    if not run.tests:
        return [f"{step.folder}: no tests ran (pytest exit {run.returncode})\n{run.output[-2000:]}"]
    problems = [
        f"{step.folder}: {test.nodeid} fails on the reference: {test.message}"
        for test in run.failed
    ]
    if run.returncode != 0 and not problems:
        problems.append(f"{step.folder}: pytest exited {run.returncode}\n{run.output[-2000:]}")
    return problems


def marker_problems(manifest: Manifest, step: Step) -> list[str]:
    """Every task has a region and a test; every region belongs to one of the step's tasks."""
    folder = manifest.path(step)
    regions = regions_in(folder / f for f in step_files(folder))
    own = {task.id for task in step.tasks}
    problems = [
        f"{region.path.relative_to(manifest.root).as_posix()}:{region.begin}: marker of task"
        f" {region.task}, which is not a task of step {step.id}"
        for region in regions
        if region.task not in own
    ]
    found = {region.task for region in regions}
    problems += [
        f"task {task.id} has no marked region" for task in step.tasks if task.id not in found
    ]
    return problems


def single_stub_problems(task: Task, run: RunResult) -> list[str]:
    """With only this task stubbed, each of its tests must fail (or say why in the manifest)."""
    tests = run.marked(task.id)
    if not tests:
        return [f"task {task.id}: no test is marked @pytest.mark.task({task.id!r})"]
    return [
        f"task {task.id}: {test.nodeid} passes on the stub, so it cannot tell a learner anything"
        for test in tests
        if test.outcome == "passed" and test.nodeid not in task.passes_on_stub
    ]


def all_stub_problems(step: Step, run: RunResult) -> list[str]:
    """With every task of the step stubbed, the tests of earlier work must still pass."""
    own = {task.id for task in step.tasks}
    return [
        f"{step.folder}: {test.nodeid} checks earlier work but fails when step {step.id}'s tasks"
        f" are stubbed: {test.message}"
        for test in run.failed
        if not own.intersection(test.tasks)
    ]


def verify(manifest: Manifest, steps: list[Step], workers: int | None = None) -> list[CheckResult]:
    """Run every check for the given steps, in parallel where they are independent."""
    jobs: list[Job] = []
    skipped: list[CheckResult] = []
    for step in steps:
        previous = manifest.previous(step)
        if step.after and previous is not None and previous.id != step.after:
            reason = f"step {step.after} does not exist yet; the last step is {previous.id}"
            skipped.append(CheckResult(f"{step.folder}: lineage", skipped=reason))
    with ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 2) as pool:
        # The references run first: each task's check reads from its step's reference run which
        # files hold the task's tests. A check that waits for one waits on a run already started,
        # because the pool starts jobs in the order they were submitted. The last step's comes
        # first: each step has more tests than the one before, and final/'s run, the longest job
        # by far, then overlaps every other instead of starting after the steps' references.
        references = {
            step.id: pool.submit(run_tests, folder, step.pytest_args, services=step.services)
            for step in reversed(steps)
            if (folder := manifest.path(step)).is_dir()
        }
        for step in steps:
            jobs.extend(_step_jobs(manifest, step, references.get(step.id)))
        futures: list[tuple[str, Future[list[str]]]] = [
            (name, pool.submit(job)) for name, job in jobs
        ]
        results = [CheckResult(name, future.result()) for name, future in futures]
        for step_id, reference in references.items():
            name = f"{manifest.step(step_id).folder}: reference passes"
            for result in results:
                if result.name == name:
                    result.figures = reference.result().figures
        return results + skipped


Job = tuple[str, Callable[[], list[str]]]


def verify_lineage(manifest: Manifest, steps: list[Step]) -> list[CheckResult]:
    """Only the lineage checks of the given steps: no test runs, so all of them take a second."""
    results: list[CheckResult] = []
    for step in steps:
        previous = manifest.previous(step)
        if previous is None:
            continue
        name = f"{step.folder}: lineage"
        if step.after and previous.id != step.after:
            reason = f"step {step.after} does not exist yet; the last step is {previous.id}"
            results.append(CheckResult(name, skipped=reason))
        else:
            results.append(CheckResult(name, lineage_problems(manifest, step)))
    return results


def _reference_job(step: Step, reference: Future[RunResult]) -> list[str]:
    return reference_problems(step, reference.result())


def _single_stub_job(
    step: Step, folder: Path, task: Task, reference: Future[RunResult]
) -> list[str]:
    # Only this task's tests can tell whether its stub is noticed: run just those, and collect
    # only the files that hold them (the whole suite when the reference found none, so that the
    # run itself reports the missing marker).
    selection = (
        *files_marked_with(reference.result(), task.id),
        f"--workshop-only-tasks={task.id}",
    )
    return single_stub_problems(task, _run_stubbed(folder, step, (task,), selection))


def _all_stub_job(step: Step, folder: Path) -> list[str]:
    # The tests of the step's own tasks are expected to fail here: leave them out.
    others = "--workshop-except-tasks=" + ",".join(task.id for task in step.tasks)
    return all_stub_problems(step, _run_stubbed(folder, step, step.tasks, (others,)))


def _missing_folder(label: str) -> list[str]:
    return [f"{label}: folder not found"]


def _step_jobs(manifest: Manifest, step: Step, reference: Future[RunResult] | None) -> list[Job]:
    folder = manifest.path(step)
    label = step.folder
    if reference is None:
        return [(f"{label}: exists", partial(_missing_folder, label))]
    jobs: list[Job] = [
        (f"{label}: reference passes", partial(_reference_job, step, reference)),
        (f"{label}: task markers", partial(marker_problems, manifest, step)),
    ]
    previous = manifest.previous(step)
    if previous is not None and previous.id == (step.after or previous.id):
        jobs.append((f"{label}: lineage", partial(lineage_problems, manifest, step)))
    jobs += [
        (
            f"{label}: task {task.id} fails on its stub",
            partial(_single_stub_job, step, folder, task, reference),
        )
        for task in step.tasks
    ]
    if step.tasks:
        name = f"{label}: earlier work passes with every task stubbed"
        jobs.append((name, partial(_all_stub_job, step, folder)))
    return jobs
