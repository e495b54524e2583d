"""What a run produces: the outcome of each input, and the tally of a whole run."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple

from ..core.record import Rejection
from ..exits import ExitStatus
from ..io.fingerprint import Fingerprint
from ..io.paths import STDIN

_EXAMPLES_PER_CODE = 3


class Outcome(NamedTuple):
    """What one input (or a run of dumps from a stream) gave, ready to write. A tuple: from
    workers it comes as a plain one (`scheduler`), which pickles fastest."""

    path: str
    lines: bytes = b""
    records: int = 0
    warned: int = 0  # records with at least one warning
    warnings: dict[str, int] = {}  # noqa: RUF012 (never mutated: a fresh dict is made per outcome)
    size: int = 0
    rejection: Rejection | None = None
    hashes: tuple[str, ...] = ()  # sha256 of each record's dump (tracked)
    seen: Fingerprint | None = None  # the file as read (tracked)
    unchanged: bool = False  # its content is what the state knew: not parsed again
    inputs: int = 1  # the inputs it stands for: a worker merges runs of plain ones
    settling: bool = False  # modified within --min-age: left for the next run, not read
    dumplike: bool = True  # a record looks like a dump's (stdin: `core.parse.looks_like_a_dump`)
    warning_at: dict[str, int] = {}  # noqa: RUF012 (as `warnings`) the first article with each


@dataclass(slots=True)
class Tally:
    """Counts of a run: inputs, records, rejections and warnings by code, with examples."""

    inputs: int = 0
    skipped: int = 0  # known to --state, unchanged: not read
    settling: int = 0  # modified within --min-age: left for the next run
    records: int = 0  # written (with --dedupe, duplicates left out)
    duplicates: int = 0  # --dedupe: records whose article was written before, left out
    warned: int = 0  # records with at least one warning
    size: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    warnings: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)
    stdin_seen: bool = False

    def add(self, outcome: Outcome, duplicates: int = 0) -> None:
        """Count `outcome`, of whose records `duplicates` were left out (--dedupe)."""
        self.records -= duplicates
        self.duplicates += duplicates
        if outcome.unchanged:
            self.skipped += 1
            return
        if outcome.settling:
            self.settling += 1
            return
        # Standard input is one input, whose dumps come in several outcomes.
        self.inputs += outcome.inputs if outcome.path != STDIN else not self.stdin_seen
        self.stdin_seen = self.stdin_seen or outcome.path == STDIN
        self.size += outcome.size
        if outcome.rejection is not None:
            self.rejected[outcome.rejection.code] += 1
            self._example(outcome.rejection.code, outcome.path)
            return
        self.records += outcome.records
        if outcome.warnings:
            self.warned += outcome.warned
            self.warnings.update(outcome.warnings)
            for code in outcome.warnings:
                at = outcome.warning_at.get(code)
                self._example(code, outcome.path if at is None else f"{outcome.path}#{at}")

    def _example(self, code: str, path: str) -> None:
        examples = self.examples.setdefault(code, [])
        if len(examples) < _EXAMPLES_PER_CODE and path not in examples:
            examples.append(path)

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())

    def counts(self) -> dict[str, int]:
        """The counts a state keeps of a run (`io.state.COUNTS`)."""
        return {
            "parsed": self.inputs, "skipped": self.skipped, "records": self.records,
            "rejected": self.rejected_total, "duplicates": self.duplicates,
        }  # fmt: skip


def exit_status(tally: Tally, strict: bool) -> ExitStatus:
    """0 when every input gave records, 1 when one was rejected (--strict: or warned)."""
    if tally.rejected or (strict and tally.warned):
        return ExitStatus.REJECTED
    return ExitStatus.OK
