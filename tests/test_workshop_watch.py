"""`workshop watch`, driven in a real terminal (a pseudo-terminal) on the miniature workshop.

The test saves files as a learner would and reads the screen the way they would see it: the text
after the last clear-screen, without colour codes. It prints how long each redraw took after a save
(pytest -s shows it); it asserts what the screen says, never how fast it said it.
"""

from __future__ import annotations

import io
import os
import re
import select
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from rich.console import Console

from workshop import watch
from workshop.cli import main
from workshop.manifest import load_manifest
from workshop.runner import RunResult, run_tests
from workshop.watch import Watcher

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX only")

CLEAR = "\x1b[2J"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")
# Long enough for a loaded machine to run the miniature's tests; the test ends as soon as it sees
# what it waits for.
PATIENCE_SECONDS = 90.0


class Terminal:
    """A process on a pseudo-terminal, and what its latest screen shows."""

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        import fcntl
        import pty
        import struct
        import termios

        self.master, replica = pty.openpty()
        # 100 columns, 40 rows, so no line of the screen wraps.
        fcntl.ioctl(replica, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 100, 0, 0))
        self.process = subprocess.Popen(
            command, stdin=replica, stdout=replica, stderr=replica, env=env, start_new_session=True
        )
        os.close(replica)
        self.output = ""

    def screen(self) -> str:
        """The text drawn since the last clear-screen, colours removed."""
        return ANSI.sub("", self.output.rsplit(CLEAR, 1)[-1])

    def wait_for(self, wanted: Callable[[str], bool]) -> float:
        """Read output until the screen satisfies ``wanted``; return the seconds it took."""
        started = time.monotonic()
        while not wanted(self.screen()):
            if time.monotonic() - started > PATIENCE_SECONDS:
                raise AssertionError(f"the screen never showed it; it shows:\n{self.screen()}")
            ready, _, _ = select.select([self.master], [], [], 0.2)
            if ready:
                try:
                    self.output += os.read(self.master, 65536).decode("utf-8", "replace")
                except OSError:  # the process ended and closed its side
                    break
        return time.monotonic() - started

    def press(self, key: str) -> None:
        """Type one key."""
        os.write(self.master, key.encode())

    def stop(self) -> int:
        """End the process if it still runs, and return its exit code."""
        try:
            return self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()
        finally:
            os.close(self.master)


WRONG_SHOUT = '''"""Louder greetings."""

from app.greet import greet


def shout(name: str) -> str:
    """Greet someone in capitals."""
    # BEGIN TASK 02.1
    return greet(name)
    # END TASK
'''


def test_watch_redraws_on_save_with_the_task_the_bar_and_the_failure(
    mini: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["start", "02"]) == 0
    capsys.readouterr()
    copy = mini / "workspace/02-beta/app/shout.py"
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100", "LINES": "40"}
    env.pop("NO_COLOR", None)
    terminal = Terminal([sys.executable, "-m", "workshop", "watch", "02"], env)
    try:
        terminal.wait_for(lambda screen: "FAIL  02.1  Shout" in screen)
        first = terminal.screen()
        assert "Task 02.1 of step 02: Shout" in first
        assert "Return the greeting in capitals." in first
        assert "━" in first
        assert "0 of 1 tasks done" in first
        assert "NotImplementedError: Task 02.1: Return the greeting in capitals." in first
        assert "at workspace/02-beta/app/shout.py:9" in first
        assert "str.upper()" not in first

        saved = time.monotonic()
        copy.write_text(WRONG_SHOUT)
        noticed = terminal.wait_for(lambda screen: "saved: checking" in screen)
        terminal.wait_for(lambda screen: "checked at" in screen)
        checked = time.monotonic() - saved
        after_save = terminal.screen()
        assert "Task 02.1 of step 02: Shout" in after_save
        assert "0 of 1 tasks done" in after_save
        assert "AssertionError: assert 'Hello, Ada!' == 'HELLO, ADA!'" in after_save
        assert "NotImplementedError" not in after_save
        print(f"\nwatch: redraw {noticed:.2f} s after a save, with the new result {checked:.2f} s")

        terminal.press("h")
        terminal.wait_for(lambda screen: "hint 1 of 1: str.upper()." in screen)

        shutil.copy(mini / "steps/02-beta/app/shout.py", copy)
        terminal.wait_for(lambda screen: "Step 02 is done." in screen)
        done = terminal.screen()
        assert "1 of 1 tasks done" in done
        assert "Every task passes. The other tests: 1 of 1 pass." in done
        assert "Next: the final app: 'workshop serve final'." in done

        terminal.press("q")
        terminal.wait_for(lambda screen: "Stopped watching." in screen)
    finally:
        code = terminal.stop()
    assert code == 0


def test_watch_before_start_says_what_to_do(mini: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["watch", "01"]) == 2
    assert capsys.readouterr().out == "No copy of step 01 yet: run 'workshop start 01' first.\n"


def test_a_recheck_collects_only_the_files_that_hold_the_tasks_tests(
    mini: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    main(["start", "02"])
    capsys.readouterr()
    manifest = load_manifest(mini)
    watcher = Watcher(manifest, manifest.step("02"), Console(file=io.StringIO()))
    runs: list[tuple[str, ...]] = []

    def recording(folder: Path, extra_args: tuple[str, ...] = (), **kwargs: bool) -> RunResult:
        runs.append(extra_args)
        return run_tests(folder, extra_args, **kwargs)

    monkeypatch.setattr(watch, "run_tests", recording)
    watcher.check(every_task=True)
    watcher.check()
    assert runs == [
        ("--workshop-only-tasks=02.1",),
        ("tests/test_shout.py", "--workshop-only-tasks=02.1"),
    ]
    assert not watcher.passed(manifest.step("02").task("02.1"))
