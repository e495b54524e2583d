"""Beyond one machine: deterministic shards of one sorted listing of the inputs, each one task
that reads its own inputs and commits its own parts; an engine (local processes, Dask, Spark, a
job array) only schedules shards. Exit 0 means every input was processed exactly once, by one
run, into parts that commit markers name (`layout` has the names):

- one run owns OUT: `_run.json` is created create-only; resuming needs the same newsclean, the
  same arguments and unchanged inputs (size and modification time or ETag, as listed);
- only verdicts on content are committed: an input or store that cannot be reached is tried
  again with backoff, then fails its shard, uncommitted (`--resume` runs it again);
- each attempt writes its parts under its own id; the marker, created last and create-only,
  names the attempt and each part's size and sha256: readers trust only what a marker names;
- at the end every shard's marker is read back, afresh: the exit status is the store's word.

    >>> from newsclean import batch
    >>> batch.run(["s3://bucket/dumps/"], "s3://bucket/clean/", shards=512, engine="dask")
    >>> batch.run_shard("s3://bucket/clean/", 7)     # what one task of any engine does
    >>> batch.committed_parts("s3://bucket/clean/")  # the data parts to read, in order
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

from ...core.record import Rejection
from ...exits import ExitStatus, NewscleanError, UsageError
from ...io.discover import discover
from ...io.retry import DEFAULT_RETRY, Retry, Unavailable
from ..scheduler import default_jobs
from ..settings import FileSelection, Parsing
from .described import absolute, prepare
from .engines import (
    WORKER_WAIT,
    Failures,
    ShardDone,
    dask_client,
    in_this_process,
    run_dask,
    run_local,
)
from .layout import DATA, part_name
from .shard import run_shard
from .status import (
    BatchStatus,
    ShardState,
    Totals,
    committed_parts,
    remove_leftovers,
    status,
    status_of,
)

__all__ = [
    "BatchStatus", "FileSelection", "Parsing", "Retry", "ShardState", "Totals", "committed_parts",
    "list_inputs", "part_name", "pending",
    "prepare", "run", "run_parts", "run_shard", "run_status", "status",
]  # fmt: skip


def list_inputs(sources: Iterable[str]) -> Iterator[str]:
    """The sorted input list: files under local folders or URLs, in the order `parse` reads them."""
    for item in discover(sources):
        yield item.path if isinstance(item, Rejection) else item


def pending(out: str, storage_options: dict[str, Any] | None = None) -> list[int]:
    """The shards of the batch in OUT that are neither done nor running."""
    current = status(out, storage_options)
    return [
        shard
        for shard, state in enumerate(current.states)
        if state not in (ShardState.DONE, ShardState.RUNNING)
    ]


def run(
    sources: list[str], out: str, shards: int, *, engine: str = "local",
    scheduler: str | None = None, resume: bool = False, max_error_rate: float | None = None,
    jobs: int | None = None, parsing: Parsing = Parsing(), files: FileSelection = FileSelection(),
    client: Any = None, storage_options: dict[str, Any] | None = None, retry: Retry = DEFAULT_RETRY,
    data_format: str = "jsonl", done: ShardDone | None = None, worker_wait: float = WORKER_WAIT,
) -> tuple[ExitStatus, Totals]:  # fmt: skip
    """Run (or resume) a batch: list the inputs once, run every shard not yet done, read back
    from OUT that every one is, and say how it went: REJECTED when the error rate passes
    `max_error_rate`. `done` is told each shard's stats as it commits; on Dask, a cluster
    with no worker after `worker_wait` seconds is Unavailable. Raises Unavailable when shards could not be done (an input or the store
    unreachable: `resume=True` goes on), NewscleanError (STATE_LOCKED) when another attempt
    still runs some."""
    if engine not in ("local", "dask"):
        raise UsageError(f"--engine {engine}: choose local or dask")
    if engine == "local" and (scheduler is not None or client is not None):
        raise UsageError("--scheduler is for --engine dask: the local engine runs processes here")
    in_process = in_this_process([*sources, out])
    if in_process and engine == "dask":
        raise UsageError("memory:// lives in this process: Dask workers cannot see it")
    jobs = jobs or default_jobs()
    with dask_client(scheduler, client, jobs) if engine == "dask" else nullcontext() as dask:
        return _run(
            sources, out, shards, dask, resume=resume, max_error_rate=max_error_rate, jobs=jobs,
            parsing=parsing, files=files, storage_options=storage_options, retry=retry,
            in_process=in_process, data_format=data_format, done=done, worker_wait=worker_wait,
        )  # fmt: skip


def _run(
    sources: list[str], out: str, shards: int, dask: Any, *, resume: bool,
    max_error_rate: float | None, jobs: int, parsing: Parsing, files: FileSelection,
    storage_options: dict[str, Any] | None, retry: Retry, in_process: bool, data_format: str,
    done: ShardDone | None, worker_wait: float,
) -> tuple[ExitStatus, Totals]:  # fmt: skip
    store, described = prepare(
        sources, out, shards, resume=resume, parsing=parsing, files=files,
        storage_options=storage_options, retry=retry, data_format=data_format,
    )  # fmt: skip
    # A resume reads every committed part back against its sha256: one changed in place
    # (same size) is found, its commit removed, and its shard run again.
    before, surveyed = status_of(store, described, verify=resume)
    if resume:
        remove_leftovers(store, surveyed, time.time())
    todo = [
        shard
        for shard, state in enumerate(before.states)
        if state not in (ShardState.DONE, ShardState.RUNNING)
    ]
    out = store.url
    if dask is not None:
        failures = run_dask(out, todo, dask, storage_options, retry, done, worker_wait)
    else:
        failures = run_local(out, todo, jobs, storage_options, retry, in_process, done)
    after, _ = status_of(store, described)
    _check_complete(after, failures)
    too_many = max_error_rate is not None and after.totals.error_rate > max_error_rate
    return (ExitStatus.REJECTED if too_many else ExitStatus.OK), after.totals


def _check_complete(after: BatchStatus, failures: Failures) -> None:
    """Raise unless every shard has its marker, as read back from OUT."""
    if after.complete:
        return
    shards = after.totals.shards
    left = [shard for shard, state in enumerate(after.states) if state is not ShardState.DONE]
    reasons = {**after.why, **failures}
    told = "; ".join(
        f"shard {shard} {after.states[shard].value}"
        + (f": {reasons[shard]}" if shard in reasons else "")
        for shard in left[:3]
    ) + ("; ..." if len(left) > 3 else "")
    summary = f"{after.totals.done}/{shards} shards done ({told})"
    if all(after.states[shard] is ShardState.RUNNING for shard in left):
        raise NewscleanError(
            f"{summary}: another attempt runs them; see `newsclean batch status`, and --resume "
            "once they stop", ExitStatus.STATE_LOCKED,
        )  # fmt: skip
    raise Unavailable(f"{summary}: run the same command with --resume to finish")


def run_status(
    out: str, storage_options: dict[str, Any] | None = None, verify: bool = False
) -> BatchStatus:
    """Where the batch in OUT stands: its `exit_status` is OK only when every shard is done
    (`verify`: and its parts match their commits' sha256)."""
    return status(absolute(out), storage_options, verify=verify)


@dataclass(frozen=True, slots=True)
class Parts:
    """The parts of one kind that commit markers name, in order, and where the batch stands
    (a shard not done has no part in the list)."""

    parts: list[str]
    status: BatchStatus


def run_parts(
    out: str, kind: str = DATA, storage_options: dict[str, Any] | None = None,
    verify: bool = False,
) -> Parts:  # fmt: skip
    """The parts of `kind` that markers name (`verify`: only those that match their commit's
    sha256, read back)."""
    current = status(absolute(out), storage_options, verify=verify)
    return Parts(committed_parts(absolute(out), kind, storage_options, verify=verify), current)
