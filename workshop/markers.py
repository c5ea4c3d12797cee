"""Task markers: find the regions a learner writes, replace them with stubs, or hide them.

A region is the block between ``# BEGIN TASK NN.K`` and ``# END TASK``. It must hold whole
statements, so that swapping it for ``raise NotImplementedError(...)`` keeps the file valid Python.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

BEGIN = re.compile(r"^(?P<indent>[ \t]*)# BEGIN TASK (?P<task>\d{2}\.\d+)[ \t]*$")
END = re.compile(r"^[ \t]*# END TASK[ \t]*$")
# A test's own marker line: ``@pytest.mark.task("04.2")`` or ``pytestmark = pytest.mark.task(...)``.
TEST_MARK = re.compile(r"^[ \t]*(@|pytestmark[ \t]*=[ \t]*)pytest\.mark\.task\([^()]*\)[ \t]*$")


class MarkerError(Exception):
    """A BEGIN without its END, an END without its BEGIN, or regions nested inside each other."""


@dataclass(frozen=True)
class Region:
    """Where one task's region sits: lines are 1-based and include both markers."""

    path: Path
    task: str
    begin: int
    end: int


def find_regions(path: Path, text: str) -> list[Region]:
    """List the task regions in one file's text, checking that markers pair up."""
    regions: list[Region] = []
    open_task: tuple[str, int] | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        begin = BEGIN.match(line)
        if begin and open_task:
            raise MarkerError(f"{path}:{number}: task {begin['task']} starts inside {open_task[0]}")
        if begin:
            open_task = (begin["task"], number)
        elif END.match(line):
            if open_task is None:
                raise MarkerError(f"{path}:{number}: END TASK without a BEGIN TASK")
            regions.append(Region(path, open_task[0], open_task[1], number))
            open_task = None
    if open_task:
        raise MarkerError(f"{path}:{open_task[1]}: task {open_task[0]} has no END TASK")
    return regions


def stub_text(text: str, messages: dict[str, str]) -> str:
    """Replace the body of every region whose task is in ``messages`` with a raising stub.

    The markers stay, so the learner sees where to write; the stub raises, so tests fail loudly
    instead of passing by accident.
    """
    lines = text.splitlines(keepends=True)
    output: list[str] = []
    skipping = False
    for line in lines:
        begin = BEGIN.match(line.rstrip("\r\n"))
        if begin and begin["task"] in messages:
            message = messages[begin["task"]]
            output.append(line)
            # json.dumps gives a double-quoted literal that is also valid Python.
            literal = json.dumps(message, ensure_ascii=False)
            output.append(f"{begin['indent']}raise NotImplementedError({literal})\n")
            skipping = True
        elif skipping and END.match(line.rstrip("\r\n")):
            output.append(line)
            skipping = False
        elif not skipping:
            output.append(line)
    return "".join(output)


def is_marker_line(line: str) -> bool:
    """True for a region's BEGIN or END line and for a test's one-line task marker."""
    bare = line.rstrip("\r\n")
    return bool(BEGIN.match(bare) or END.match(bare) or TEST_MARK.match(bare))


def strip_markers(text: str) -> str:
    """Remove the marker lines themselves, keeping the code between them.

    Diffs and the lineage check compare files this way: which task a line belongs to is exercise
    scaffolding, so final/ can go without markers and a step can drop an earlier step's.
    """
    kept = (line for line in text.splitlines(keepends=True) if not is_marker_line(line))
    return "".join(kept)


def regions_in(files: Iterable[Path]) -> list[Region]:
    """Every task region in the given Python files."""
    regions: list[Region] = []
    for path in files:
        if path.suffix == ".py":
            regions.extend(find_regions(path, path.read_text(encoding="utf-8")))
    return regions
