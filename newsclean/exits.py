"""Exit statuses, and the errors that end a run with one of them."""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    OK = 0  # every input gave records (warnings allowed)
    REJECTED = 1  # some input was rejected (--strict: or some record has warnings)
    USAGE = 2  # bad option, unreadable list, output in a missing folder, bad state file
    UNAVAILABLE = 69  # a store or input unreachable or misconfigured, after retries: EX_UNAVAILABLE
    OUTPUT_FAILED = 74  # writing the output failed (disk full, closed stream): EX_IOERR
    STATE_LOCKED = 75  # another run holds the state (or the batch's OUT): EX_TEMPFAIL
    BROKEN_PIPE = 141  # the reader of stdout went away (128 + SIGPIPE), ended quietly
    INTERRUPTED = 130  # SIGINT
    TERMINATED = 143  # SIGTERM


class NewscleanError(Exception):
    """A known failure: one line for the user and an exit status, never a traceback."""

    status = ExitStatus.USAGE

    def __init__(self, message: str, status: ExitStatus | None = None) -> None:
        super().__init__(message)
        if status is not None:
            self.status = status


class UsageError(NewscleanError):
    status = ExitStatus.USAGE


class OutputError(NewscleanError):
    status = ExitStatus.OUTPUT_FAILED


class Interrupted(NewscleanError):
    """SIGINT or SIGTERM arrived: stop, remove partial outputs, exit 128 + signal."""

    status = ExitStatus.INTERRUPTED
