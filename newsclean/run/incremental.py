"""Incremental runs with `--state`: skip what is known, record what was done.

An input whose size and mtime are what the state knows is skipped without being read; one whose
size or mtime changed is read and hashed, and parsed again only if its content changed. Each
outcome is recorded in the state's open transaction, which is committed with the outputs (the
sequence is `io.outputs`'): with `-o` and `--errors` files, in the commit that puts them in
place; on stdout, after each flush.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator

from ..core.record import CONTENT_REJECTIONS, Rejection
from ..io.fingerprint import Fingerprint
from ..io.paths import STDIN, shown_path
from ..io.state import State
from .inputs import Candidate
from .outcome import Outcome, Tally


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


class Tracker:
    """Records a run's outcomes as input rows in the state, and drops articles already emitted
    (--dedupe). The rows are committed with the outputs (`io.outputs.RunOutputs`)."""

    def __init__(self, state: State, dedupe: bool, rejections_deferred: bool) -> None:
        """`rejections_deferred`: a rejected input's line goes to a file put in place only at
        the commit, so its row waits for the commit too (`record_deferred`)."""
        self.state, self.dedupe = state, dedupe
        self.rejections_deferred = rejections_deferred
        self.deferred: list[tuple[str, Fingerprint, str]] = []

    def accept(self, outcome: Outcome) -> tuple[bytes, int]:
        """The lines of `outcome` to write, and how many of its records were duplicates left
        out; its input is recorded, pending the next commit."""
        if outcome.seen is not None:
            self._record(outcome)
        if not outcome.hashes:
            return outcome.lines, 0
        lines = outcome.lines.split(b"\n")
        # Every article written is noted, so that a later --dedupe knows it too.
        firsts = [self.state.first_emission(digest) for digest in outcome.hashes]
        if not self.dedupe:
            return outcome.lines, 0
        kept = [line + b"\n" for line, first in zip(lines, firsts, strict=False) if first]
        return b"".join(kept), len(firsts) - len(kept)

    def _record(self, outcome: Outcome) -> None:
        seen = outcome.seen
        assert seen is not None
        if outcome.unchanged:
            self.state.touch(outcome.path, seen)
        elif outcome.rejection is None:
            self.state.record(outcome.path, seen, "records", outcome.records)
        elif outcome.rejection.code in CONTENT_REJECTIONS:
            if self.rejections_deferred:
                self.deferred.append((outcome.path, seen, outcome.rejection.code))
            else:
                self.state.record(outcome.path, seen, outcome.rejection.code, 0)

    def record_deferred(self) -> None:
        """Record the rejected inputs held back, just before the commit."""
        for path, seen, code in self.deferred:
            self.state.record(path, seen, code, 0)
