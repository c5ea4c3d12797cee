"""The learner's side: copies of steps under workspace/, and the progress they have made.

A learner's copy is the step's reference with the step's task regions stubbed. Nothing here ever
deletes a learner's work: an old copy is moved aside, never overwritten.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

from workshop.manifest import Manifest, Step
from workshop.tree import copy_step
from workshop.verify import stubbed_copy

WORKSPACE = "workspace"
PROGRESS = "progress.json"


class WorkspaceError(Exception):
    """The learner asked for something that would lose work or that does not exist yet."""


def learner_copy(manifest: Manifest, step: Step) -> Path:
    """Where the learner's copy of a step lives."""
    return manifest.root / WORKSPACE / step.name


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
    return target, aside


def catch_up(manifest: Manifest, step: Step) -> tuple[Path, Path | None]:
    """Replace the learner's copy with the reference, moving the old copy aside."""
    target = learner_copy(manifest, step)
    aside = _set_aside(target, "before-catch-up") if target.exists() else None
    copy_step(manifest.path(step), target)
    return target, aside


def load_progress(manifest: Manifest) -> dict[str, dict[str, bool]]:
    """Which tasks the learner has passed, by step id."""
    path = manifest.root / WORKSPACE / PROGRESS
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {str(step): {str(k): bool(v) for k, v in tasks.items()} for step, tasks in data.items()}


def record_progress(manifest: Manifest, step: Step, passed: dict[str, bool]) -> None:
    """Remember the outcome of the learner's latest check of ``step``."""
    progress = load_progress(manifest)
    progress[step.id] = passed
    path = manifest.root / WORKSPACE / PROGRESS
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(progress, indent=2, sort_keys=True), encoding="utf-8")
