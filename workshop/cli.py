"""The ``workshop`` command: what a learner types during the class, and what maintainers verify.

Run ``workshop --help`` for the commands. Every command reads steps/steps.toml.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from rich.console import Console

from workshop.diffing import diff_folders
from workshop.feedback import other_failures, relative_folder, task_outcomes
from workshop.manifest import Manifest, ManifestError, Step, Task, load_manifest
from workshop.markers import MarkerError
from workshop.runner import RunResult, available_cores, run_tests
from workshop.screen import make_console, progress, task_block
from workshop.stubs import stub_messages
from workshop.watch import watch_step
from workshop.workspace import (
    WorkspaceError,
    catch_up,
    learner_copy,
    load_progress,
    next_hint,
    record_progress,
    served_database,
    start,
    timings_file,
)


def find_root() -> Path:
    """The workshop's folder: ``WORKSHOP_ROOT`` if set, else the checkout this package lives in."""
    configured = os.environ.get("WORKSHOP_ROOT")
    return Path(configured).resolve() if configured else Path(__file__).resolve().parent.parent


def cmd_list(manifest: Manifest, _: argparse.Namespace) -> int:
    """Print every step with its timings and the learner's progress."""
    progress = load_progress(manifest)
    for step in manifest.steps:
        passed = sum(progress.tasks.get(step.id, {}).values())
        minutes = f"{step.teach_minutes}+{step.exercise_minutes} min"
        if step.id in progress.reference:
            state = "the reference (catch-up), not your work"
        else:
            state = "started" if learner_copy(manifest, step).exists() else ""
        tasks = f"{passed}/{len(step.tasks)} tasks"
        print(f"{step.id}  {step.title:<34} {minutes:>12}  {tasks}  {state}")
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
    print(f"Search for 'BEGIN TASK' in it, then run: workshop watch {step.id}")
    print(f"(or 'workshop check {step.id}' to run every test once)")
    return 0


def _task_report(console: Console, step: Step, run: RunResult, folder: str) -> dict[str, bool]:
    """Print each task's status and first failure, then the tests of earlier work."""
    outcomes = task_outcomes(step, run, folder)
    for outcome in outcomes:
        console.print(task_block(step, outcome))
    total, broken = other_failures(step, run)
    console.print(f"  other tests: {total - len(broken)} of {total} pass")
    for test in broken:
        console.print(f"        {test.nodeid}: {test.message}", markup=False)
    return {outcome.task.id: outcome.passed for outcome in outcomes}


def cmd_check(manifest: Manifest, args: argparse.Namespace) -> int:
    """Run a step's tests on the learner's copy (or the reference) and report task by task."""
    step = manifest.step(args.step)
    if step is manifest.final and not args.solution:
        print("final/ has no exercises: 'workshop check final --solution' runs its tests.")
        return 2
    folder = manifest.path(step) if args.solution else learner_copy(manifest, step)
    if not folder.is_dir():
        print(f"No copy of step {step.id} yet: run 'workshop start {step.id}' first.")
        return 2
    console = make_console()
    where = relative_folder(folder, manifest.root)
    print(f"Step {step.id} - {step.title} ({where})")
    run = run_tests(
        folder,
        step.pytest_args,
        services=step.services,
        bytecode=not args.solution,
        processes=available_cores(),
        timings=None if args.solution else timings_file(manifest, step),
    )
    if not run.tests:
        print(run.output[-3000:])
        print("No test ran: the output above says why.")
        return 1
    passed = _task_report(console, step, run, where)
    if not args.solution:
        record_progress(manifest, step, passed)
    console.print(progress(console, sum(passed.values()), len(step.tasks)))
    if run.returncode == 0:
        print("Well done!" if step.tasks else "Every test passes.")
    return 0 if run.returncode == 0 else 1


def cmd_watch(manifest: Manifest, args: argparse.Namespace) -> int:
    """Check the learner's copy on every save and show the task at hand on one screen."""
    step = manifest.step(args.step)
    if not step.tasks:
        print(f"Step {step.id} has no exercises to watch: 'workshop serve {step.id}' runs it.")
        return 2
    if not learner_copy(manifest, step).is_dir():
        print(f"No copy of step {step.id} yet: run 'workshop start {step.id}' first.")
        return 2
    return watch_step(manifest, step, make_console())


def cmd_hint(manifest: Manifest, args: argparse.Namespace) -> int:
    """Print the next hint of a task: a nudge first, nearer the answer on each further ask."""
    step = manifest.step(args.step)
    if not step.tasks:
        print(f"Step {step.id} has no exercises, so it has no hints.")
        return 2
    task = step.task(args.task) if args.task else _first_unfinished(manifest, step)
    shown = next_hint(manifest, task)
    print(f"{task.id}  {task.title}\n  {task.text}")
    for level, hint in enumerate(task.hints[:shown], start=1):
        print(f"  hint {level} of {len(task.hints)}: {hint}")
    if shown < len(task.hints):
        print(f"  Still stuck? Ask again ('workshop hint {step.id} {task.id}') for a nearer hint.")
    print(f"The chapter: docs/{step.chapter}")
    return 0


def _first_unfinished(manifest: Manifest, step: Step) -> Task:
    """The first task of the step the learner's latest check did not pass (else the last)."""
    done = load_progress(manifest).tasks.get(step.id, {})
    return next((task for task in step.tasks if not done.get(task.id)), step.tasks[-1])


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
    if args.solutions:
        print(f"Warning: this diff holds the solutions of step {step.id}'s tasks.")
        print(diff_folders(before, after, previous.folder, step.folder), end="")
        return 0
    stubs = stub_messages(step.tasks)
    print(diff_folders(before, after, previous.folder, step.folder, stubs=stubs), end="")
    if step.tasks:
        solved = f"'workshop diff {step.id} --solutions'"
        print(f"(Each task shows its stub here; {solved} shows the tasks solved.)")
    return 0


def cmd_catch_up(manifest: Manifest, args: argparse.Namespace) -> int:
    """Replace the learner's copy of a step with the reference, keeping the old copy aside."""
    step = manifest.step(args.step)
    target, aside = catch_up(manifest, step)
    if aside:
        print(f"Your copy is kept in {aside.relative_to(manifest.root)}")
    print(f"{target.relative_to(manifest.root)} now holds the reference of step {step.id}.")
    print("'workshop list' marks it as the reference until you 'workshop start' it again.")
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
    if args.mine and step is manifest.final:
        print("final/ has no copy of yours: 'workshop serve final' serves it.")
        return 2
    if not folder.is_dir():
        print(f"No copy of step {step.id} yet: run 'workshop start {step.id}' first.")
        return 2
    env = {
        **os.environ,
        "APP_CONFIG": os.environ.get("APP_CONFIG", "development"),
        "DATABASE_URL": os.environ.get("DATABASE_URL", served_database(manifest, step, args.mine)),
    }
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    for command in step.serve:
        subprocess.run([*flask, *command], cwd=folder, env=env, check=True)  # noqa: S603
    where = folder.relative_to(manifest.root).as_posix()
    whose = "your copy" if args.mine else "the reference; add --mine to serve your copy"
    print(f"Serving {where} ({whose}); open these in a browser or with curl:")
    for link in step.links:
        print(f"  http://127.0.0.1:{args.port}{link}")
    serve = [*flask, "run", "--port", str(args.port)]
    return subprocess.run(serve, cwd=folder, env=env, check=False).returncode  # noqa: S603


def cmd_verify(manifest: Manifest, args: argparse.Namespace) -> int:
    """Prove every step's exercises work both ways and the lineage holds."""
    # Imported here, not at the top: a learner's commands never load the maintainers' code.
    from workshop.verify import verify, verify_lineage

    steps = [manifest.step(step_id) for step_id in args.steps] or [*manifest.steps, manifest.final]
    results = verify_lineage(manifest, steps) if args.lineage_only else verify(manifest, steps)
    failed = [result for result in results if result.problems]
    skipped = [result for result in results if result.skipped]
    for result in results:
        status = "SKIP" if result.skipped else "FAIL" if result.problems else "PASS"
        print(f"{status}  {result.name}" + (f" ({result.skipped})" if result.skipped else ""))
        for problem in result.problems:
            print(f"      {problem}")
        for figure in result.figures:
            print(f"      {figure}")
    passed = len(results) - len(failed) - len(skipped)
    print(f"verify: {passed} passed, {len(failed)} failed, {len(skipped)} skipped")
    return 1 if failed else 0


def cmd_manifest(manifest: Manifest, args: argparse.Namespace) -> int:
    """Write the steps' ``changes`` lists from the trees (--update), or fail if they are stale."""
    from workshop.manifest_update import stale_entries, update_manifest  # maintainers' code

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
    sub = commands.add_parser("watch", help="check your copy on every save, one task at a time")
    sub.add_argument("step")
    sub.set_defaults(run=cmd_watch)
    sub = commands.add_parser("hint", help="the next hint of a task (the first unfinished one)")
    sub.add_argument("step")
    sub.add_argument("task", nargs="?")
    sub.set_defaults(run=cmd_hint)
    sub = commands.add_parser("diff", help="what a step changes from the one before")
    sub.add_argument("step")
    choice = sub.add_mutually_exclusive_group()
    choice.add_argument("--mine", action="store_true", help="your copy against the reference")
    choice.add_argument("--solutions", action="store_true", help="show the tasks solved too")
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
    """Run the ``workshop`` command (``workshop.launch`` checks the environment first)."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "manifest" and args.update:
            # After a merge, steps.toml may hold conflicts in the lists about to be regenerated.
            from workshop.manifest_update import settle_manifest_conflicts

            settle_manifest_conflicts(find_root())
        manifest = load_manifest(find_root())
        code: int = args.run(manifest, args)
    except (ManifestError, WorkspaceError, MarkerError) as error:
        print(f"workshop: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        # Ctrl-C is how a learner stops `serve` or a long `check`: no traceback for that.
        print("Interrupted.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`workshop list | head -1`): stop quietly, as Unix tools do.
        # Python would complain again when it flushes stdout at exit, so point it at nothing.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    return code
