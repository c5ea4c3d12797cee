"""Unified diffs between two versions of a step, with task marker lines hidden.

``workshop diff 03`` reads like chapter 03: only what that step teaches shows up.
"""

from __future__ import annotations

import difflib
from pathlib import Path

from workshop.lineage import comparable
from workshop.tree import step_files


def _lines(path: Path) -> list[str]:
    if not path.is_file():
        return []
    try:
        return comparable(path).decode("utf-8").splitlines(keepends=True)
    except UnicodeDecodeError:
        return ["(binary file)\n"]


def diff_folders(before: Path, after: Path, before_label: str, after_label: str) -> str:
    """The unified diff from ``before`` to ``after``, file by file, in path order."""
    files = sorted(set(step_files(before)) | set(step_files(after)))
    chunks: list[str] = []
    for relative in files:
        name = relative.as_posix()
        chunks.extend(
            difflib.unified_diff(
                _lines(before / relative),
                _lines(after / relative),
                fromfile=f"{before_label}/{name}",
                tofile=f"{after_label}/{name}",
            )
        )
    return "".join(line if line.endswith("\n") else line + "\n" for line in chunks)


def changed_files(before: Path, after: Path) -> list[str]:
    """The files that differ, were added or were removed between two folders."""
    files = sorted(set(step_files(before)) | set(step_files(after)))
    return [
        relative.as_posix()
        for relative in files
        if _lines(before / relative) != _lines(after / relative)
    ]
