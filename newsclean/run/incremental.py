"""Incremental runs with `--state`: skip what is known, record what was done.

An input whose size and mtime are what the state knows is skipped without being read; one whose
size or mtime changed is read and hashed, and parsed again only if its content changed. Each
outcome is recorded in the state's open transaction, which is committed with the outputs (the
sequence is `parse._commit`): after the renames of `-o` and `--errors`, or after each flush of
stdout.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator

from ..core.record import CONTENT_REJECTIONS, Rejection
from ..io.paths import STDIN, shown_path
from ..io.sinks import StreamSink, temp_path_for
from ..io.state import State
from .inputs import Candidate
from .outcome import Outcome, Tally

_STDOUT_COMMIT_SECONDS = 1.0


def unseen(
    paths: Iterable[str | Rejection], state: State, force: bool, tally: Tally
) -> Iterator[str | Rejection | Candidate]:
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
        if known.same_file(status):
            tally.skipped += 1
        else:
            yield item, known


def _counts(tally: Tally) -> dict[str, int]:
    return {
        "parsed": tally.inputs,
        "skipped": tally.skipped,
        "records": tally.records,
        "rejected": tally.rejected_total,
    }


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
            elif outcome.rejection.code in CONTENT_REJECTIONS:
                self.state.record(outcome.path, outcome.seen, outcome.rejection.code, 0)
        if not outcome.hashes:
            return outcome.lines
        lines = outcome.lines.split(b"\n")
        # Every article written is noted, so that a later --dedupe knows it too.
        firsts = [self.state.first_emission(digest) for digest in outcome.hashes]
        if not self.dedupe:
            return outcome.lines
        return b"".join(line + b"\n" for line, first in zip(lines, firsts, strict=False) if first)

    def flushed(self, sink: StreamSink, final: bool = False) -> None:
        """On stdout, commit what has been flushed (at most once a second, and at the end)."""
        now = time.monotonic()
        if sink.replacing is None and (final or now - self.last_commit >= _STDOUT_COMMIT_SECONDS):
            sink.flush()
            self.state.commit()
            self.last_commit = now

    def committing(self, files: list[tuple[str, str]], tally: Tally) -> None:
        """Commit the run's inputs with the files (temporary, final) that hold their records."""
        self.state.committing(files, _counts(tally))

    def done(self, tally: Tally) -> None:
        self.state.finish(_counts(tally))
