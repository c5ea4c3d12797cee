"""``workshop watch NN``: re-check the learner's copy on every save and redraw one screen.

The loop rustlings made popular: save, glance, fix, save again. Each save runs the tests of the
first unfinished task and of the tasks before it (so a fix that breaks earlier work shows at once),
and the screen shows only that task: its brief, the progress bar and its first failure. Keys: h for
the next hint, n and p to look at other tasks, q to quit.
"""

from __future__ import annotations

import queue
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from rich.console import Console, Group, RenderableType
from rich.text import Text
from watchfiles import PythonFilter, watch

from workshop.feedback import TaskOutcome, other_failures, relative_folder, task_outcomes
from workshop.manifest import Manifest, Step, Task
from workshop.runner import RunResult, available_cores, run_tests
from workshop.screen import progress, task_block
from workshop.warm import WarmPytest
from workshop.workspace import learner_copy, next_hint, record_progress, timings_file

# What the loop reacts to: a save (the files that changed) or a key the learner pressed.
SAVED = "saved"
KEYS_LINE = "h hint   n next task   p previous task   q quit"


@dataclass
class WatchState:
    """What the screen shows: the latest outcome of each task, the task in view and its hints."""

    outcomes: dict[str, TaskOutcome] = field(default_factory=dict)
    focus: int = 0
    hints: list[str] = field(default_factory=list)
    suite: RunResult | None = None
    status: str = ""
    # Which test files hold each task's tests, as the runs so far collected them.
    files: dict[str, set[str]] = field(default_factory=dict)


class Watcher:
    """Runs the checks, keeps the state, and draws the screen of one step."""

    def __init__(self, manifest: Manifest, step: Step, console: Console) -> None:
        self.manifest = manifest
        self.step = step
        self.console = console
        self.folder = learner_copy(manifest, step)
        self.where = relative_folder(self.folder, manifest.root)
        self.state = WatchState()
        # Every run after the first starts with the libraries imported (warm.py).
        self.warm = WarmPytest() if WarmPytest.available() else None

    def first_unfinished(self) -> int | None:
        """The index of the first task not known to pass, or None when every task passes."""
        for index, task in enumerate(self.step.tasks):
            outcome = self.state.outcomes.get(task.id)
            if outcome is None or not outcome.passed:
                return index
        return None

    def run(self, tasks: tuple[Task, ...]) -> RunResult:
        """Run the tests of ``tasks`` only (all of the step's tests when ``tasks`` is empty).

        Once a run has shown which files hold those tasks' tests, only those files are collected:
        collecting the rest of a late step's suite would take longer than the tests themselves.
        """
        selection = (
            (*self.files_of(tasks), f"--workshop-only-tasks={','.join(task.id for task in tasks)}")
            if tasks
            else ()
        )
        run = run_tests(
            self.folder,
            (*self.step.pytest_args, *selection),
            services=self.step.services,
            bytecode=True,
            processes=available_cores(),
            timings=timings_file(self.manifest, self.step),
            warm=self.warm,
        )
        for test in run.tests:
            for task_id in test.tasks:
                self.state.files.setdefault(task_id, set()).add(test.nodeid.split("::", 1)[0])
        for outcome in task_outcomes(self.step, run, self.where):
            if not tasks or outcome.task in tasks:
                self.state.outcomes[outcome.task.id] = outcome
        return run

    def files_of(self, tasks: tuple[Task, ...]) -> list[str]:
        """The files holding the tests of ``tasks``, or none (the whole suite) while not known."""
        if any(task.id not in self.state.files for task in tasks):
            return []
        return sorted(set().union(*(self.state.files[task.id] for task in tasks)))

    def check(self, *, every_task: bool = False) -> None:
        """After a save: check up to the first unfinished task, moving on while tasks pass.

        With ``every_task`` (the first check), one run of every task's tests finds where the
        learner is.
        """
        started = time.monotonic()
        self.state.suite = None
        if every_task:
            self.run(self.step.tasks)
        index = self.first_unfinished()
        while index is not None and not every_task:
            self.run(self.step.tasks[: index + 1])
            following = self.first_unfinished()
            if following is None or following <= index:
                index = following
                break
            index = following
        if index is None:
            # Every task passes: the whole suite, once, says whether earlier work still does.
            self.state.suite = self.run(())
            index = self.first_unfinished()
        self.state.focus = index if index is not None else len(self.step.tasks) - 1
        self.state.hints = []
        passed = {task.id: self.passed(task) for task in self.step.tasks}
        record_progress(self.manifest, self.step, passed)
        seconds = time.monotonic() - started
        self.state.status = f"checked at {datetime.now():%H:%M:%S} in {seconds:.1f} s"

    def passed(self, task: Task) -> bool:
        """Whether the task passed in the latest run that included it."""
        outcome = self.state.outcomes.get(task.id)
        return outcome is not None and outcome.passed

    def on_key(self, key: str) -> bool:
        """React to one key; False means quit."""
        if key == "q":
            return False
        last = len(self.step.tasks) - 1
        if key == "n":
            self.state.focus, self.state.hints = min(self.state.focus + 1, last), []
        elif key == "p":
            self.state.focus, self.state.hints = max(self.state.focus - 1, 0), []
        elif key == "h":
            task = self.step.tasks[self.state.focus]
            self.state.hints = list(task.hints[: next_hint(self.manifest, task)])
        return True

    def screen(self) -> RenderableType:
        """The whole screen: heading, progress bar, the task in view and what to do next."""
        done = sum(self.passed(task) for task in self.step.tasks)
        total = len(self.step.tasks)
        parts: list[RenderableType] = [
            Text(f"Step {self.step.id} - {self.step.title}   {self.where}", style="bold"),
            progress(self.console, done, total),
            Text(""),
        ]
        task = self.step.tasks[self.state.focus]
        outcome = self.state.outcomes.get(task.id)
        parts.append(
            Text(f"Task {task.id} of step {self.step.id}: {task.title}", style="bold cyan")
        )
        parts.append(Text(task.text))
        parts.append(Text(""))
        if outcome is None:
            parts.append(Text("  not checked yet: save a file to check it"))
        else:
            parts.append(task_block(self.step, outcome, ask="press h for a hint"))
        for level, hint in enumerate(self.state.hints, start=1):
            parts.append(Text(f"  hint {level} of {len(task.hints)}: {hint}", style="magenta"))
        if self.state.suite is not None:
            parts.extend(self.suite_summary(self.state.suite))
        parts += [Text(""), Text(f"{KEYS_LINE}   {self.state.status}", style="dim")]
        return Group(*parts)

    def suite_summary(self, suite: RunResult) -> list[RenderableType]:
        """Once every task passes: the rest of the suite, and what comes next."""
        total, broken = other_failures(self.step, suite)
        lines: list[RenderableType] = [
            Text(""),
            Text(f"Every task passes. The other tests: {total - len(broken)} of {total} pass."),
        ]
        lines += [Text(f"  {test.nodeid}: {test.message}", style="red") for test in broken]
        if not broken:
            lines.append(
                Text(f"Step {self.step.id} is done. Next: {self.next_step()}", style="green")
            )
        return lines

    def next_step(self) -> str:
        """What the learner does after this step."""
        steps = list(self.manifest.steps)
        index = steps.index(self.step)
        if index + 1 < len(steps):
            following = steps[index + 1]
            return f"read docs/{following.chapter}, then 'workshop start {following.id}'."
        return "the final app: 'workshop serve final'."

    def draw(self) -> None:
        """Clear the terminal and draw the screen again."""
        self.console.clear()
        self.console.print(self.screen())


def _watch_files(folder: Path, events: queue.Queue[str], stop: threading.Event) -> None:
    """Put SAVED on the queue whenever a Python file of the copy changes."""
    for _changes in watch(folder, watch_filter=PythonFilter(), stop_event=stop, debounce=400):
        events.put(SAVED)


if sys.platform == "win32":

    def _read_key() -> str:
        """One key, as soon as it is pressed (Windows' console reads keys one by one)."""
        import msvcrt

        return msvcrt.getwch()

else:

    def _read_key() -> str:
        """One key, as soon as it is pressed (``_keys_mode`` turned line buffering off)."""
        return sys.stdin.read(1)


def _read_keys(events: queue.Queue[str]) -> None:
    """Put every key pressed on the queue, until standard input ends."""
    while key := _read_key():
        events.put(key.lower())


@contextmanager
def _keys_mode() -> Iterator[bool]:
    """Let single keys through without Enter while watching, and put the terminal back after.

    Yields False when keys cannot be read because standard input is no terminal: then the watch
    still redraws on every save, and Ctrl-C ends it.
    """
    if not sys.stdin.isatty():
        yield False
        return
    if sys.platform == "win32":
        yield True
        return
    import termios
    import tty

    saved = termios.tcgetattr(sys.stdin)
    tty.setcbreak(sys.stdin)
    try:
        yield True
    finally:
        termios.tcsetattr(sys.stdin, termios.TCSADRAIN, saved)


def watch_step(manifest: Manifest, step: Step, console: Console) -> int:
    """Watch the learner's copy of ``step`` until q or Ctrl-C."""
    watcher = Watcher(manifest, step, console)
    events: queue.Queue[str] = queue.Queue()
    stop = threading.Event()
    files = threading.Thread(target=_watch_files, args=(watcher.folder, events, stop), daemon=True)
    files.start()
    with _keys_mode() as keys:
        if keys:
            threading.Thread(target=_read_keys, args=(events,), daemon=True).start()
        try:
            _loop(watcher, events)
        except KeyboardInterrupt:
            pass
        finally:
            stop.set()
    console.print("Stopped watching. 'workshop check' runs every test once.")
    return 0


def _loop(watcher: Watcher, events: queue.Queue[str]) -> None:
    """Check, draw, and wait: a save checks again, a key changes the view."""
    watcher.state.status = "checking..."
    watcher.draw()
    watcher.check(every_task=True)
    watcher.draw()
    while True:
        pending = [events.get()]
        while not events.empty():
            pending.append(events.get())
        for key in (event for event in pending if event != SAVED):
            if not watcher.on_key(key):
                return
        if SAVED in pending:
            # Several saves during one check need one check more, not one each. Draw at once,
            # so the learner sees the save was noticed, then again with the result.
            watcher.state.status = "saved: checking..."
            watcher.draw()
            watcher.check()
        watcher.draw()
