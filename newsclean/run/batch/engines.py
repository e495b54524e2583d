"""Engines run shards: processes on this machine, or tasks on a Dask cluster. Each only calls
`run_shard` and collects why a shard failed; whether the batch is complete is read from OUT
afterwards, never taken from an engine's word."""

from __future__ import annotations

import uuid
from typing import Any

from ...exits import NewscleanError, UsageError
from ...io.retry import Retry, Unavailable
from ..scheduler import worker_pool
from .shard import run_shard

Failures = dict[int, str]  # shard -> why it failed


def in_this_process(locations: list[str]) -> bool:
    """`memory://` lives in this process's memory: another process would not see it."""
    return any(location.startswith("memory://") for location in locations)


def run_local(
    out: str, todo: list[int], jobs: int, options: dict[str, Any] | None, retry: Retry,
    in_process: bool,
) -> Failures:  # fmt: skip
    failures: Failures = {}
    if jobs <= 1 or len(todo) <= 1 or in_process:
        for shard in todo:
            try:
                run_shard(out, shard, storage_options=options, retry=retry)
            except Unavailable as error:
                failures[shard] = str(error)
        return failures
    with worker_pool(min(jobs, len(todo))) as pool:
        futures = {
            shard: pool.submit(run_shard, out, shard, storage_options=options, retry=retry)
            for shard in todo
        }
        for shard, future in futures.items():
            try:
                future.result()
            except Unavailable as error:
                failures[shard] = str(error)
    return failures


def run_dask(
    out: str, todo: list[int], scheduler: str | None, client: Any, jobs: int,
    options: dict[str, Any] | None, retry: Retry,
) -> Failures:  # fmt: skip
    try:
        from dask.distributed import Client, LocalCluster, wait
    except ImportError:
        raise UsageError(
            "--engine dask needs dask.distributed: pip install 'newsclean[dask]'"
        ) from None
    own_client = client is None
    if own_client:
        client = (
            Client(scheduler)
            if scheduler
            else Client(LocalCluster(n_workers=jobs, threads_per_worker=1))
        )
    try:
        # One task per shard; workers write their own parts and return only their stats. A
        # task that fails (a worker lost, a store unreachable) is tried again by Dask.
        futures = {
            shard: client.submit(
                run_shard, out, shard, storage_options=options, retry=retry,
                key=f"newsclean-shard-{shard}-{uuid.uuid4().hex}", retries=3, pure=False,
            )
            for shard in todo
        }  # fmt: skip
        wait(list(futures.values()))
        return {
            shard: f"on Dask: {future.exception()}"
            for shard, future in futures.items()
            if future.status != "finished"
        }
    except OSError as error:  # the scheduler cannot be reached
        raise NewscleanError(f"Dask scheduler {scheduler}: {error}", Unavailable.status) from None
    finally:
        if own_client:
            cluster = client.cluster
            client.close()
            if cluster is not None:
                cluster.close()
