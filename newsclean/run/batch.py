"""Beyond one machine: deterministic shards of a sorted input list, each one task that reads its
own files and writes its own output part; an engine (local processes, Dask, Spark) only
schedules shards.

    OUT/_run.json                          version, arguments, N, the manifest's sha256
    OUT/_manifest.txt                      the sorted input list, listed once
    OUT/data/part-00007-of-00512.jsonl.gz  records of shard 7, in manifest order
    OUT/errors/part-00007-of-00512.jsonl   rejected inputs of shard 7 (path, code, message)
    OUT/stats/part-00007-of-00512.json     files, records, errors, seconds
    OUT/_done/part-00007-of-00512          written last: the shard's commit marker

A shard writes its parts under temporary names, moves them to their final (deterministic) names
and then writes its marker: object stores have no atomic rename, so the marker is the commit,
and a retried or resumed shard overwrites its parts instead of adding to them. OUT may be a
local folder or an fsspec URL (`s3://`, `gs://`, `memory://`); so may the sources.

    >>> from newsclean import batch
    >>> batch.run(["s3://bucket/dumps/"], "s3://bucket/clean/", shards=512, engine="dask")
    >>> batch.run_shard("s3://bucket/clean/", 7)     # what one task of any engine does
"""

from __future__ import annotations

import gzip
import hashlib
import io
import time
import uuid
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import orjson

import newsclean

from ..core.record import CONTRACT_VERSION, INTERNAL_ERROR, Rejection
from ..exits import ExitStatus, Interrupted, NewscleanError, UsageError
from ..io.discover import discover
from ..io.environment import Environment
from ..io.paths import url_filesystem
from ..io.read import DEFAULT_MAX_BYTES
from ..io.sinks import Present, deliver
from .outcome import Outcome
from .scheduler import default_jobs, worker_pool
from .work import Settings, process_file

RUN = "_run.json"
MANIFEST = "_manifest.txt"


def part_name(shard: int, shards: int) -> str:
    return f"part-{shard:05d}-of-{shards:05d}"


class Store:
    """OUT: a folder, local or in an object store, addressed by relative names."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.fs, self.root = url_filesystem(url)

    def path(self, name: str) -> str:
        return f"{self.root.rstrip('/')}/{name}"

    def exists(self, name: str) -> bool:
        return self.fs.exists(self.path(name))

    def read(self, name: str) -> bytes:
        return self.fs.cat_file(self.path(name))

    def write(self, name: str, data: bytes) -> None:
        self.fs.makedirs(self.path(name).rsplit("/", 1)[0], exist_ok=True)
        self.fs.pipe_file(self.path(name), data)

    def listdir(self, folder: str) -> list[str]:
        if not self.fs.exists(self.path(folder)):
            return []
        return sorted(
            entry.rsplit("/", 1)[-1] for entry in self.fs.ls(self.path(folder), detail=False)
        )

    def move(self, temporary: str, final: str) -> None:
        self.fs.mv(self.path(temporary), self.path(final))


@dataclass(slots=True)
class Totals:
    shards: int = 0
    done: int = 0
    files: int = 0
    records: int = 0
    errors: int = 0
    seconds: float = 0.0

    @property
    def error_rate(self) -> float:
        return self.errors / self.files if self.files else 0.0


def list_inputs(sources: Iterable[str]) -> Iterator[str]:
    """The sorted input list: files under local folders or URLs, in the order `parse` reads them."""
    for item in discover(sources):
        yield item.path if isinstance(item, Rejection) else item


def _manifest_lines(sources: list[str]) -> Iterator[bytes]:
    for path in list_inputs(sources):
        yield path.encode("utf-8", "surrogateescape") + b"\n"


def _write_manifest(store: Store, sources: list[str], shards: int) -> tuple[str, int, list[int]]:
    """Stream the manifest out; its sha256, its length and the byte offset of each shard."""
    digest, starts, size = hashlib.sha256(), array("q"), 0
    store.fs.makedirs(store.root, exist_ok=True)
    with store.fs.open(store.path(MANIFEST), "wb") as manifest:
        for line in _manifest_lines(sources):
            starts.append(size)
            manifest.write(line)
            digest.update(line)
            size += len(line)
    count = len(starts)
    offsets = [
        starts[count * k // shards] if count * k // shards < count else size for k in range(shards)
    ]
    return digest.hexdigest(), count, [*offsets, size]


def _arguments(sources: list[str], shards: int, tz: str | None, max_bytes: int) -> dict[str, Any]:
    return {"sources": sources, "shards": shards, "tz": tz, "max_bytes": max_bytes}


def prepare(
    sources: list[str], out: str, shards: int, resume: bool, tz: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> tuple[Store, dict[str, Any]]:  # fmt: skip
    """Write (or, resuming, check) OUT's manifest and run description."""
    if shards < 1:
        raise UsageError("--shards must be 1 or more")
    store = Store(out)
    arguments = _arguments(sources, shards, tz, max_bytes)
    if store.exists(RUN):
        described = orjson.loads(store.read(RUN))
        if not resume:
            raise UsageError(f"{out} holds a run already: add --resume, or choose a new OUT")
        if described["arguments"] != arguments:
            raise UsageError(f"{out}: the run there had other arguments; refusing to resume")
        relisted = hashlib.sha256()
        for line in _manifest_lines(sources):
            relisted.update(line)
        if relisted.hexdigest() != described["manifest_sha256"]:
            raise UsageError(
                f"{out}: the inputs changed since its manifest was made; refusing to resume"
            )
        return store, described
    digest, count, offsets = _write_manifest(store, sources, shards)
    described = {
        "version": newsclean.__version__,
        "contract": CONTRACT_VERSION,
        "arguments": arguments,
        "shards": shards,
        "inputs": count,
        "manifest_sha256": digest,
        "shard_offsets": offsets,
        "created": time.time(),
    }
    store.write(RUN, orjson.dumps(described, option=orjson.OPT_INDENT_2))
    return store, described


def _shard_paths(store: Store, described: dict[str, Any], shard: int) -> list[str]:
    start, end = described["shard_offsets"][shard], described["shard_offsets"][shard + 1]
    with store.fs.open(store.path(MANIFEST), "rb") as manifest:
        manifest.seek(start)
        block = manifest.read(end - start)
    return [line.decode("utf-8", "surrogateescape") for line in block.splitlines()]


def _guarded_outcome(path: str, settings: Settings) -> Outcome:
    """One file's outcome. The one place that catches every error: a bug of ours on one file
    must not fail a shard of thousands (an engine would fail the whole job); it is logged as
    `internal_error` instead, with the exception's type and message. An interrupt (SIGTERM) is
    no verdict on the file: it ends the shard, uncommitted."""
    try:
        return process_file(path, settings)
    except Interrupted:
        raise
    except Exception as error:
        message = f"{type(error).__name__}: {error}"
        return Outcome(path, rejection=Rejection(path, INTERNAL_ERROR, message))


def run_shard(out: str, shard: int) -> dict[str, Any]:
    """Run shard `shard` of the batch in OUT: parse its inputs, write its parts, then its marker.
    Returns its stats. Safe to run again: it overwrites its own parts."""
    store = Store(out)
    described = orjson.loads(store.read(RUN))
    shards, arguments = described["shards"], described["arguments"]
    settings = Settings(arguments["tz"], arguments["max_bytes"])
    name, attempt = part_name(shard, shards), uuid.uuid4().hex[:12]
    started = time.monotonic()
    records = io.BytesIO()
    stats = {"shard": shard, "files": 0, "records": 0, "errors": 0, "seconds": 0.0}
    errors = []
    # Level 1: parts are written once and read by engines; speed matters more than the last 20%.
    with gzip.GzipFile(fileobj=records, mode="wb", mtime=0, compresslevel=1) as data:
        for path in _shard_paths(store, described, shard):
            outcome = _guarded_outcome(path, settings)
            stats["files"] += 1
            data.write(outcome.lines)
            stats["records"] += outcome.records
            if outcome.rejection is not None:
                errors.append(orjson.dumps(outcome.rejection, option=orjson.OPT_APPEND_NEWLINE))
    stats["errors"] = len(errors)
    stats["seconds"] = round(time.monotonic() - started, 3)
    parts = {
        f"data/{name}.jsonl.gz": records.getvalue(),
        f"errors/{name}.jsonl": b"".join(errors),
        f"stats/{name}.json": orjson.dumps(stats),
    }
    for final, content in parts.items():
        folder, base = final.split("/")
        store.write(f"{folder}/.{base}.{attempt}.tmp", content)
    for final in parts:
        folder, base = final.split("/")
        store.move(f"{folder}/.{base}.{attempt}.tmp", final)
    store.write(f"_done/{name}", b"")
    return stats


def pending(out: str) -> list[int]:
    """The shards of the batch in OUT that have no commit marker yet."""
    store = Store(out)
    shards = orjson.loads(store.read(RUN))["shards"]
    done = set(store.listdir("_done"))
    return [k for k in range(shards) if part_name(k, shards) not in done]


def _run_local(out: str, todo: list[int], jobs: int) -> None:
    if jobs <= 1 or len(todo) <= 1:
        for shard in todo:
            run_shard(out, shard)
        return
    with worker_pool(min(jobs, len(todo))) as pool:
        for _ in pool.map(run_shard, [out] * len(todo), todo):
            pass


def _run_dask(out: str, todo: list[int], scheduler: str | None, client: Any, jobs: int) -> None:
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
        # One task per shard; workers write their own parts and return only their stats.
        futures = [
            client.submit(run_shard, out, shard, key=f"newsclean-shard-{shard}-{uuid.uuid4().hex}", retries=3, pure=False)
            for shard in todo
        ]  # fmt: skip
        wait(futures)
        failed = [future for future in futures if future.status != "finished"]
        if failed:
            raise NewscleanError(
                f"{len(failed)} shard(s) failed on Dask: {failed[0].exception()}",
                ExitStatus.REJECTED,
            )
    finally:
        if own_client:
            cluster = client.cluster
            client.close()
            if cluster is not None:
                cluster.close()


@dataclass(slots=True)
class BatchStatus:
    """Where a batch stands: its totals, and which shards are done, running or missing."""

    totals: Totals
    done: list[int]
    running: list[int]
    missing: list[int]

    @property
    def exit_status(self) -> ExitStatus:
        """OK only when every shard is done."""
        return ExitStatus.REJECTED if self.missing or self.running else ExitStatus.OK

    def report(self) -> dict[str, Any]:
        found = self.totals
        return {"shards": found.shards, "done": self.done, "running": self.running,
                "missing": self.missing, "files": found.files, "records": found.records,
                "errors": found.errors, "seconds": round(found.seconds, 3)}  # fmt: skip


def run_status(
    out: str, env: Environment | None = None, present: Present | None = None
) -> ExitStatus:
    """Report where the batch in OUT stands (as JSON on stdout unless `present` draws it); OK
    only when every shard is done."""
    found = status(out)
    deliver(found.report(), (env or Environment()).stdout, present)
    return found.exit_status


def status(out: str) -> BatchStatus:
    """The totals of the done shards of OUT, and which shards are done, running or missing."""
    store = Store(out)
    described = orjson.loads(store.read(RUN))
    shards = described["shards"]
    found = Totals(shards=shards)
    done = set(store.listdir("_done"))
    writing = {entry.split(".")[1] for entry in store.listdir("data") if entry.endswith(".tmp")}
    result = BatchStatus(found, [], [], [])
    for shard in range(shards):
        name = part_name(shard, shards)
        if name in done:
            result.done.append(shard)
            stats = orjson.loads(store.read(f"stats/{name}.json"))
            found.files += stats["files"]
            found.records += stats["records"]
            found.errors += stats["errors"]
            found.seconds += stats["seconds"]
        else:
            (result.running if name in writing else result.missing).append(shard)
    found.done = len(result.done)
    return result


def run(
    sources: list[str], out: str, shards: int, *, engine: str = "local",
    scheduler: str | None = None, resume: bool = False, max_error_rate: float | None = None,
    jobs: int | None = None, tz: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES,
    client: Any = None,
) -> tuple[ExitStatus, Totals]:  # fmt: skip
    """Run (or resume) a batch: list the inputs once, run every shard not yet done, and say how
    it went: REJECTED when the error rate passes `max_error_rate`."""
    if engine not in ("local", "dask"):
        raise UsageError(f"--engine {engine}: choose local or dask")
    prepare(sources, out, shards, resume, tz, max_bytes)
    todo = pending(out)
    jobs = jobs or default_jobs()
    if engine == "dask":
        _run_dask(out, todo, scheduler, client, jobs)
    else:
        _run_local(out, todo, jobs)
    found = status(out).totals
    too_many = max_error_rate is not None and found.error_rate > max_error_rate
    return (ExitStatus.REJECTED if too_many else ExitStatus.OK), found
