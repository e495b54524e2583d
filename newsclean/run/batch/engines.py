"""Engines run shards: processes on this machine, or tasks on a Dask cluster. Each only calls
`run_shard` and collects why a shard failed; whether the batch is complete is read from OUT
afterwards, never taken from an engine's word."""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from ...exits import NewscleanError, UsageError
from ...io.retry import Retry, Unavailable
from ..scheduler import worker_pool
from .documents import Stats
from .shard import run_shard

Failures = dict[int, str]  # shard -> why it failed
WORKER_WAIT = 60.0  # seconds a Dask cluster may take to have a worker before the run gives up


def in_this_process(locations: list[str]) -> bool:
    """`memory://` lives in this process's memory: another process would not see it."""
    return any(location.startswith("memory://") for location in locations)


ShardDone = Callable[[Stats], None]  # told each committed shard's stats, as they come


def _told(done: ShardDone | None, stats: Stats) -> None:
    if done is not None:
        done(stats)


def run_local(
    out: str, todo: list[int], jobs: int, options: dict[str, Any] | None, retry: Retry,
    in_process: bool, done: ShardDone | None = None,
) -> Failures:  # fmt: skip
    failures: Failures = {}
    if jobs <= 1 or len(todo) <= 1 or in_process:
        for shard in todo:
            try:
                _told(done, run_shard(out, shard, storage_options=options, retry=retry))
            except Unavailable as error:
                failures[shard] = str(error)
        return failures
    from concurrent.futures import as_completed
    from concurrent.futures.process import BrokenProcessPool

    try:
        with worker_pool(min(jobs, len(todo))) as pool:
            futures = {
                pool.submit(run_shard, out, shard, storage_options=options, retry=retry): shard
                for shard in todo
            }
            for future in as_completed(futures):
                try:
                    _told(done, future.result())
                except Unavailable as error:
                    failures[futures[future]] = str(error)
    except BrokenProcessPool:  # a worker killed (the OOM killer, a person): what it did not
        # commit is read back from OUT as not done; --resume finishes it
        for shard in todo:
            failures.setdefault(shard, "a worker process died (killed by the system?)")
    return failures


@contextlib.contextmanager
def dask_client(scheduler: str | None, client: Any, jobs: int) -> Iterator[Any]:
    """A Dask client: `client` as given, else one connected to `scheduler` (or to a local
    cluster), closed after. Connected before anything is written to OUT, so that a scheduler
    out of reach leaves nothing that a plain run again would trip on (exit 69)."""
    if client is not None:
        yield client
        return
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise UsageError(
            "--engine dask needs dask.distributed: pip install 'newsclean[dask]'"
        ) from None
    try:
        own = (
            Client(scheduler)
            if scheduler
            else Client(LocalCluster(n_workers=jobs, threads_per_worker=1))
        )
    except OSError as error:  # refused, unreachable, timed out
        raise NewscleanError(f"Dask scheduler {scheduler}: {error}", Unavailable.status) from None
    # Distributed logs a lost scheduler with its traceback (as ERROR, from loggers it configures
    # itself); our own line says what happened. newsclean logs nothing of its own.
    logging.disable(logging.ERROR)
    try:
        yield own
    finally:
        cluster = own.cluster
        own.close()
        if cluster is not None:
            cluster.close()
        logging.disable(logging.NOTSET)


def run_dask(
    out: str, todo: list[int], client: Any, options: dict[str, Any] | None, retry: Retry,
    done: ShardDone | None = None, worker_wait: float = WORKER_WAIT,
) -> Failures:  # fmt: skip
    from concurrent.futures import CancelledError

    from dask.distributed import as_completed

    _wait_for_a_worker(client, worker_wait)

    # One task per shard; workers write their own parts and return only their stats. A
    # task that fails (a worker lost, a store unreachable) is tried again by Dask.
    futures = {
        shard: client.submit(
            run_shard, out, shard, storage_options=options, retry=retry,
            key=f"newsclean-shard-{shard}-{uuid.uuid4().hex}", retries=3, pure=False,
        )
        for shard in todo
    }  # fmt: skip
    try:
        for finished in as_completed(list(futures.values())):
            if finished.status == "finished":
                _told(done, finished.result())
        return {
            shard: f"on Dask: {future.exception()}"
            for shard, future in futures.items()
            if future.status != "finished"
        }
    except (OSError, CancelledError) as error:  # the scheduler lost mid-run: what was not
        # committed is read back from OUT as not done; --resume finishes it
        why = f"the Dask scheduler was lost ({type(error).__name__})"
        return dict.fromkeys(todo, why)


def _wait_for_a_worker(client: Any, seconds: float) -> None:
    """A cluster with no worker would leave every task waiting, and the run silent, for good."""
    try:
        client.wait_for_workers(1, timeout=seconds)
    except TimeoutError:
        raise Unavailable(
            f"the Dask cluster had no worker within {seconds:g} s (--worker-wait): "
            "nothing was run; --resume once it has some"
        ) from None
