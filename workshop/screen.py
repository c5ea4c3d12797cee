"""How ``check`` and ``watch`` print a step's state: colours and a progress bar on a terminal.

rich decides from the output itself: on a terminal it colours and draws the bar, and piped into a
file or another program the same calls print plain text that tests and scripts can read.
"""

from __future__ import annotations

from rich.console import Console, Group, RenderableType
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from workshop.feedback import TaskOutcome
from workshop.manifest import Step

INDENT = "        "
BAR_WIDTH = 30


def make_console() -> Console:
    """A console on standard output that never re-wraps long lines or guesses at highlighting."""
    return Console(highlight=False, soft_wrap=True)


def progress(console: Console, done: int, total: int) -> RenderableType:
    """``2 of 3 tasks done``, after a bar when the output is a terminal."""
    words = Text(f"{done} of {total} tasks done", style="bold green" if done == total else "bold")
    if not console.is_terminal:
        return words
    grid = Table.grid(padding=(0, 1))
    grid.add_row(ProgressBar(total=max(total, 1), completed=done, width=BAR_WIDTH), words)
    return grid


def hint_pointer(step: Step, outcome: TaskOutcome, ask: str = "") -> Text:
    """The one line that says where help is, without giving the hint away."""
    ask = ask or f"workshop hint {step.id} {outcome.task.id}"
    return Text(f"{INDENT}stuck? {ask}   read: docs/{step.chapter}", style="dim")


def task_block(step: Step, outcome: TaskOutcome, ask: str = "") -> RenderableType:
    """A task's status line and, when it fails, its first failure and where to get help.

    ``ask`` says how to get a hint, when that is not ``workshop hint`` (``watch`` has a key).
    """
    status = Text("PASS", style="bold green") if outcome.passed else Text("FAIL", style="bold red")
    heading = Text.assemble("  ", status, f"  {outcome.task.id}  {outcome.task.title}")
    failure = outcome.failure
    if failure is None:
        return heading
    lines: list[RenderableType] = [heading, Text(f"{INDENT}{failure.headline}", style="red")]
    if failure.where:
        lines.append(Text(f"{INDENT}at {failure.where}", style="yellow"))
    if failure.waits_for:
        other = failure.waits_for
        lines.append(Text(f"{INDENT}(that is task {other}'s stub: finish {other} first)"))
    lines.append(Text(f"{INDENT}test: {failure.test}", style="dim"))
    lines.append(hint_pointer(step, outcome, ask))
    return Group(*lines)
