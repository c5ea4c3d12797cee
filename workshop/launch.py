"""The ``workshop`` command's entry point: check the environment, then load the command.

The command itself imports rich and watchfiles; run from the wrong Python, that import would end
in a traceback. Checking first turns it into one sentence that says what to do.
"""

from __future__ import annotations

import importlib.util
import sys

# One package from each install the command relies on: the app's, the tests' and its own screen.
NEEDED_PACKAGES = ("flask", "pytest", "rich", "watchfiles")


def main() -> int:
    """Run the ``workshop`` command, or say why this Python cannot."""
    missing = [name for name in NEEDED_PACKAGES if importlib.util.find_spec(name) is None]
    if missing:
        print(
            f"The workshop's virtual environment is missing ({', '.join(missing)} not found)."
            " Run 'make setup' first (on Windows, see the README), then use .venv's workshop.",
            file=sys.stderr,
        )
        return 2
    from workshop.cli import main as run_command

    return run_command()
