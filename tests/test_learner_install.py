"""A learner's install (`make setup`: the ``learner`` extra only) checks every step's reference.

The repository's own tests run in the full development environment, where a dependency that
only the maintainers install never goes missing: a pytest plugin the check runner loads, or a
tool a step's test reads. So this test builds the learner's environment as `make setup` does,
with uv and the pinned constraints, in a scratch folder, and runs `workshop check NN --solution`
with it for every step.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STEP_IDS = [step["id"] for step in tomllib.loads((ROOT / "steps/steps.toml").read_text())["steps"]]
INSTALL_TIMEOUT_SECONDS = 600
CHECK_TIMEOUT_SECONDS = 300


def unavailable(reason: str) -> None:
    """Skip without what the install needs, unless REQUIRE_SERVICES=1 makes that a failure."""
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def learner_environment() -> dict[str, str]:
    """This process's environment without the variables that point at the development install."""
    hidden = {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME"}
    return {key: value for key, value in os.environ.items() if key not in hidden}


@pytest.fixture(scope="module")
def learner_bin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bin folder of a new environment holding the workshop with the learner extra only."""
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if uv is None:
        unavailable("uv is not installed (make setup installs it into .venv)")
    venv = tmp_path_factory.mktemp("learner") / "venv"
    steps = [
        [uv, "venv", "--quiet", "--python", sys.executable, str(venv)],
        [
            uv,
            "pip",
            "install",
            "--quiet",
            # As `make setup` does: each check writes no bytecode for the reference, so without
            # it every check would compile the libraries again.
            "--compile-bytecode",
            "--python",
            str(venv / "bin" / "python"),
            "-c",
            str(ROOT / "constraints.txt"),
            "-e",
            f"{ROOT}[learner]",
        ],
    ]
    for command in steps:
        result = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT_SECONDS,
            env=learner_environment(),
            check=False,
        )
        if result.returncode != 0:
            unavailable(f"the learner's install failed (no package index?): {result.stderr[-800:]}")
    return venv / "bin"


def test_the_learners_install_has_no_maintainer_tools(learner_bin: Path) -> None:
    """The point of the test: the environment really is the learner's, not the full one."""
    assert (learner_bin / "workshop").is_file()
    assert not (learner_bin / "ruff").exists()
    assert not (learner_bin / "jupyter-lab").exists()


@pytest.mark.parametrize("step_id", STEP_IDS)
def test_a_learners_install_checks_the_steps_reference(learner_bin: Path, step_id: str) -> None:
    result = subprocess.run(
        [str(learner_bin / "workshop"), "check", step_id, "--solution"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=CHECK_TIMEOUT_SECONDS,
        env={**learner_environment(), "WORKSHOP_ROOT": str(ROOT), "NO_COLOR": "1"},
        check=False,
    )
    printed = result.stdout + result.stderr
    assert result.returncode == 0, printed[-3000:]
    assert "tasks done" in printed
