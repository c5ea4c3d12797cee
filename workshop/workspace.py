"""The learner's side: copies of steps under workspace/, and the progress they have made.

A learner's copy is the step's reference with the step's task regions stubbed. Nothing here ever
deletes a learner's work: an old copy is moved aside, never overwritten.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from workshop.manifest import Manifest, Step, Task
from workshop.stubs import stubbed_copy
from workshop.tree import copy_step

WORKSPACE = "workspace"
PROGRESS = "progress.json"
TIMINGS = "timings"


class WorkspaceError(Exception):
    """The learner asked for something that would lose work or that does not exist yet."""


def learner_copy(manifest: Manifest, step: Step) -> Path:
    """Where the learner's copy of a step lives."""
    return manifest.root / WORKSPACE / step.name


def timings_file(manifest: Manifest, step: Step) -> Path:
    """Where the learner's checks of ``step`` keep how long each test file took (runner.py)."""
    return manifest.root / WORKSPACE / TIMINGS / f"{step.name}.json"


def served_database(manifest: Manifest, step: Step, mine: bool) -> str:
    """The SQLite database ``workshop serve`` gives a step: under workspace/, never under steps/.

    Left to itself, the app would create ``instance/library.db`` inside the folder it runs from,
    which for the reference is the repository's own steps/ tree.
    """
    folder = manifest.root / WORKSPACE / "databases"
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{step.name}-mine.db" if mine else f"{step.name}-reference.db"
    return f"sqlite:///{(folder / name).resolve().as_posix()}"


def _set_aside(folder: Path, reason: str) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    aside = folder.with_name(f"{folder.name}.{reason}-{stamp}")
    shutil.move(folder, aside)
    return aside


def start(manifest: Manifest, step: Step, *, force: bool = False) -> tuple[Path, Path | None]:
    """Write the learner's copy of ``step`` with its tasks stubbed.

    Returns the copy and, with ``force``, where an existing copy was moved aside.
    """
    if step is manifest.final:
        raise WorkspaceError("final/ has no exercises: start one of the steps")
    target = learner_copy(manifest, step)
    aside = None
    if target.exists():
        if not force:
            raise WorkspaceError(
                f"{target.relative_to(manifest.root)} already exists: keep working there, or run"
                f" 'workshop start {step.id} --force' to start again (your copy is kept aside)"
            )
        aside = _set_aside(target, "old")
    stubbed_copy(manifest.path(step), target, step.tasks)
    # A new copy starts from nothing: progress of an earlier copy would only mislead.
    forget_progress(manifest, step)
    return target, aside


def catch_up(manifest: Manifest, step: Step) -> tuple[Path, Path | None]:
    """Replace the learner's copy with the reference, moving the old copy aside."""
    if step is manifest.final:
        raise WorkspaceError("final/ has no exercises, so there is nothing to catch up on")
    target = learner_copy(manifest, step)
    aside = _set_aside(target, "before-catch-up") if target.exists() else None
    copy_step(manifest.path(step), target)
    forget_progress(manifest, step, reference=True)
    return target, aside


@dataclass
class Progress:
    """What workspace/progress.json remembers: tasks passed, hints seen, steps caught up."""

    # By step id, then task id: did the latest check pass the task?
    tasks: dict[str, dict[str, bool]] = field(default_factory=dict)
    # By task id: how many of its hints the learner has asked for.
    hints_seen: dict[str, int] = field(default_factory=dict)
    # Steps whose copy is the reference, put there by catch-up rather than written by the learner.
    reference: set[str] = field(default_factory=set)


def _progress_path(manifest: Manifest) -> Path:
    return manifest.root / WORKSPACE / PROGRESS


def load_progress(manifest: Manifest) -> Progress:
    """The learner's progress so far (none before the first check)."""
    path = _progress_path(manifest)
    if not path.is_file():
        return Progress()
    data = json.loads(path.read_text(encoding="utf-8"))
    # The first version of the file held only the tasks, keyed by step id at the top level.
    tasks = data.get("tasks", {}) if "tasks" in data else data
    return Progress(
        tasks={str(step): {str(k): bool(v) for k, v in ran.items()} for step, ran in tasks.items()},
        hints_seen={str(task): int(seen) for task, seen in data.get("hints_seen", {}).items()},
        reference={str(step) for step in data.get("reference", [])},
    )


def save_progress(manifest: Manifest, progress: Progress) -> None:
    """Write the progress back to workspace/progress.json."""
    data = {
        "tasks": progress.tasks,
        "hints_seen": progress.hints_seen,
        "reference": sorted(progress.reference),
    }
    path = _progress_path(manifest)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, sort_keys=True), encoding="utf-8")


def record_progress(manifest: Manifest, step: Step, passed: dict[str, bool]) -> None:
    """Remember the outcome of the learner's latest check of ``step``."""
    progress = load_progress(manifest)
    progress.tasks[step.id] = passed
    save_progress(manifest, progress)


def forget_progress(manifest: Manifest, step: Step, *, reference: bool = False) -> None:
    """Clear what was recorded for ``step``; with ``reference``, mark its copy as the reference."""
    progress = load_progress(manifest)
    progress.tasks.pop(step.id, None)
    for task in step.tasks:
        progress.hints_seen.pop(task.id, None)
    if reference:
        progress.reference.add(step.id)
    else:
        progress.reference.discard(step.id)
    save_progress(manifest, progress)


def next_hint(manifest: Manifest, task: Task) -> int:
    """How many of the task's hints to show now: one more than last time, up to all of them."""
    progress = load_progress(manifest)
    shown = min(progress.hints_seen.get(task.id, 0) + 1, len(task.hints))
    progress.hints_seen[task.id] = shown
    save_progress(manifest, progress)
    return shown
