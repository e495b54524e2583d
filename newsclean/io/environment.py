"""The environment a command runs in: its streams and whether they are terminals.

Tests build their own (byte buffers, a forced terminal width) instead of patching `sys`.
"""

from __future__ import annotations

import errno
import io
import os
import select
import stat
import sys
from dataclasses import dataclass, field
from typing import BinaryIO, Literal, TextIO


class _Closed(io.RawIOBase):
    """A standard output the process was started without (`>&-`): writing to it fails as a
    closed descriptor does, and only then, so that `-o FILE` still works."""

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        raise OSError(errno.EBADF, "it is closed")


def _stdin() -> io.BufferedIOBase:
    if sys.stdin is None:
        return io.BytesIO()
    return sys.stdin.buffer  # type: ignore[return-value]  # a BufferedReader: it has read1


def _stdout() -> BinaryIO:
    return _Closed() if sys.stdout is None else sys.stdout.buffer  # type: ignore[return-value]


def process_alive(pid: int) -> bool:
    """Whether process `pid` runs on this host (another user's too)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's live process
    return True


def _stderr() -> TextIO:
    return io.StringIO() if sys.stderr is None else sys.stderr


def printable(text: str) -> str:
    """`text` with every control or format character shown as an escape (`\\x1b`): what a
    terminal is shown of untrusted text (names, messages, articles)."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


def isatty(stream: object) -> bool:
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError, OSError):
        return False


@dataclass(slots=True)
class Environment:
    stdin: io.BufferedIOBase = field(default_factory=_stdin)
    stdout: BinaryIO = field(default_factory=_stdout)
    stderr: TextIO = field(default_factory=_stderr)
    stdin_isatty: bool | None = None
    stderr_isatty: bool | None = None
    stdout_isatty: bool | None = None

    def __post_init__(self) -> None:
        if self.stdin_isatty is None:
            self.stdin_isatty = isatty(self.stdin)
        if self.stderr_isatty is None:
            self.stderr_isatty = isatty(self.stderr)
        if self.stdout_isatty is None:
            self.stdout_isatty = isatty(self.stdout)


_WAKE_SECONDS = 1.0


def wait_readable(stream: object) -> Literal[True]:
    """Wait until a pipe or terminal has something to read (data or its end), a second at a
    time: a signal delivered to another of this process's threads (a worker pool's) is acted on
    between waits, where a thread blocked in a read would never see it and the run would hang.
    A regular file, or a stream without a descriptor, is read at once. Always True (for use in
    a loop's condition). Call it only where the stream's buffer is empty: reads of more than
    a buffer holds leave none."""
    try:
        descriptor = stream.fileno()  # type: ignore[attr-defined]
        if stat.S_ISREG(os.fstat(descriptor).st_mode):
            return True
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is an OSError
        return True
    while not select.select([descriptor], [], [], _WAKE_SECONDS)[0]:
        pass  # back in the interpreter between waits: pending signal handlers run
    return True
