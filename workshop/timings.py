"""How long each test file of a learner's copy took in its latest run, kept between checks.

A check deals a step's test files out to one pytest run per core, and it ends when the slowest
run does. A file's size guesses its time before anything has run; the time the file took last
time is a better guess, which CI test splitters use for the same reason. Kept in a small JSON
file under workspace/, it is only a guide: a missing or damaged file means dealing by size.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path


def load(path: Path) -> dict[str, float]:
    """The seconds last recorded per test file (paths as pytest names them), or none."""
    try:
        recorded = json.loads(path.read_text(encoding="utf-8"))
        return {str(file): float(seconds) for file, seconds in recorded.items()}
    except (OSError, ValueError, TypeError, AttributeError):  # none yet, or not what we wrote
        return {}


def remember(path: Path, seconds: Mapping[str, float]) -> None:
    """Update the record with these files' seconds, keeping the other files' figures."""
    if not seconds:
        return
    recorded = load(path) | dict(seconds)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written aside, then moved into place in one step: a check that is interrupted, or a watch
    # writing at the same time, never leaves half a file.
    partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    partial.write_text(json.dumps(recorded, indent=2, sort_keys=True), encoding="utf-8")
    partial.replace(path)
