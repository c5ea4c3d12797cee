"""Reads steps/steps.toml, the one file that describes every step, task and hint.

Nothing about an exercise hides in code: the tool, the tests and the docs site all read it.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

MANIFEST = Path("steps") / "steps.toml"


class ManifestError(Exception):
    """The manifest is missing, malformed, or names something that does not exist."""


@dataclass(frozen=True)
class Task:
    """One exercise: the code between its markers is what the learner writes."""

    id: str
    title: str
    text: str
    # In the order a learner gets them: a nudge first, where a task has one, the near-answer last.
    hints: tuple[str, ...]
    passes_on_stub: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Step:
    """A complete, runnable version of the app, and the tasks it teaches."""

    id: str
    folder: str
    title: str
    chapter: str
    teach_minutes: int
    exercise_minutes: int
    changes: tuple[str, ...]
    tasks: tuple[Task, ...]
    serve: tuple[tuple[str, ...], ...]
    pytest_args: tuple[str, ...]
    links: tuple[str, ...] = ("/api/v1/",)
    after: str = ""
    services: bool = False

    @property
    def name(self) -> str:
        """The folder name, e.g. ``01-factory``, also used for the learner's copy."""
        return Path(self.folder).name

    def task(self, task_id: str) -> Task:
        """Return the task with this id, or raise ManifestError."""
        for task in self.tasks:
            if task.id == task_id:
                return task
        known = ", ".join(t.id for t in self.tasks) or "none"
        raise ManifestError(f"step {self.id} has no task {task_id!r} (its tasks: {known})")


@dataclass(frozen=True)
class Manifest:
    """Every step in order, then the final app, which follows the last step."""

    root: Path
    steps: tuple[Step, ...]
    final: Step

    def step(self, step_id: str) -> Step:
        """Find a step by id (``4``, ``04`` and ``04-auth`` all work) or ``final``."""
        wanted = step_id.strip().lower()
        if wanted == "final":
            return self.final
        for step in self.steps:
            if wanted in (step.id, step.id.lstrip("0"), step.name):
                return step
        known = ", ".join(s.id for s in self.steps)
        raise ManifestError(f"unknown step {step_id!r}: choose one of {known} or final")

    def previous(self, step: Step) -> Step | None:
        """The step before this one (the last step for final/), or None for the first."""
        chain = [*self.steps, self.final]
        index = chain.index(step)
        return chain[index - 1] if index > 0 else None

    def path(self, step: Step) -> Path:
        """The folder holding a step's reference code."""
        return self.root / step.folder


def _task(raw: dict[str, object]) -> Task:
    passes = raw.get("passes_on_stub", {})
    if not isinstance(passes, dict):
        raise ManifestError(f"task {raw.get('id')}: passes_on_stub must be a table")
    return Task(
        id=str(raw["id"]),
        title=str(raw["title"]),
        text=str(raw["text"]),
        hints=_hints(raw),
        passes_on_stub={str(k): str(v) for k, v in passes.items()},
    )


def _hints(raw: dict[str, object]) -> tuple[str, ...]:
    """A task's hints: ``hints = ["nudge", "near-answer"]``, or one ``hint = "..."``."""
    if "hints" in raw:
        hints = tuple(str(hint) for hint in _list(raw["hints"], f"task {raw.get('id')}: hints"))
    else:
        hints = (str(raw["hint"]),)
    if not hints:
        raise ManifestError(f"task {raw.get('id')}: hints must hold at least one hint")
    return hints


def _step(raw: dict[str, object]) -> Step:
    return Step(
        id=str(raw["id"]),
        folder=str(raw["folder"]),
        title=str(raw["title"]),
        chapter=str(raw.get("chapter", "")),
        teach_minutes=int(str(raw.get("teach_minutes", 0))),
        exercise_minutes=int(str(raw.get("exercise_minutes", 0))),
        changes=tuple(str(path) for path in _list(raw.get("changes", []), "changes")),
        tasks=tuple(_task(task) for task in _tables(raw, "tasks")),
        serve=tuple(
            tuple(str(arg) for arg in _list(command, "a serve command"))
            for command in _list(raw.get("serve", []), "serve")
        ),
        pytest_args=tuple(str(arg) for arg in _list(raw.get("pytest_args", []), "pytest_args")),
        links=tuple(str(link) for link in _list(raw.get("links", ["/api/v1/"]), "links")),
        after=str(raw.get("after", "")),
        services=raw.get("services", False) is True,
    )


def _list(value: object, what: str) -> list[object]:
    if not isinstance(value, list):
        raise ManifestError(f"{what} must be a list, not {value!r}")
    return value


def _tables(raw: dict[str, object], key: str) -> list[dict[str, object]]:
    tables = _list(raw.get(key, []), f"{raw.get('id')}: {key}")
    if not all(isinstance(table, dict) for table in tables):
        raise ManifestError(f"{raw.get('id')}: every entry of {key} must be a table")
    return [table for table in tables if isinstance(table, dict)]


def load_manifest(root: Path) -> Manifest:
    """Read and check the manifest of the workshop rooted at ``root``."""
    path = root / MANIFEST
    if not path.is_file():
        raise ManifestError(f"no manifest at {MANIFEST}: is {root} the workshop's folder?")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        steps = tuple(_step(raw) for raw in data["steps"])
        final = _step({"id": "final", "title": "The final app", **data["final"]})
    except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as error:
        raise ManifestError(f"{MANIFEST} is malformed: {error!r}") from error
    for step in steps:
        for task in step.tasks:
            if not task.id.startswith(f"{step.id}."):
                raise ManifestError(f"task {task.id} must start with its step id {step.id}.")
    return Manifest(root=root, steps=steps, final=final)
