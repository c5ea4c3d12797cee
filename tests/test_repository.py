"""Guards on the repository as a whole: the manifest, the briefs and the pins cannot drift apart."""

import re
import tomllib
from pathlib import Path

import pytest

from workshop.manifest import Step, load_manifest

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = load_manifest(ROOT)


def pins(text: str) -> dict[str, str]:
    """Package name (normalised) to pinned version, from requirement lines like ``Name==1.2``."""
    found = re.findall(r"^([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==([^\s;#]+)", text, re.MULTILINE)
    return {re.sub(r"[-_.]+", "-", name).lower(): version for name, version in found}


def test_every_direct_dependency_is_pinned_the_same_in_constraints() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    extra_lines = [line for extra in extras.values() for line in extra]
    direct = pins("\n".join(project["dependencies"] + extra_lines))
    locked = pins((ROOT / "constraints.txt").read_text())
    assert {name: locked.get(name) for name in direct} == direct


def test_every_step_folder_is_in_the_manifest() -> None:
    on_disk = {path.name for path in (ROOT / "steps").iterdir() if path.is_dir()}
    assert on_disk == {step.name for step in MANIFEST.steps}


@pytest.mark.parametrize("step", MANIFEST.steps, ids=lambda step: step.id)
def test_each_step_is_a_complete_app(step: Step) -> None:
    folder = ROOT / step.folder
    for required in ("README.md", "pyproject.toml", "wsgi.py", "app/__init__.py"):
        assert (folder / required).is_file(), f"{step.folder} lacks {required}"
    assert "def create_app(" in (folder / "app/__init__.py").read_text()
    assert (folder / "tests/conftest.py").is_file()


@pytest.mark.parametrize("step", MANIFEST.steps, ids=lambda step: step.id)
def test_each_brief_names_its_tasks_timings_and_chapter(step: Step) -> None:
    brief = (ROOT / step.folder / "README.md").read_text()
    assert f"# Step {step.id} - {step.title}" in brief
    assert f"Teach {step.teach_minutes} min, exercises {step.exercise_minutes} min" in brief
    assert f"docs/{step.chapter}" in brief
    for task in step.tasks:
        assert f"**{task.id} {task.title}**" in brief


def test_the_readme_first_screen_gives_the_learners_path_then_the_two_commands() -> None:
    first_screen = "\n".join((ROOT / "README.md").read_text().splitlines()[:25])
    path = ["make setup", "workshop start 01", "workshop watch 01", "workshop serve 01 --mine"]
    places = [first_screen.find(command) for command in path]
    assert -1 not in places, path
    assert places == sorted(places)
    assert "make run" in first_screen
    assert "make test" in first_screen


MAINTAINER_TOOLS = ("jupyterlab", "mkdocs-material", "ruff", "mypy", "schemathesis", "nbclient")


def test_a_learners_install_leaves_the_maintainer_tools_out() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    learner = pins("\n".join(project["dependencies"] + project["optional-dependencies"]["learner"]))
    assert not set(MAINTAINER_TOOLS) & set(learner)
    assert {"pytest", "rich", "watchfiles"} <= set(learner)
    makefile = (ROOT / "Makefile").read_text()
    setup = makefile.split("$(STAMP): pyproject.toml constraints.txt")[1].split("\n\n")[0]
    assert "$(call install,learner)" in setup
    assert "dev" not in setup


def test_ci_runs_the_readmes_test_command() -> None:
    assert "make test" in (ROOT / ".ci/run").read_text()
