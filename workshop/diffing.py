"""Unified diffs between two versions of a step, with task marker lines hidden.

``workshop diff 03`` reads like chapter 03: only what that step teaches shows up. By default the
newer side shows each task's stub instead of its solution, so the diff can be read before the
exercises without giving them away.
"""

from __future__ import annotations

import difflib
from pathlib import Path

from workshop.markers import strip_markers, stub_text
from workshop.tree import step_files


def _lines(path: Path, stubs: dict[str, str]) -> list[str]:
    """A file's lines as a diff shows them: no marker lines, and the tasks in ``stubs`` stubbed."""
    if not path.is_file():
        return []
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return ["(binary file)\n"]
    if path.suffix == ".py":
        text = strip_markers(stub_text(text, stubs) if stubs else text)
    return text.splitlines(keepends=True)


def diff_folders(
    before: Path,
    after: Path,
    before_label: str,
    after_label: str,
    *,
    stubs: dict[str, str] | None = None,
) -> str:
    """The unified diff from ``before`` to ``after``, file by file, in path order.

    ``stubs`` (task id to stub message) replaces those tasks' regions on the ``after`` side by
    their stubs: the diff then shows where a learner writes, not what.
    """
    files = sorted(set(step_files(before)) | set(step_files(after)))
    chunks: list[str] = []
    for relative in files:
        name = relative.as_posix()
        chunks.extend(
            difflib.unified_diff(
                _lines(before / relative, {}),
                _lines(after / relative, stubs or {}),
                fromfile=f"{before_label}/{name}",
                tofile=f"{after_label}/{name}",
            )
        )
    return "".join(line if line.endswith("\n") else line + "\n" for line in chunks)
