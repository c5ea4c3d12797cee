"""Print how much of each app's blueprint code is OpenAPI YAML written in docstrings.

The YAML lines are the non-blank lines after a docstring's ``---``; the share is their count
against every line of the app's ``app/blueprints`` files. Routes declare their answers with
``@operation`` instead, so the figure says how much of what a learner reads is still typed twice.

Usage: ``python scripts/openapi_yaml_share.py [APP_FOLDER ...]`` (default: final/ and each step).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent


class Share(NamedTuple):
    """The YAML lines and all lines of one app's blueprint files."""

    yaml_lines: int
    all_lines: int

    @property
    def percent(self) -> float:
        """The YAML lines as a percentage of all lines (0 for an app without blueprints)."""
        return 100 * self.yaml_lines / self.all_lines if self.all_lines else 0.0


def docstring_yaml_lines(source: str) -> int:
    """The non-blank lines after ``---`` in every docstring of ``source``."""
    count = 0
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            docstring = ast.get_docstring(node, clean=True) or ""
            lines = docstring.splitlines()
            if "---" in (line.strip() for line in lines):
                after = lines[[line.strip() for line in lines].index("---") + 1 :]
                count += sum(1 for line in after if line.strip())
    return count


def yaml_share(app_folder: Path) -> Share:
    """The share of docstring YAML in ``app_folder/app/blueprints``."""
    yaml_lines = all_lines = 0
    for path in sorted((app_folder / "app" / "blueprints").rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        yaml_lines += docstring_yaml_lines(source)
        all_lines += len(source.splitlines())
    return Share(yaml_lines, all_lines)


def main(arguments: list[str]) -> int:
    """Print one line per app: its folder, the YAML lines, all lines and the percentage."""
    folders = [Path(argument) for argument in arguments] or [
        *sorted((ROOT / "steps").glob("[0-9][0-9]-*")),
        ROOT / "final",
    ]
    for folder in folders:
        share = yaml_share(folder)
        name = (
            folder.resolve().relative_to(ROOT) if folder.resolve().is_relative_to(ROOT) else folder
        )
        print(f"{name}: {share.yaml_lines} of {share.all_lines} lines ({share.percent:.1f}%)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
