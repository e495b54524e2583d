"""One shard of a batch, what every engine's task runs: read the shard's slice of the manifest,
parse its inputs, stream its parts under this attempt's own names, then create its commit
marker. The first marker created wins; an attempt that finds one already there removes its own
parts. An input that cannot be read for a reason other than its content (network, timeouts,
credentials) is tried again (`io.retry`) and then fails the attempt, uncommitted: only verdicts
on content are ever committed.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import orjson

from ...core.record import INTERNAL_ERROR, PERMISSION_DENIED, READ_ERROR, Rejection
from ...exits import Interrupted, NewscleanError
from ...io.crashpoints import crash_point
from ...io.parquet import ParquetStream
from ...io.paths import is_url, shown_path
from ...io.read import read_input, read_listed
from ...io.retry import DEFAULT_RETRY, Retry, Unavailable, describe, retried
from ...io.store import Store
from ..outcome import Outcome
from ..work import Settings, outcomes_of
from . import layout, manifest
from .described import read_run
from .documents import FAILED, RUNNING, AttemptFile, Marker, Part, RunDocument, Stats

HEARTBEAT = 30.0  # seconds between the heartbeats of a running attempt (`status.LEASE`)
_JSONL = orjson.OPT_APPEND_NEWLINE


def run_shard(
    out: str,
    shard: int,
    *,
    storage_options: dict[str, Any] | None = None,
    retry: Retry = DEFAULT_RETRY,
) -> Stats:
    """Run shard `shard` of the batch in OUT and commit it; its stats. Safe to run again, and
    beside another attempt at the same shard: one commit wins, whole."""
    store = Store(out, storage_options, retry)
    described = read_run(store)
    shards = described.shards
    if not 0 <= shard < shards:
        raise NewscleanError(f"shard {shard}: the batch in {out} has shards 0 to {shards - 1}")
    attempt = Attempt(store, described.run, shard, shards, described.arguments["format"])
    name = layout.marker_name(shard, shards)
    with attempt.running():
        marker = _write_parts(store, described, attempt, storage_options, retry)
        crash_point("shard-parts-written")
        won = store.create(name, marker.to_json())
    if not won:  # another attempt committed first: its parts are the shard's
        attempt.discard()
        winner = Marker.from_json(store.read(name), shard)
        return marker.stats if winner is None else winner.stats
    attempt.close()
    crash_point("shard-committed")
    return marker.stats


class _Counted:
    """A stream's bytes on their way to the store, counted and hashed for the marker."""

    closed = False  # open until the store's stream is: pyarrow asks before it writes

    def __init__(self, stream: Any) -> None:
        self.stream, self.size, self.digest = stream, 0, hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        self.size += len(data)
        return int(self.stream.write(data))

    def flush(self) -> None:
        """Nothing to do: the store's stream is closed (and made durable) whole."""


def _write_parts(
    store: Store, described: RunDocument, attempt: Attempt,
    options: dict[str, Any] | None, retry: Retry,
) -> Marker:  # fmt: skip
    """Stream the shard's parts; the commit marker that names them."""
    shard, shards = attempt.shard, attempt.shards
    arguments = described.arguments
    members = layout.files_of(arguments).file_filter()
    settings = Settings(layout.parsing_of(arguments), member_filter=members)
    started = time.monotonic()
    inputs = manifest.shard_inputs(
        store, described.manifest, described.manifest_size, shard, shards
    )
    max_bytes = settings.parsing.max_bytes
    files = records = rejected = 0
    names = {kind: attempt.part(kind) for kind in layout.KINDS}
    with (
        store.writing(names[layout.DATA]) as data_stream,
        store.writing(names[layout.ERRORS]) as errors_stream,
    ):
        data, errors = _Counted(data_stream), _Counted(errors_stream)
        with _records_writer(data, attempt.data_format) as writer:
            for path, read in read_listed(inputs, max_bytes, options):
                outcomes = _outcomes(path, read, settings, options, retry)
                files += 1
                crash_point("shard-file", files)
                for outcome in outcomes:  # an archive's members, each
                    writer.write(outcome.lines)
                    records += outcome.records
                    if outcome.rejection is not None:
                        rejected += 1
                        errors.write(orjson.dumps(outcome.rejection, option=_JSONL))
    stats = Stats(shard, files, records, rejected, round(time.monotonic() - started, 3))
    counted = {layout.DATA: data, layout.ERRORS: errors}
    parts = {
        kind: Part(names[kind], part.size, part.digest.hexdigest())
        for kind, part in counted.items()
    }
    return Marker(attempt.run, attempt.id, shard, parts, stats)


def _outcomes(
    path: str, read: bytes | Rejection | None, settings: Settings,
    options: dict[str, Any] | None, retry: Retry,
) -> list[Outcome]:  # fmt: skip
    """The outcomes of one input, its bytes `read` already (None: read here, with retries)."""
    data = read if read is not None else retried(
        lambda: _read(path, settings.parsing.max_bytes, options), shown_path(path), retry
    )  # fmt: skip
    if isinstance(data, Rejection):
        return [Outcome(data.path, rejection=data)]
    return _guarded(shown_path(path), data, settings)


def _read(path: str, max_bytes: int, options: dict[str, Any] | None) -> bytes | Rejection:
    """An input's bytes, or a verdict on it; OSError when reading it failed for a reason that
    says nothing of it: an I/O error, or a URL's credentials or connection."""
    data = read_input(path, max_bytes, options)
    if isinstance(data, Rejection) and data.code in (_URL_FAILURES if is_url(path) else _FAILURES):
        raise OSError(data.message)
    return data


_FAILURES = (READ_ERROR,)
_URL_FAILURES = (READ_ERROR, PERMISSION_DENIED)  # a URL's access is its credentials'


def _guarded(shown: str, data: bytes, settings: Settings) -> list[Outcome]:
    """The outcome of an input's bytes. The one place that catches every error: a bug of ours
    on one input must not fail a shard of thousands (an engine would fail the whole job); it is
    logged as `internal_error` instead, with the exception's type and message. An interrupt is
    no verdict on the input: it ends the shard, uncommitted."""
    try:
        return outcomes_of(shown, data, settings)
    except Interrupted:
        raise
    except Exception as error:
        message = f"{type(error).__name__}: {error}"
        return [Outcome(shown, rejection=Rejection(shown, INTERNAL_ERROR, message))]


def _records_writer(data: _Counted, data_format: str) -> contextlib.closing[Any]:
    """What turns records' lines into the data part: gzip's level 1 (parts are written once
    and read by engines; speed matters more than the last 20 %), or Parquet."""
    if data_format == "parquet":
        return contextlib.closing(ParquetStream(data))  # type: ignore[arg-type]
    return contextlib.closing(gzip.GzipFile(fileobj=data, mode="wb", mtime=0, compresslevel=1))


class Attempt:
    """An attempt at a shard, told in its attempt file while it runs: where it runs (host,
    pid) and a heartbeat, or why it failed."""

    def __init__(self, store: Store, run: str, shard: int, shards: int, data_format: str) -> None:
        self.store, self.run, self.shard, self.shards = store, run, shard, shards
        self.data_format = data_format
        self.id = uuid.uuid4().hex[:16]
        self.name = layout.attempt_name(shard, shards, self.id)
        self.started = time.time()

    def _told(self, state: str, error: str | None = None) -> bytes:
        told = AttemptFile.now(self.run, self.id, self.shard, self.started, state, error)
        return told.to_json()

    @contextlib.contextmanager
    def running(self) -> Iterator[None]:
        """Tell the attempt running, with a heartbeat, while the block runs; failed, with its
        parts removed, when it fails (an interrupt leaves it as it is: its process is gone)."""
        self.store.write(self.name, self._told(RUNNING))
        stop = threading.Event()
        beat = threading.Thread(target=self._beat, args=(stop,), daemon=True)
        beat.start()
        try:
            yield
        except Interrupted:
            raise
        except Exception as error:  # told, then raised on: whatever it was, this attempt failed
            stop.set()
            beat.join()
            self._fail(str(error) if isinstance(error, NewscleanError) else describe(error))
            raise
        finally:
            stop.set()
            beat.join()

    def _beat(self, stop: threading.Event) -> None:
        while not stop.wait(HEARTBEAT):
            with contextlib.suppress(Unavailable):  # a missed beat; the next may pass
                self.store.write(self.name, self._told(RUNNING))

    def _fail(self, error: str) -> None:
        with contextlib.suppress(Unavailable):  # the store is what failed: status finds it stale
            self.remove_parts()
            self.store.write(self.name, self._told(FAILED, error))

    def part(self, kind: str) -> str:
        """The name of this attempt's part of `kind`."""
        return layout.part_of(kind, self.shard, self.shards, self.id, self.data_format)

    def remove_parts(self) -> None:
        for kind in layout.KINDS:
            self.store.remove(self.part(kind))

    def discard(self) -> None:
        """Another attempt committed the shard: this one's parts and file go."""
        self.remove_parts()
        self.close()

    def close(self) -> None:
        self.store.remove(self.name)
