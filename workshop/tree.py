"""The files that make up a step: what is copied, compared and diffed.

Caches, local databases and virtual environments are left out, so a step that has been run
compares equal to a fresh checkout of it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

IGNORED_DIRS = frozenset(
    {
        "__pycache__",
        ".pytest_cache",
        ".mypy_cache",
        ".ruff_cache",
        ".venv",
        "instance",
        "htmlcov",
        "node_modules",
        ".hypothesis",
    }
)
IGNORED_SUFFIXES = frozenset({".pyc", ".pyo", ".db", ".sqlite3"})
IGNORED_NAMES = frozenset({".coverage", ".env", ".DS_Store"})


def is_ignored(relative: Path) -> bool:
    """True for caches and local state that belong to no step."""
    if any(part in IGNORED_DIRS or part.endswith(".egg-info") for part in relative.parts):
        return True
    return relative.suffix in IGNORED_SUFFIXES or relative.name in IGNORED_NAMES


def step_files(folder: Path) -> list[Path]:
    """The step's files as paths relative to its folder, sorted, in POSIX form on every OS."""
    files = (path.relative_to(folder) for path in folder.rglob("*") if path.is_file())
    return sorted(path for path in files if not is_ignored(path))


def copy_step(source: Path, target: Path) -> None:
    """Copy a step's files (not its caches) into ``target``, which must not exist yet."""
    for relative in step_files(source):
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / relative, destination)
