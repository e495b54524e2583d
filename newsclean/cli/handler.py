"""The one top-level handler: a command's known failures become one line on stderr and an exit
status, never a traceback."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable
from typing import NoReturn

import typer

from ..exits import ExitStatus, Interrupted, NewscleanError
from ..io.crashpoints import crash_point
from ..io.sinks import BrokenPipe
from .render import printable


def _ignore_interrupts() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def _on_sigterm(signum: int, frame: object) -> NoReturn:
    raise Interrupted("terminated", ExitStatus.TERMINATED)


def _quiet_stdout() -> None:
    """After a broken pipe or a failed write, point stdout at /dev/null so that the final
    flush of what Python still buffers cannot fail again (exit 120 and a trace at exit)."""
    if sys.stdout is None:  # started without one (`>&-`): nothing is buffered
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


# Set by `main`, in the newsclean process itself (not when a test runs a command in its own).
settles_on_exit = False


def run_command(action: Callable[[], int]) -> NoReturn:
    """Run a command; known failures become one line on stderr and an exit status."""
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        status = int(action())
        if settles_on_exit:  # the command is over, its outputs in place: an interrupt now
            _ignore_interrupts()  # would only turn a finished run into a failed one
        crash_point("done")
    except BrokenPipe:
        _quiet_stdout()
        status = ExitStatus.BROKEN_PIPE
    except KeyboardInterrupt:
        typer.echo("newsclean: interrupted", err=True)
        status = ExitStatus.INTERRUPTED
    except NewscleanError as error:
        typer.echo(f"newsclean: {printable(str(error))}", err=True)
        status = error.status
        if status == ExitStatus.OUTPUT_FAILED:
            _quiet_stdout()
    finally:
        if settles_on_exit:
            # The command is over, however it ended; what is left is the interpreter's exit
            # (joining threads, flushing): a second signal (a process group signalled twice)
            # would only print a trace from there.
            _ignore_interrupts()
        else:
            signal.signal(signal.SIGTERM, previous)
    raise typer.Exit(int(status))
