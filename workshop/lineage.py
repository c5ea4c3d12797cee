"""The lineage check: a file changes from one step to the next only when the manifest says so.

This is what stops a fix made in step 02 from silently never reaching steps 03 to 07.
Task marker lines are exercise scaffolding, so files are compared with them removed.
"""

from __future__ import annotations

from pathlib import Path

from workshop.manifest import Manifest, Step
from workshop.markers import strip_markers
from workshop.tree import step_files


def comparable(path: Path) -> bytes:
    """A file's content as the lineage check sees it: Python files without marker lines."""
    if path.suffix == ".py":
        return strip_markers(path.read_text(encoding="utf-8")).encode("utf-8")
    return path.read_bytes()


def lineage_problems(manifest: Manifest, step: Step) -> list[str]:
    """Every way in which ``step`` departs from its predecessor beyond its listed changes."""
    previous = manifest.previous(step)
    if previous is None:
        return []
    before_folder, after_folder = manifest.path(previous), manifest.path(step)
    if not before_folder.is_dir():
        return [f"{step.folder}: cannot check lineage, {previous.folder} does not exist"]
    before, after = set(step_files(before_folder)), set(step_files(after_folder))
    listed = {Path(path) for path in step.changes}
    problems: list[str] = []
    for relative in sorted(before - after - listed):
        problems.append(f"{step.folder}/{relative.as_posix()}: removed but not listed in changes")
    for relative in sorted(after - before - listed):
        problems.append(f"{step.folder}/{relative.as_posix()}: added but not listed in changes")
    for relative in sorted(before & after):
        same = comparable(before_folder / relative) == comparable(after_folder / relative)
        where = f"{step.folder}/{relative.as_posix()}"
        if not same and relative not in listed:
            problems.append(
                f"{where}: differs from {previous.folder} but is not listed in changes"
                " (forward the fix from the earlier step, or list the file)"
            )
        if same and relative in listed:
            problems.append(f"{where}: listed in changes but identical to {previous.folder}")
    for relative in sorted(listed - before - after):
        problems.append(f"{step.folder}/{relative.as_posix()}: listed in changes but not found")
    return problems
