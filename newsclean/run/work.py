"""The work of a worker: read, parse and serialise a batch of files, or of dumps cut from a
stream. Pure but for reading the files: it runs as well in worker processes or on a cluster."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterable
from dataclasses import dataclass

from ..core.parse import dump_record, looks_like_a_dump, not_a_dump, records_of
from ..core.record import Record, Rejection, json_line
from ..io.archives import SEPARATOR, is_tar, members
from ..io.fingerprint import Fingerprint
from ..io.paths import shown_path
from ..io.patterns import FileFilter
from ..io.read import read_input
from .outcome import Outcome
from .settings import Parsing

FILES_PER_BATCH = 256
OUTPUT_BYTES = 4 * 1024 * 1024  # of records a batch gives back at once (beyond its last file)


@dataclass(slots=True, frozen=True)
class Settings:
    """What every worker needs to know; small and picklable."""

    parsing: Parsing = Parsing()
    track: bool = False  # note each file's size, mtime and content hash (for --state)
    # --min-age: a file modified after this moment (ns since the epoch) may still be being
    # written: it is left for the next run
    settled_before_ns: int | None = None
    member_filter: FileFilter | None = None  # --glob/--exclude, for the members of archives


@dataclass(slots=True, frozen=True)
class FileBatch:
    paths: list[str]
    known: list[Fingerprint | None] | None = None  # what the state knows, path by path


@dataclass(slots=True, frozen=True)
class DumpBatch:
    """Dumps cut from a stream: (index, offset, bytes) each."""

    dumps: list[tuple[int, int, bytes]]


def _serialised(
    path: str,
    records: Iterable[Record],
    size: int,
    track: bool,
    seen: Fingerprint | None = None,
) -> Outcome:
    """The outcome of `records`, each serialised as it comes. Copied into one buffer at once:
    orjson's bytes keep a 4 KiB allocation each, so 200,000 small records held apart until a
    join took 900 MB where their text takes 70. The line of a file's only record (most files)
    is kept as it is: a copy of a large one would double what it holds."""
    lines: bytes | bytearray = b""
    hashes: list[str] = []
    warnings: dict[str, int] = {}
    warning_at: dict[str, int] = {}
    count, warned, dumplike = 0, 0, False
    for record in records:
        line = json_line(record)
        if not lines:
            lines = line
        else:
            lines = lines if isinstance(lines, bytearray) else bytearray(lines)
            lines += line
        count += 1
        dumplike = dumplike or looks_like_a_dump(record)
        if track:
            hashes.append(record["source"]["sha256"])
        if record["warnings"]:
            warned += 1
            for code in record["warnings"]:
                warnings[code] = warnings.get(code, 0) + 1
                warning_at.setdefault(code, record["source"]["index"])
        del record, line  # it may be large: let it go before the next one is read
    return Outcome(
        path, bytes(lines) if isinstance(lines, bytearray) else lines, count, warned, warnings, size, None, tuple(hashes), seen,
        dumplike=dumplike, warning_at=warning_at,
    )  # fmt: skip


def process_file(path: str, settings: Settings, known: Fingerprint | None = None) -> list[Outcome]:
    """Read, parse and serialise one input file (an archive's members, each); one whose
    content hash is `known`'s is not parsed again."""
    shown = shown_path(path)
    settled_before = settings.settled_before_ns
    try:
        status = os.stat(path) if settings.track or settled_before is not None else None
    except OSError:
        status = None  # reading it says why
    if status is not None and settled_before is not None and status.st_mtime_ns > settled_before:
        return [Outcome(shown, settling=True)]
    data = read_input(path, settings.parsing.max_bytes)
    if isinstance(data, Rejection):
        return [Outcome(data.path, rejection=data)]
    seen = None
    if status is not None:
        seen = Fingerprint.of(status, data)
        if known is not None and seen.sha256 == known.sha256:
            return [Outcome(shown, size=len(data), seen=seen, unchanged=True)]
    return outcomes_of(shown, data, settings, seen)


def outcomes_of(
    shown: str, data: bytes, settings: Settings, seen: Fingerprint | None = None
) -> list[Outcome]:
    """The outcomes of an input's bytes: its own, or one per member of a tar archive (those
    the --glob and --exclude patterns take), then the archive's, which stands for no input
    and tells the state it was seen."""
    if not is_tar(data):
        return [parsed(shown, data, settings, seen)]
    member_outcomes = []
    for name, content in members(shown, data, settings.parsing.max_bytes):
        member = name.partition(SEPARATOR)[2]
        if settings.member_filter is not None and not settings.member_filter.takes(member):
            continue
        if isinstance(content, Rejection):
            member_outcomes.append(Outcome(content.path, rejection=content))
        else:
            member_outcomes.append(parsed(name, content, settings))
    return [*member_outcomes, Outcome(shown, seen=seen, inputs=0)]  # its bytes are its members'


def parsed(shown: str, data: bytes, settings: Settings, seen: Fingerprint | None = None) -> Outcome:
    """The outcome of an input's bytes: its records, serialised, or why it holds none."""
    records = records_of(data, shown, settings.parsing.time_zone())
    if isinstance(records, Rejection):
        return Outcome(shown, size=len(data), rejection=records, seen=seen)
    outcome = _serialised(shown, records, len(data), settings.track, seen)
    if not outcome.dumplike:
        return Outcome(shown, size=len(data), rejection=not_a_dump(shown), seen=seen)
    return outcome


def process_dumps(batch: DumpBatch, settings: Settings) -> Outcome:
    """Parse and serialise dumps cut from standard input."""
    zone = settings.parsing.time_zone()
    records = [dump_record(data, "-", index, offset, zone) for index, offset, data in batch.dumps]
    return _serialised("-", records, sum(len(data) for _, _, data in batch.dumps), settings.track)


def process(
    work: FileBatch | DumpBatch, settings: Settings
) -> tuple[list[Outcome], FileBatch | None]:
    """The outcomes of a batch, in order, and the rest of it left undone: a batch stops once its
    records reach OUTPUT_BYTES, so that what is in flight stays bounded however large the files
    (the rest is a batch of its own, next in order)."""
    if isinstance(work, DumpBatch):
        return [process_dumps(work, settings)], None
    known = work.known or [None] * len(work.paths)
    outcomes: list[Outcome] = []
    output = 0
    for at, (path, fingerprint) in enumerate(zip(work.paths, known, strict=True)):
        file_outcomes = process_file(path, settings, fingerprint)
        outcomes += file_outcomes
        output += sum(len(outcome.lines) for outcome in file_outcomes)
        if output >= OUTPUT_BYTES and at + 1 < len(work.paths):
            return outcomes, FileBatch(work.paths[at + 1 :], known[at + 1 :])
    return outcomes, None


def _plain(outcome: Outcome) -> bool:
    """Records without a warning, and nothing to tell about the input but its counts."""
    untracked = outcome.seen is None and not outcome.hashes
    told = outcome.rejection is not None or outcome.unchanged or outcome.settling
    return not told and not outcome.warned and untracked


def merged(outcomes: list[Outcome]) -> list[Outcome]:
    """Each run of plain outcomes as one, so that the parent reads, counts and writes it at once."""
    result: list[Outcome] = []
    for plain, run in itertools.groupby(outcomes, _plain):
        if not plain:
            result.extend(run)
            continue
        group = list(run)
        lines = b"".join([outcome.lines for outcome in group])
        records = sum(outcome.records for outcome in group)
        size = sum(outcome.size for outcome in group)
        inputs = sum(outcome.inputs for outcome in group)  # an archive's own stands for none
        result.append(Outcome(group[0].path, lines, records, size=size, inputs=inputs))
    return result
