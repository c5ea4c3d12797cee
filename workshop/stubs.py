"""A learner's starting point: a copy of a step with its task regions replaced by raising stubs.

``workshop start`` writes one for the learner, ``workshop verify`` writes them to prove each task's
tests notice its stub, and ``workshop diff`` shows the stubs instead of the solutions.
"""

from __future__ import annotations

from pathlib import Path

from workshop.manifest import Task
from workshop.markers import regions_in, stub_text
from workshop.tree import copy_step, step_files


def stub_message(task: Task) -> str:
    """The text the learner's stub raises: the task's id and what to do."""
    return f"Task {task.id}: {task.text}"


def stub_messages(tasks: tuple[Task, ...]) -> dict[str, str]:
    """What each task's stub raises, by task id, as ``markers.stub_text`` takes it."""
    return {task.id: stub_message(task) for task in tasks}


def stubbed_copy(source: Path, target: Path, tasks: tuple[Task, ...]) -> Path:
    """Copy a step to ``target`` with the regions of ``tasks`` replaced by stubs."""
    copy_step(source, target)
    messages = stub_messages(tasks)
    for region_file in {
        region.path for region in regions_in(target / f for f in step_files(target))
    }:
        text = region_file.read_text(encoding="utf-8")
        region_file.write_text(stub_text(text, messages), encoding="utf-8")
    return target
