"""`parse --dry-run`: the inputs a run would parse, one a line on stdout, and nothing written.

After `--glob`/`--exclude`, `--shard` and `--min-age`; with `--state`, only the new and changed
inputs (the state is read, never locked or written). Paths are written as the file system holds
them (bytes), so that the list can go to `--files-from` or `xargs` as it is; with `-0`, each
ends in a NUL instead of a newline. On a terminal, names are shown as text, their control
characters escaped (`\x1b`, `\n`): nothing in a name acts on the terminal or splits an entry.
Folders that cannot be walked are named on stderr.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import nullcontext

from ..core.record import Rejection
from ..exits import ExitStatus
from ..io.environment import Environment, printable
from ..io.paths import STDIN, shown_path
from ..io.sinks import StreamSink
from ..io.state import State
from .incremental import unseen
from .inputs import input_paths
from .outcome import Tally
from .settings import ParseOptions


def run_dry(
    options: ParseOptions, env: Environment, rejected: Callable[[Rejection], None] | None = None
) -> ExitStatus:
    """List what `run_parse(options)` would parse; what cannot be walked goes to `rejected`."""
    end = b"\0" if options.inputs.null_separated else b"\n"
    sink = StreamSink(env.stdout)
    state_file = options.incremental.state
    with State.reading(state_file) if state_file else nullcontext() as state:
        for item in _would_parse(options, env, state):
            if isinstance(item, Rejection):
                if rejected is not None:
                    rejected(item)
                continue
            shown = printable(shown_path(item)).encode() if env.stdout_isatty else None
            sink.write((shown or os.fsencode(item)) + end)
    sink.commit()
    return ExitStatus.OK


def _would_parse(
    options: ParseOptions, env: Environment, state: State | None
) -> Iterator[str | Rejection]:
    paths = input_paths(options.inputs, env)
    settled_before = options.inputs.settled_before_ns()
    force = options.incremental.force
    candidates = paths if state is None else unseen(paths, state, force, Tally())
    for candidate in candidates:
        item = candidate if isinstance(candidate, str | Rejection) else candidate[0]
        if isinstance(item, str) and settled_before is not None and _settling(item, settled_before):
            continue
        yield item


def _settling(path: str, settled_before: int) -> bool:
    if path == STDIN:
        return False
    try:
        return os.stat(path).st_mtime_ns > settled_before
    except OSError:
        return False  # reading it would say why
