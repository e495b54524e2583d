"""Parallel scheduling: workers do the work (`work`); results come back in input order.

Work arrives as batches (many files, or many dumps cut from a stream); a bounded window of
batches is in flight, so memory stays flat however many inputs there are. With one job,
everything runs in this process and no pool is started. A `FLUSH` in the work asks for every
result so far before going on (a slow stream's records must come out at once).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections import deque
from collections.abc import Generator, Iterable, Iterator
from enum import Enum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

from ..exits import NewscleanError
from .outcome import Outcome
from .work import DumpBatch, FileBatch, Settings, merged, process


class Flush(Enum):
    """A mark in the work: every result so far is wanted before going on."""

    FLUSH = "flush"


FLUSH = Flush.FLUSH
_BATCHES_PER_JOB = 4

Work = FileBatch | DumpBatch | Outcome | Flush
Result = Outcome | Flush  # what a run gives back, in the order of its work


Done = tuple[list[tuple[Any, ...]], FileBatch | None]  # a worker's outcomes, and the batch's rest


def _process_in_worker(work: FileBatch | DumpBatch, settings: Settings) -> Done:
    """`process` in a worker: its outcomes go back merged (`work.merged`) and as plain tuples,
    which pickle three times faster than NamedTuples."""
    outcomes, rest = process(work, settings)
    return [tuple(outcome) for outcome in merged(outcomes)], rest


_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def worker_setup(parent: int) -> None:
    """Set up a worker process: it dies with its parent, however the parent dies (a SIGKILL
    included), and leaves SIGINT and SIGTERM to the parent, which stops it and cleans up."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if sys.platform == "linux":
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)


@contextlib.contextmanager
def worker_pool(jobs: int) -> Iterator[ProcessPoolExecutor]:
    """A pool of `jobs` worker processes (see `worker_setup`). Left early (an interrupt, an
    error, a generator closed), it kills its workers at once (`_kill_workers`): they must not
    finish work nobody will read, nor outlive the run."""
    # Imported here: a run over one input needs no pool, and starts faster without them.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
    pool = ProcessPoolExecutor(
        jobs, mp_context=context, initializer=worker_setup, initargs=(os.getpid(),)
    )
    finished = False
    try:
        # The workers and the pool's manager thread start now, with SIGINT and SIGTERM held
        # back: a pool interrupted while it starts cannot be shut down (its thread not yet
        # joinable). A signal held meanwhile is raised when the mask is restored, in this `try`.
        held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        try:
            pool.submit(int).result()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
        yield pool
        finished = True
    finally:
        if not finished:
            _kill_workers(pool)
        pool.shutdown(wait=True, cancel_futures=not finished)


def _kill_workers(pool: ProcessPoolExecutor) -> None:
    """Kill the pool's workers, and make sure its manager thread can still end.

    A worker killed while it wrote a result leaves part of a message in the result pipe, and
    the manager thread would wait for the rest forever (and `shutdown` for that thread). This
    process holds the pipe's writing end too (the workers inherited theirs from it): once every
    worker is dead, closing it turns that wait into end-of-file, which the executor takes for a
    broken pool and cleans up after. The executor has no public way to do either before
    Python 3.14 (`terminate_workers`), hence its private names, looked up defensively."""
    workers = list((getattr(pool, "_processes", None) or {}).values())
    for worker in workers:  # all at once: a worker left alive while another dies may commit
        worker.kill()
    for worker in workers:
        worker.join()
    writer = getattr(getattr(pool, "_result_queue", None), "_writer", None)
    if writer is not None:
        writer.close()


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _done(outcome: Outcome) -> Future[Done]:
    from concurrent.futures import Future

    future: Future[Done] = Future()
    future.set_result(([tuple(outcome)], None))
    return future


def _next_outcomes(
    window: deque[Future[Done]], pool: ProcessPoolExecutor, settings: Settings
) -> Iterator[Outcome]:
    """The outcomes of the window's first batch; the rest of that batch, if it stopped early,
    goes to a worker at the window's front, next in order."""
    outcomes, rest = window.popleft().result()
    if rest is not None:
        window.appendleft(pool.submit(_process_in_worker, rest, settings))
    return map(Outcome._make, outcomes)


def _in_process(work: Iterable[Work], settings: Settings) -> Generator[Result, None, None]:
    for item in work:
        if not isinstance(item, FileBatch | DumpBatch):
            yield item
            continue
        batch: FileBatch | DumpBatch | None = item
        while batch is not None:
            outcomes, batch = process(batch, settings)
            yield from outcomes


def _in_pool(work: Iterable[Work], settings: Settings, jobs: int) -> Generator[Result, None, None]:
    from concurrent.futures.process import BrokenProcessPool

    window: deque[Future[Done]] = deque()
    try:
        with worker_pool(jobs) as pool:
            for item in work:
                if item is FLUSH:
                    while window:
                        yield from _next_outcomes(window, pool, settings)
                    yield FLUSH
                    continue
                if isinstance(item, FileBatch | DumpBatch):
                    window.append(pool.submit(_process_in_worker, item, settings))
                else:
                    window.append(_done(item))
                while len(window) > jobs * _BATCHES_PER_JOB or (window and window[0].done()):
                    yield from _next_outcomes(window, pool, settings)
            while window:
                yield from _next_outcomes(window, pool, settings)
    except BrokenProcessPool:
        raise NewscleanError("a worker process died; no output was committed") from None


def in_order(work: Iterable[Work], settings: Settings, jobs: int) -> Generator[Result, None, None]:
    """Outcomes of `work` in its order (and each FLUSH once all before it are out)."""
    if jobs <= 1:
        return _in_process(work, settings)
    return _in_pool(work, settings, jobs)
