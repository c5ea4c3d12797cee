"""The lineage check: code changes from one step to the next only where the manifest says so.

This is what stops a fix made in step 02 from silently never reaching steps 03 to 07. Python files
are compared symbol by symbol (workshop/symbols.py names them), so listing a file no longer lets
every function in it drift: each function, class, method and the module's other lines must be
named in ``changes`` to differ. Other files (README.md, Dockerfile, toml, yaml) are compared whole.
Task marker lines are exercise scaffolding, so they are removed before comparing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from workshop.manifest import Manifest, Step
from workshop.markers import strip_markers
from workshop.symbols import MODULE, split_symbols
from workshop.tree import step_files

Kind = Literal["added", "removed", "changed"]
SEPARATOR = "::"


@dataclass(frozen=True)
class Change:
    """One entry of a step's ``changes``: a file path, or ``path::symbol`` inside a Python file."""

    entry: str
    kind: Kind

    @property
    def is_symbol(self) -> bool:
        """True for ``path::symbol``, False for a whole file."""
        return SEPARATOR in self.entry


def comparable(path: Path) -> bytes:
    """A file's content as the lineage check sees it: Python files without marker lines."""
    if path.suffix == ".py":
        return strip_markers(path.read_text(encoding="utf-8")).encode("utf-8")
    return path.read_bytes()


def _symbols(path: Path) -> dict[str, str] | None:
    """The file's symbols, or None when it is not Python (or not valid Python): compare it whole."""
    if path.suffix != ".py":
        return None
    try:
        return split_symbols(path.read_text(encoding="utf-8"))
    except SyntaxError:
        return None


def _file_changes(relative: str, before: Path, after: Path) -> list[Change]:
    """What differs in one file that both steps have: its symbols, or the file as a whole."""
    if comparable(before) == comparable(after):
        return []
    old, new = _symbols(before), _symbols(after)
    if old is None or new is None:
        return [Change(relative, "changed")]
    changes = [Change(f"{relative}{SEPARATOR}{name}", "removed") for name in old.keys() - new]
    changes += [Change(f"{relative}{SEPARATOR}{name}", "added") for name in new.keys() - old]
    changes += [
        Change(f"{relative}{SEPARATOR}{name}", "changed")
        for name in old.keys() & new
        if old[name] != new[name]
    ]
    # Only blank lines differ: no symbol changed, yet the learner's diff would show the file.
    return changes or [Change(f"{relative}{SEPARATOR}{MODULE}", "changed")]


def folder_changes(before_folder: Path, after_folder: Path) -> list[Change]:
    """Everything that differs from one step's folder to the next's, sorted by entry."""
    before = {path.as_posix() for path in step_files(before_folder)}
    after = {path.as_posix() for path in step_files(after_folder)}
    changes = [Change(path, "removed") for path in before - after]
    changes += [Change(path, "added") for path in after - before]
    for relative in before & after:
        changes += _file_changes(relative, before_folder / relative, after_folder / relative)
    return sorted(changes, key=lambda change: change.entry)


def step_changes(manifest: Manifest, step: Step) -> list[Change] | None:
    """What ``step`` changes from the step it follows, or None when there is none to compare."""
    previous = manifest.previous(step)
    if previous is None or (step.after and previous.id != step.after):
        return None
    before, after = manifest.path(previous), manifest.path(step)
    if not before.is_dir() or not after.is_dir():
        return None
    return folder_changes(before, after)


def _step_range(ids: list[str]) -> str:
    """``03..07, final`` for the ids of the steps a change did not reach."""
    numbered = [step_id for step_id in ids if step_id != "final"]
    words = [f"{numbered[0]}..{numbered[-1]}"] if len(numbered) > 2 else numbered
    words += ["final"] if "final" in ids else []
    plural = len(words) > 1 or len(numbered) > 1
    return ("steps " if plural else "step " if numbered else "") + ", ".join(words)


def entry_text(folder: Path, entry: str) -> str | None:
    """The text of one ``changes`` entry in a step's folder, or None where it does not exist."""
    path, _, symbol = entry.partition(SEPARATOR)
    file = folder / path
    if not file.is_file():
        return None
    if not symbol:
        return comparable(file).decode("utf-8", errors="replace")
    return (_symbols(file) or {}).get(symbol)


def unreached(manifest: Manifest, step: Step, entry: str) -> list[str]:
    """The ids of ``step`` and of the later steps that an edit made to ``entry`` before it missed.

    ``step`` differs from its predecessor in ``entry``. The lines only ``step`` has are the ones
    the edit replaced: every later step that still holds one of them (or, for an edit that only
    added lines, lacks one of those) has not received it either. The search stops at the first
    step that has neither, or no such entry.
    """
    previous = manifest.previous(step)
    edited = entry_text(manifest.path(previous), entry) if previous else None
    behind = entry_text(manifest.path(step), entry)
    if edited is None or behind is None:
        return [step.id]
    replaced = set(behind.splitlines()) - set(edited.splitlines())
    added = set(edited.splitlines()) - set(behind.splitlines())
    chain = [*manifest.steps, manifest.final]
    ids: list[str] = []
    for later in chain[chain.index(step) :]:
        text = entry_text(manifest.path(later), entry)
        if text is None:
            break
        lines = set(text.splitlines())
        if not (replaced & lines if replaced else added - lines):
            break
        ids.append(later.id)
    return ids or [step.id]


def _unlisted(manifest: Manifest, step: Step, previous: Step, change: Change) -> str:
    where = f"{step.folder}/{change.entry}"
    if change.kind == "changed":
        reach = _step_range(unreached(manifest, step, change.entry))
        return (
            f"{where}: differs from {previous.folder} but is not listed in changes: the edit in"
            f" {previous.folder} has not reached {reach} (forward it, or list {change.entry}"
            f" in step {step.id}'s changes)"
        )
    return f"{where}: {change.kind} but not listed in changes"


def _stale(step: Step, previous: Step, entry: str, after: set[str]) -> str:
    where = f"{step.folder}/{entry}"
    path, _, symbol = entry.partition(SEPARATOR)
    if not symbol and path.endswith(".py") and path in after:
        return (
            f"{where}: a Python file is listed by its symbols, not as a whole file"
            " (run 'workshop manifest --update')"
        )
    return f"{where}: listed in changes but identical to {previous.folder} or not found"


def lineage_problems(manifest: Manifest, step: Step) -> list[str]:
    """Every way in which ``step`` departs from its predecessor beyond its listed changes.

    A changed symbol or file, and a file added or removed, must be listed. A symbol that is new or
    removed in a listed file need not be (it cannot be a fix that failed to travel), but
    ``workshop manifest --update`` lists it, so the chapter can name it. Anything listed must
    really differ.
    """
    previous = manifest.previous(step)
    if previous is None:
        return []
    if not manifest.path(previous).is_dir():
        return [f"{step.folder}: cannot check lineage, {previous.folder} does not exist"]
    changes = step_changes(manifest, step) or []
    listed = set(step.changes)
    problems = [
        _unlisted(manifest, step, previous, change)
        for change in changes
        if change.entry not in listed and not (change.is_symbol and change.kind != "changed")
    ]
    found = {change.entry for change in changes}
    after = {path.as_posix() for path in step_files(manifest.path(step))}
    problems += [_stale(step, previous, entry, after) for entry in sorted(listed - found)]
    return problems
