"""Parallel scheduling: workers read, parse and serialise; results come back in input order.

Work arrives as batches (many files, or many dumps cut from a stream); a bounded window of
batches is in flight, so memory stays flat however many inputs there are. With one job,
everything runs in this process and no pool is started. A `FLUSH` in the work asks for every
result so far before going on (a slow stream's records must come out at once).
"""

from __future__ import annotations

import hashlib
import itertools
import os
import signal
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, NamedTuple
from zoneinfo import ZoneInfo

import orjson

if TYPE_CHECKING:
    from concurrent.futures import Future

from .exits import NewscleanError
from .inputs import read_input, shown_path
from .parse import parse_dump, parse_input
from .record import Record, Rejection

FLUSH = "flush"
FILES_PER_BATCH = 256
_BATCHES_PER_JOB = 4
_JSONL = orjson.OPT_APPEND_NEWLINE


@dataclass(slots=True, frozen=True)
class Settings:
    """What every worker needs to know; small and picklable."""

    tz: str | None = None
    max_bytes: int = 64 * 1024 * 1024
    track: bool = False  # note each file's size, mtime and content hash (for --state)


class Outcome(NamedTuple):
    """What one input (or a run of dumps from a stream) gave, ready to write. A tuple: from
    workers it comes as a plain one (`_process_in_worker`), which pickles fastest."""

    path: str
    lines: bytes = b""
    records: int = 0
    warned: int = 0  # records with at least one warning
    warnings: dict[str, int] = {}  # noqa: RUF012 (never mutated: a fresh dict is made per outcome)
    size: int = 0
    rejection: Rejection | None = None
    hashes: tuple[str, ...] = ()  # sha256 of each record's dump (tracked)
    seen: tuple[int, int, str] | None = None  # the file's size, mtime_ns and sha256 (tracked)
    unchanged: bool = False  # its content is what the state knew: not parsed again
    inputs: int = 1  # the inputs it stands for: a worker merges runs of plain ones (`_merged`)


@dataclass(slots=True, frozen=True)
class FileBatch:
    paths: list[str]
    known: list[str | None] | None = None  # content hashes the state knows, path by path


@dataclass(slots=True, frozen=True)
class DumpBatch:
    """Dumps cut from a stream: (index, offset, bytes) each."""

    dumps: list[tuple[int, int, bytes]]


Work = FileBatch | DumpBatch | Outcome | str


@cache
def _zone(name: str | None) -> ZoneInfo | None:
    return None if name is None else ZoneInfo(name)


def _outcome(
    path: str,
    records: list[Record],
    size: int,
    track: bool,
    seen: tuple[int, int, str] | None = None,
) -> Outcome:
    warnings: dict[str, int] = {}
    warned = 0
    for record in records:
        if record["warnings"]:
            warned += 1
            for code in record["warnings"]:
                warnings[code] = warnings.get(code, 0) + 1
    return Outcome(
        path,
        b"".join([orjson.dumps(r, option=_JSONL) for r in records]),
        len(records),
        warned,
        warnings,
        size,
        None,
        tuple([record["source"]["sha256"] for record in records]) if track else (),
        seen,
    )


def process_file(path: str, settings: Settings, known: str | None = None) -> Outcome:
    """Read, parse and serialise one input file; with `known` equal to its content hash, it is
    not parsed again."""
    shown = shown_path(path)
    try:
        status = os.stat(path) if settings.track else None
    except OSError:
        status = None  # reading it says why
    data = read_input(path, settings.max_bytes)
    if isinstance(data, Rejection):
        return Outcome(data.path, rejection=data)
    seen = None
    if status is not None:
        seen = (status.st_size, status.st_mtime_ns, hashlib.sha256(data).hexdigest())
        if seen[2] == known:
            return Outcome(shown, size=len(data), seen=seen, unchanged=True)
    parsed = parse_input(data, shown, _zone(settings.tz))
    if parsed.rejection is not None:
        return Outcome(shown, size=len(data), rejection=parsed.rejection, seen=seen)
    return _outcome(shown, parsed.records, len(data), settings.track, seen)


def process_dumps(batch: DumpBatch, settings: Settings) -> Outcome:
    """Parse and serialise dumps cut from standard input."""
    zone = _zone(settings.tz)
    records = [parse_dump(data, "-", index, offset, zone) for index, offset, data in batch.dumps]
    return _outcome("-", records, sum(len(data) for _, _, data in batch.dumps), settings.track)


def process(work: FileBatch | DumpBatch, settings: Settings) -> list[Outcome]:
    if isinstance(work, DumpBatch):
        return [process_dumps(work, settings)]
    known = work.known or [None] * len(work.paths)
    return [
        process_file(path, settings, digest) for path, digest in zip(work.paths, known, strict=True)
    ]


def _plain(outcome: Outcome) -> bool:
    """Records without a warning, and nothing to tell about the input but its counts."""
    untracked = outcome.seen is None and not outcome.hashes
    return outcome.rejection is None and not outcome.warned and untracked and not outcome.unchanged


def _merged(outcomes: list[Outcome]) -> list[Outcome]:
    """Each run of plain outcomes as one, so that the parent reads, counts and writes it at once."""
    merged: list[Outcome] = []
    for plain, run in itertools.groupby(outcomes, _plain):
        if not plain:
            merged.extend(run)
            continue
        group = list(run)
        lines = b"".join([outcome.lines for outcome in group])
        records = sum(outcome.records for outcome in group)
        size = sum(outcome.size for outcome in group)
        merged.append(Outcome(group[0].path, lines, records, size=size, inputs=len(group)))
    return merged


def _process_in_worker(work: FileBatch | DumpBatch, settings: Settings) -> list[tuple]:
    """`process` in a worker: its outcomes go back merged (`_merged`) and as plain tuples, which
    pickle three times faster than NamedTuples."""
    return [tuple(outcome) for outcome in _merged(process(work, settings))]


def _ignore_interrupts() -> None:
    """Workers leave SIGINT to the parent, which stops them and cleans up."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _done(outcome: Outcome) -> Future[list[tuple]]:
    from concurrent.futures import Future

    future: Future[list[tuple]] = Future()
    future.set_result([tuple(outcome)])
    return future


def _outcomes(future: Future[list[tuple]]) -> Iterator[Outcome]:
    return map(Outcome._make, future.result())


def _in_process(work: Iterable[Work], settings: Settings) -> Iterator[Outcome | str]:
    for item in work:
        if isinstance(item, FileBatch | DumpBatch):
            yield from process(item, settings)
        else:
            yield item


def _in_pool(work: Iterable[Work], settings: Settings, jobs: int) -> Iterator[Outcome | str]:
    # Imported here: a run over one input needs no pool, and starts faster without them.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    context = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
    window: deque[Future[list[tuple]]] = deque()
    pool = ProcessPoolExecutor(jobs, mp_context=context, initializer=_ignore_interrupts)
    try:
        for item in work:
            if item == FLUSH:
                while window:
                    yield from _outcomes(window.popleft())
                yield FLUSH
                continue
            if isinstance(item, FileBatch | DumpBatch):
                window.append(pool.submit(_process_in_worker, item, settings))
            else:
                window.append(_done(item))
            while len(window) > jobs * _BATCHES_PER_JOB or (window and window[0].done()):
                yield from _outcomes(window.popleft())
        while window:
            yield from _outcomes(window.popleft())
    except BrokenProcessPool:
        raise NewscleanError("a worker process died; no output was committed") from None
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def run(work: Iterable[Work], settings: Settings, jobs: int) -> Iterator[Outcome | str]:
    """Outcomes of `work` in its order (and each FLUSH once all before it are out)."""
    if jobs <= 1:
        return _in_process(work, settings)
    return _in_pool(work, settings, jobs)
