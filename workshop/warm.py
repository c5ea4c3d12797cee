"""Pytest runs that start with the libraries already imported, for ``workshop watch``.

A pytest run of a step spends most of a one-task re-check importing Flask, SQLAlchemy, pytest
and the other libraries, about 0.6 s of step 06's 1.3 s, before it imports a line of the
learner's code. Those libraries do not change while the learner works, so watch imports them
once, in a forkserver: a small process that Python's multiprocessing starts clean (a new
interpreter, not a copy of watch and its threads) and that forks each run from itself. A forked
run has the libraries but imports the learner's app and tests afresh, so it always tests the
latest save. Where the forkserver is missing (Windows), runs start as new processes as before.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from multiprocessing.process import BaseProcess
from pathlib import Path

# What the steps' apps and tests import from outside the standard library. Never
# the learner's own packages (app, tests): those must be imported again by every run.
PRELOADED = (
    "pytest",
    "sqlalchemy",
    "sqlalchemy.orm",
    "flask",
    "flask.testing",
    "flask_sqlalchemy",
    "marshmallow",
    "flask_marshmallow",
    "flask_jwt_extended",
    "flask_limiter",
    "flask_caching",
    "redis",
    "argon2",
    "apispec",
    "openapi_spec_validator",
    "yaml",
)


class WarmRun:
    """One pytest run forked from the forkserver: wait for it, or kill it."""

    def __init__(self, process: BaseProcess) -> None:
        self.process = process

    def wait(self) -> int:
        """Wait for the run to end; answer pytest's exit code."""
        self.process.join()
        return self.process.exitcode if self.process.exitcode is not None else 1

    def poll(self) -> int | None:
        """The exit code if the run has ended, else None."""
        return None if self.process.is_alive() else self.process.exitcode

    def kill(self) -> None:
        """Stop the run at once."""
        self.process.kill()


class WarmPytest:
    """Starts pytest runs from a forkserver that has imported the libraries (PRELOADED)."""

    def __init__(self) -> None:
        self.context = multiprocessing.get_context("forkserver")
        self.context.set_forkserver_preload(list(PRELOADED))

    @staticmethod
    def available() -> bool:
        """Whether this platform has a forkserver (POSIX systems do, Windows does not)."""
        return "forkserver" in multiprocessing.get_all_start_methods()

    def start(self, args: list[str], folder: Path, env: dict[str, str], log: Path) -> WarmRun:
        """Run ``pytest ARGS`` in ``folder`` with environment ``env``, its output into ``log``."""
        log.touch()  # there even if the run dies before it writes a line
        process = self.context.Process(target=_pytest_here, args=(args, folder, env, log))
        process.start()
        return WarmRun(process)


def _pytest_here(args: list[str], folder: Path, env: dict[str, str], log: Path) -> None:
    """In the forked run: become what ``python -m pytest ARGS`` started in ``folder`` would be.

    PYTHONDONTWRITEBYTECODE is applied by hand: Python reads it only when it starts, and this
    interpreter started long ago. PYTHONPATH needs nothing: each step's pytest configuration
    puts the step's folder on the path itself (``pythonpath``).
    """
    os.chdir(folder)
    os.environ.clear()
    os.environ.update(env)
    sys.dont_write_bytecode = "PYTHONDONTWRITEBYTECODE" in env
    output = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    os.dup2(output, 1)
    os.dup2(output, 2)
    # Imported here, where it is already loaded, and never in watch's own process, which does
    # not need it.
    import pytest

    sys.exit(int(pytest.main(args)))
