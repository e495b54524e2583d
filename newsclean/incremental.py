"""Incremental runs with `--state`: skip what is known, record what was done, commit exactly once.

An input whose size and mtime are what the state knows is skipped without being read; one whose
size or mtime changed is read and hashed, and parsed again only if its content changed. Each
outcome is recorded in the state's open transaction, which is committed with the outputs (see
`state`): after the renames of `-o` and `--errors`, or after each flush of stdout.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator

from .inputs import STDIN, shown_path
from .record import Rejection
from .report import Tally
from .scheduler import Outcome
from .sinks import AtomicFile, StreamSink, temp_path_for
from .state import State

KnownPath = tuple[str, str | None]  # a path and the content hash the state knows for it

# Rejections that say something about the content: remembered, not retried until it changes.
# Others (not found, no permission, ...) are retried on every run.
_CONTENT_REJECTIONS = frozenset(
    {"empty", "not_text", "not_a_dump", "too_large", "decompress_error"}
)
_STDOUT_COMMIT_SECONDS = 1.0


def unseen(
    paths: Iterable[str | Rejection], state: State, force: bool, tally: Tally
) -> Iterator[str | Rejection | KnownPath]:
    """The inputs to read: all with `force`, else those the state does not know as they are."""
    for item in paths:
        if isinstance(item, Rejection) or item == STDIN:
            yield item
            continue
        known = state.known(shown_path(item))
        if known is None or force:
            yield item, None
            continue
        try:
            status = os.stat(item)
        except OSError:
            yield item, None  # reading it will say why
            continue
        if (status.st_size, status.st_mtime_ns) == (known.size, known.mtime_ns):
            tally.skipped += 1
        else:
            yield item, known.sha256


class Tracker:
    """Records a run's outcomes in the state, and drops articles already emitted (--dedupe)."""

    def __init__(self, state: State, dedupe: bool, output: str | None, targets: list[str]) -> None:
        """Begin a run that will write `targets` (the -o and --errors files)."""
        self.state, self.dedupe = state, dedupe
        shown_output = None if output in (None, "-") else os.path.abspath(output)
        planned = [(temp_path_for(target), os.path.abspath(target)) for target in targets]
        self.state.begin(shown_output, planned)
        self.last_commit = time.monotonic()

    def accept(self, outcome: Outcome) -> bytes:
        """The lines of `outcome` to write; its input is recorded, pending the next commit."""
        if outcome.seen is not None:
            if outcome.unchanged:
                self.state.touch(outcome.path, outcome.seen)
            elif outcome.rejection is None:
                self.state.record(outcome.path, outcome.seen, "records", outcome.records)
            elif outcome.rejection.code in _CONTENT_REJECTIONS:
                self.state.record(outcome.path, outcome.seen, outcome.rejection.code, 0)
        if not outcome.hashes:
            return outcome.lines
        lines = outcome.lines.split(b"\n")
        # Every article written is noted, so that a later --dedupe knows it too.
        firsts = [self.state.first_emission(digest) for digest in outcome.hashes]
        if not self.dedupe:
            return outcome.lines
        return b"".join(line + b"\n" for line, first in zip(lines, firsts, strict=False) if first)

    def flushed(self, sink: StreamSink | AtomicFile, final: bool = False) -> None:
        """On stdout, commit what has been flushed (at most once a second, and at the end)."""
        now = time.monotonic()
        if not isinstance(sink, AtomicFile) and (
            final or now - self.last_commit >= _STDOUT_COMMIT_SECONDS
        ):
            sink.flush()
            self.state.commit()
            self.last_commit = now

    def commit(self, files: list[AtomicFile], tally: Tally) -> None:
        """Make the outputs and the state durable together, so every article is out once."""
        counts = {
            "parsed": tally.inputs,
            "skipped": tally.skipped,
            "records": tally.records,
            "rejected": sum(tally.rejected.values()),
        }
        for file in files:
            file.prepare()
        self.state.prepare([(file.temp, os.path.abspath(file.path)) for file in files], counts)
        for file in files:
            file.publish()
        self.state.finish(counts)
