"""``workshop manifest``: write each step's ``changes`` from the trees, or check they are current.

The lists name every file and symbol a step adds, changes or removes, so keeping them by hand is
a chore that goes stale. They are generated instead, and a maintainer reviews the diff. Only the
``changes = [...]`` arrays are rewritten; every other byte of steps/steps.toml (tasks, hints,
comments) stays as it is.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from workshop.lineage import step_changes
from workshop.manifest import MANIFEST, Manifest, ManifestError, Step

# A table header at the start of a line: ``[[steps]]``, ``[[steps.tasks]]``, ``[final]``...
HEADER = re.compile(r"^\[")
CHANGES = re.compile(r"^changes[ \t]*=")
# The lines git writes around the two sides of a conflict.
CONFLICT = re.compile(r"^(<{7}|\|{7}|={7}|>{7})( .*)?$")


def generated_changes(manifest: Manifest) -> dict[str, list[str]]:
    """Each comparable step's id and the entries its ``changes`` should hold, sorted."""
    lists: dict[str, list[str]] = {}
    for step in [*manifest.steps, manifest.final]:
        changes = step_changes(manifest, step)
        if changes is not None:
            lists[step.id] = sorted(change.entry for change in changes)
    return lists


def stale_entries(manifest: Manifest) -> dict[str, tuple[list[str], list[str]]]:
    """For each step whose list is out of date: the entries missing from it, and the extra ones."""
    stale: dict[str, tuple[list[str], list[str]]] = {}
    for step_id, entries in generated_changes(manifest).items():
        listed = set(manifest.step(step_id).changes)
        missing, extra = sorted(set(entries) - listed), sorted(listed - set(entries))
        if missing or extra:
            stale[step_id] = (missing, extra)
    return stale


def changes_block(entries: list[str]) -> list[str]:
    """The TOML lines of one ``changes`` array: one entry a line, so a diff reads line by line."""
    if not entries:
        return ["changes = []\n"]
    return ["changes = [\n", *(f'    "{entry}",\n' for entry in entries), "]\n"]


def _array_end(lines: list[str], start: int) -> int:
    """The index just past a ``changes`` array that begins on line ``start``."""
    end = start
    while not lines[end].split("#", 1)[0].rstrip().endswith("]"):
        end += 1
        if end == len(lines):
            raise ManifestError(f"{MANIFEST}: the changes array of line {start + 1} never ends")
    return end + 1


def _table_id(lines: list[str], header: int, end: int) -> str | None:
    """The step id of the table starting at ``header``: its ``id`` key, or ``final``."""
    if lines[header].startswith("[final]"):
        return "final"
    if not lines[header].startswith("[[steps]]"):
        return None
    for line in lines[header + 1 : end]:
        found = re.match(r'^id[ \t]*=[ \t]*"([^"]*)"', line)
        if found:
            return found[1]
    return None


def rewrite_changes(text: str, lists: dict[str, list[str]]) -> str:
    """The manifest's text with the ``changes`` of the steps in ``lists`` replaced.

    A step without a ``changes`` key gets one after its last key, before its first sub-table.
    """
    lines = text.splitlines(keepends=True)
    headers = [number for number, line in enumerate(lines) if HEADER.match(line)]
    output = lines[: headers[0]] if headers else lines
    for index, header in enumerate(headers):
        end = headers[index + 1] if index + 1 < len(headers) else len(lines)
        table = lines[header:end]
        step_id = _table_id(lines, header, end)
        if step_id in lists:
            table = _with_changes(table, lists[step_id])
        output += table
    return "".join(output)


def _with_changes(table: list[str], entries: list[str]) -> list[str]:
    """One table's lines with its ``changes`` array replaced, or added after its last key."""
    block = changes_block(entries)
    for number, line in enumerate(table):
        if CHANGES.match(line):
            return [*table[:number], *block, *table[_array_end(table, number) :]]
    # Trailing blank lines and comments belong to the table that follows: insert before them.
    last = max(n for n, line in enumerate(table) if line.strip() and not line.startswith("#"))
    return [*table[: last + 1], *block, *table[last + 1 :]]


def settle_changes_conflicts(text: str) -> str:
    """The manifest's text without the conflict markers that a merge left inside ``changes``.

    Both sides' entries stay, which TOML allows in an array, and ``--update`` rewrites every list
    from the trees right after: so a merge whose only conflicts are in these lists needs no hand
    work. Markers anywhere else are left for the maintainer, and reading the manifest then fails.
    """
    lines = text.splitlines(keepends=True)
    kept: list[str] = []
    inside = False
    for line in lines:
        bare = line.rstrip("\r\n")
        if CHANGES.match(line):
            inside = True
        if not (inside and CONFLICT.match(bare)):
            kept.append(line)
        if inside and bare.split("#", 1)[0].rstrip().endswith("]"):
            inside = False
    return "".join(kept)


def settle_manifest_conflicts(root: Path) -> None:
    """Remove the conflict markers inside the ``changes`` lists of the manifest at ``root``."""
    path = root / MANIFEST
    text = path.read_text(encoding="utf-8")
    settled = settle_changes_conflicts(text)
    if settled != text:
        path.write_text(settled, encoding="utf-8")


def update_manifest(manifest: Manifest) -> bool:
    """Write the generated ``changes`` into steps/steps.toml; True when the file changed."""
    path = manifest.root / MANIFEST
    text = path.read_text(encoding="utf-8")
    lists = generated_changes(manifest)
    updated = rewrite_changes(text, lists)
    # Read the result back: a rewrite that TOML reads differently must never be written.
    steps: list[Step] = [*manifest.steps, manifest.final]
    data = tomllib.loads(updated)
    tables = {str(raw["id"]): raw for raw in data["steps"]} | {"final": data["final"]}
    for step in steps:
        expected = lists.get(step.id, list(step.changes))
        if list(tables[step.id].get("changes", [])) != expected:
            raise ManifestError(f"{MANIFEST}: could not rewrite the changes of step {step.id}")
    if updated == text:
        return False
    path.write_text(updated, encoding="utf-8")
    return True
