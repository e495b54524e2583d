"""The inputs of a run, in order: PATHs, the `--files-from` list, stdin; with `--shard K/N`, the
K-th of N slices of them; cut into the work the scheduler hands to workers."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterable, Iterator

from ..core.record import DECOMPRESS_ERROR, EMPTY, Rejection
from ..exits import UsageError
from ..io.discover import count_inputs, discover, paths_from, without_cr
from ..io.environment import Environment
from ..io.fingerprint import Fingerprint
from ..io.paths import STDIN
from ..io.read import DECOMPRESS_ERRORS, StreamRejected, stream_dumps
from ..io.slices import slice_lines
from .outcome import Outcome
from .scheduler import FLUSH, Work
from .settings import Inputs
from .work import FILES_PER_BATCH, DumpBatch, FileBatch

_DUMPS_PER_BATCH = 256

# An input to read, with what the state knows of it (None: nothing, or --force).
Candidate = tuple[str, Fingerprint | None]


def input_paths(inputs: Inputs, env: Environment) -> Iterator[str | Rejection]:
    """Every input, in order (with --shard K/N, the K-th of N contiguous slices of them)."""
    if inputs.shard is None:
        yield from _all_inputs(inputs, env)
        return
    shard, shards = inputs.shard
    if inputs.files_from not in (None, STDIN) and not inputs.paths:
        yield from _list_slice(inputs.files_from, shard, shards, inputs.null_separated)
        return
    every = list(_all_inputs(inputs, env))
    if STDIN in every:
        raise UsageError("--shard splits a list of inputs: standard input cannot be sharded")
    yield from every[len(every) * shard // shards : len(every) * (shard + 1) // shards]


def _list_slice(list_path: str, shard: int, shards: int, nul: bool) -> Iterator[str]:
    """The K-th of N slices of a `--files-from` file, by byte position (`io.slices`): each task
    of a job array reads its own slice of one shared listing, not the whole of it."""
    try:
        descriptor = os.open(list_path, os.O_RDONLY)
    except OSError as error:
        raise UsageError(f"--files-from {list_path}: {error.strerror}") from None
    try:

        def read(start: int, end: int) -> bytes:
            return os.pread(descriptor, end - start, start)

        size = os.fstat(descriptor).st_size
        lines = slice_lines(read, size, shard, shards, b"\0" if nul else b"\n")
    finally:
        os.close(descriptor)
    for line in lines:
        if path := without_cr(line, nul):
            yield os.fsdecode(path)


def _all_inputs(inputs: Inputs, env: Environment) -> Iterator[str | Rejection]:
    """PATHs (folders walked), then the --files-from list (not walked: a folder there is
    `not_a_file`); `-` when neither is given."""
    if inputs.files_from is None and not inputs.paths:
        if env.stdin_isatty:
            raise UsageError("no input: give PATH..., --files-from LIST, or pipe dumps to stdin")
        yield STDIN
        return
    files = inputs.files
    yield from discover(list(inputs.paths), only=files.file_filter(), walk=files.walk())
    if inputs.files_from == STDIN:
        yield from paths_from(env.stdin, inputs.null_separated)
    elif inputs.files_from is not None:
        try:
            listing = open(inputs.files_from, "rb")  # noqa: SIM115 (this generator holds it open)
        except OSError as error:
            raise UsageError(f"--files-from {inputs.files_from}: {error.strerror}") from None
        with listing:
            yield from paths_from(listing, inputs.null_separated)


def input_count(inputs: Inputs, env: Environment) -> int | None:
    """How many inputs there are, for the bar; None when a list on stdin cannot be read twice."""
    if inputs.files_from == STDIN or (not inputs.paths and inputs.files_from is None):
        return None
    if inputs.files_from is None and inputs.shard is None:
        files = inputs.files
        return count_inputs(list(inputs.paths), files.file_filter(), files.walk())
    return sum(1 for _ in input_paths(inputs, env))


def _stream_work(env: Environment, max_bytes: int) -> Iterator[Work]:
    """Dumps from stdin in batches, a FLUSH whenever the producer is slower than we are."""
    index = 0
    try:
        for dumps, paused in stream_dumps(env.stdin, max_bytes):
            for start in range(0, len(dumps), _DUMPS_PER_BATCH):
                chunk = dumps[start : start + _DUMPS_PER_BATCH]
                yield DumpBatch(
                    [(index + i, offset, data) for i, (offset, data) in enumerate(chunk)]
                )
                index += len(chunk)
            if paused:
                yield FLUSH
    except StreamRejected as rejected:
        yield Outcome(STDIN, rejection=rejected.rejection)
        return
    except DECOMPRESS_ERRORS as error:
        yield Outcome(STDIN, rejection=Rejection(STDIN, DECOMPRESS_ERROR, str(error)))
        return
    if index == 0:
        yield Outcome(STDIN, rejection=Rejection(STDIN, EMPTY, "no dump on standard input"))


def work_items(
    paths: Iterable[str | Rejection | Candidate], env: Environment, max_bytes: int
) -> Iterator[Work]:
    """Batches of files, stdin's dumps and ready rejections, in input order."""
    batch: list[str] = []
    known: list[Fingerprint | None] = []
    for item in paths:
        if isinstance(item, Rejection) or item == STDIN:
            if batch:
                yield FileBatch(batch, known)
                batch, known = [], []
            if isinstance(item, Rejection):
                yield Outcome(item.path, rejection=item)
            else:
                yield from _stream_work(env, max_bytes)
            continue
        path, fingerprint = (item, None) if isinstance(item, str) else item
        batch.append(path)
        known.append(fingerprint)
        if len(batch) == FILES_PER_BATCH:
            yield FileBatch(batch, known)
            batch, known = [], []
    if batch:
        yield FileBatch(batch, known)


def with_jobs(jobs: int, paths: Iterator[str | Rejection]) -> tuple[int, Iterator[str | Rejection]]:
    """Workers to start: none for a single input, where a pool costs more than it saves."""
    first = list(itertools.islice(paths, 2))
    if len(first) < 2 and STDIN not in first:
        jobs = 1
    return jobs, itertools.chain(first, paths)
