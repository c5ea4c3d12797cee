"""The routes declare their OpenAPI answers in code: little of final/'s blueprints is YAML."""

import re
import subprocess
import sys
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
SCRIPT = REPOSITORY / "scripts/openapi_yaml_share.py"
MAX_SHARE = 25.0


def yaml_share(folder: Path) -> tuple[int, int, float]:
    """Run the script on one app folder and read back its figures."""
    result = subprocess.run(
        [sys.executable, str(SCRIPT), str(folder)],
        capture_output=True,
        text=True,
        check=True,
    )
    found = re.search(r": (\d+) of (\d+) lines \(([\d.]+)%\)", result.stdout)
    assert found, result.stdout
    return int(found[1]), int(found[2]), float(found[3])


def test_final_blueprints_are_under_a_quarter_docstring_yaml() -> None:
    yaml_lines, all_lines, share = yaml_share(REPOSITORY / "final")

    assert all_lines > 0
    assert share < MAX_SHARE, f"{yaml_lines} of {all_lines} blueprint lines are docstring YAML"


def test_the_script_counts_the_lines_after_a_docstrings_dashes(tmp_path: Path) -> None:
    routes = tmp_path / "app/blueprints/shelves/routes.py"
    routes.parent.mkdir(parents=True)
    routes.write_text(
        'def list_shelves() -> None:\n    """List shelves.\n    ---\n    get:\n\n'
        '      tags: [shelves]\n    """\n'
    )

    assert yaml_share(tmp_path) == (2, 7, 28.6)
