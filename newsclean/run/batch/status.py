"""Where a batch stands, read from its markers and attempt files alone: each shard is

    done      a commit marker names its parts, and they are there, of the sizes it says
    running   an attempt's heartbeat is fresh (on this host: its process is alive)
    failed    an attempt gave up (an input or the store stayed unreachable), or a commit
              names a part that is missing or of another size
    stale     an attempt stopped without a word (killed, or its machine lost)
    missing   nothing was tried yet

Listings are read afresh (the driver's cache dropped first). Readers trust only what a marker
names: `committed_parts`.
"""

from __future__ import annotations

import hashlib
import socket
import time
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ...exits import ExitStatus
from ...io.environment import process_alive
from ...io.retry import DEFAULT_RETRY, Retry
from ...io.store import Store
from . import layout
from .described import read_run
from .documents import FAILED, RUNNING, AttemptFile, Marker, RunDocument

LEASE = 600.0  # seconds without a heartbeat (`shard.HEARTBEAT`) after which an attempt is stale


class ShardState(StrEnum):
    DONE = "done"
    RUNNING = "running"
    FAILED = "failed"
    STALE = "stale"
    MISSING = "missing"


@dataclass(slots=True)
class Totals:
    shards: int = 0
    done: int = 0
    inputs: int = 0
    records: int = 0
    rejected: int = 0
    seconds: float = 0.0

    @property
    def error_rate(self) -> float:
        return self.rejected / self.inputs if self.inputs else 0.0


@dataclass(slots=True)
class BatchStatus:
    """Each shard's state, why the failed ones failed, and the totals of the done ones."""

    totals: Totals
    states: list[ShardState]
    why: dict[int, str] = field(default_factory=dict)

    def shards_in(self, state: ShardState) -> list[int]:
        return [shard for shard, each in enumerate(self.states) if each is state]

    @property
    def complete(self) -> bool:
        return all(state is ShardState.DONE for state in self.states)

    @property
    def exit_status(self) -> ExitStatus:
        """OK only when every shard is done."""
        return ExitStatus.OK if self.complete else ExitStatus.REJECTED

    def report(self) -> dict[str, Any]:
        totals = self.totals
        return {
            "shards": totals.shards, **{state.value: self.shards_in(state) for state in ShardState},
            "why": {str(shard): why for shard, why in sorted(self.why.items())},
            "inputs": totals.inputs, "records": totals.records, "rejected": totals.rejected,
            "seconds": round(totals.seconds, 3),
        }  # fmt: skip


@dataclass(slots=True)
class _Survey:
    """What OUT holds: valid markers, attempt files, and the parts on the store."""

    shards: int
    markers: dict[int, Marker]
    damaged: dict[int, str]
    attempts: dict[int, list[AttemptFile]]
    files: dict[str, dict[str, int]]  # folder -> name -> size


def survey(store: Store, shards: int, verify: bool = False) -> _Survey:
    """What OUT holds; with `verify`, each committed part is read and checked against the
    sha256 its commit names (a part changed in place keeps its size)."""
    files = {
        folder: store.listing(folder) for folder in (layout.DONE, layout.ATTEMPTS, *layout.KINDS)
    }
    markers: dict[int, Marker] = {}
    damaged: dict[int, str] = {}
    marker_shards = {
        f"{layout.DONE}/{name}": shard
        for name in files[layout.DONE]
        if (shard := layout.shard_of_marker(name)) is not None
    }
    for name, content in (store.read_many(list(marker_shards)) if marker_shards else {}).items():
        marker = Marker.from_json(content, marker_shards[name])
        if marker is None:
            damaged[marker_shards[name]] = "its commit is unreadable"
        elif problem := _damage(marker, files) or (verify and _changed(store, marker)):
            damaged[marker_shards[name]] = problem
        else:
            markers[marker_shards[name]] = marker
    attempt_names = [
        f"{layout.ATTEMPTS}/{name}" for name in files[layout.ATTEMPTS]
        if (owner := layout.shard_and_attempt(name)) is not None and owner[0] not in markers
    ]  # fmt: skip
    attempts: dict[int, list[AttemptFile]] = {}
    for name, content in (store.read_many(attempt_names) if attempt_names else {}).items():
        shard, attempt = layout.shard_and_attempt(name.rsplit("/", 1)[-1]) or (-1, "")
        attempts.setdefault(shard, []).append(AttemptFile.from_json(content, shard, attempt))
    return _Survey(shards, markers, damaged, attempts, files)


def _damage(marker: Marker, files: dict[str, dict[str, int]]) -> str | None:
    for part in marker.parts.values():
        folder, name = part.name.split("/", 1)
        if files[folder].get(name) != part.size:
            return f"its commit names {part.name} ({part.size} bytes), which is missing or of another size"
    return None


def _changed(store: Store, marker: Marker) -> str | None:
    """Whether a committed part's bytes are no longer those its commit names (by sha256)."""
    for part in marker.parts.values():
        digest = hashlib.sha256()
        with store.reading(part.name) as stream:
            while chunk := stream.read(_VERIFY_READ):
                digest.update(chunk)
        if digest.hexdigest() != part.sha256:
            return f"{part.name} changed since its commit (sha256 differs): its shard runs again"
    return None


_VERIFY_READ = 1 << 20


def alive(told: AttemptFile, now: float) -> bool:
    """Whether an attempt still runs: its process, on this host; its heartbeat, elsewhere."""
    if told.state != RUNNING:
        return False
    if told.host == socket.gethostname():
        return process_alive(told.pid)
    return now - told.heartbeat < LEASE


def _state(shard: int, surveyed: _Survey, now: float) -> tuple[ShardState, str | None]:
    if shard in surveyed.markers:
        return ShardState.DONE, None
    if shard in surveyed.damaged:
        return ShardState.FAILED, surveyed.damaged[shard]
    attempts = sorted(surveyed.attempts.get(shard, []), key=lambda told: told.heartbeat)
    if any(alive(told, now) for told in attempts):
        return ShardState.RUNNING, None
    failed = [told for told in attempts if told.state == FAILED]
    if failed:
        return ShardState.FAILED, failed[-1].error
    return (ShardState.STALE, None) if attempts else (ShardState.MISSING, None)


def status_of(
    store: Store, described: RunDocument, now: float | None = None, verify: bool = False
) -> tuple[BatchStatus, _Survey]:
    shards = described.shards
    surveyed = survey(store, shards, verify)
    now = time.time() if now is None else now
    result = BatchStatus(Totals(shards=shards), [])
    for shard in range(shards):
        state, why = _state(shard, surveyed, now)
        result.states.append(state)
        if why is not None:
            result.why[shard] = why
        if state is ShardState.DONE:
            stats = surveyed.markers[shard].stats
            result.totals.inputs += stats.files
            result.totals.records += stats.records
            result.totals.rejected += stats.errors
            result.totals.seconds += stats.seconds
    result.totals.done = len(surveyed.markers)
    return result, surveyed


def status(
    out: str, storage_options: dict[str, Any] | None = None, retry: Retry = DEFAULT_RETRY,
    verify: bool = False,
) -> BatchStatus:  # fmt: skip
    """Each shard's state in the batch in OUT, and the totals of its done shards (`verify`: its
    committed parts read and checked against their sha256)."""
    store = Store(out, storage_options, retry)
    return status_of(store, read_run(store, same_version=False), verify=verify)[0]


def committed_parts(
    out: str, kind: str = layout.DATA, storage_options: dict[str, Any] | None = None,
    retry: Retry = DEFAULT_RETRY, verify: bool = False,
) -> list[str]:  # fmt: skip
    """The parts of `kind` (data or errors) that commit markers name, in shard order, as paths
    or URLs: all a reader should read (check `status(out).complete` first). With `verify`, only
    those whose shard's parts all match their commit's sha256."""
    store = Store(out, storage_options, retry)
    surveyed = survey(store, read_run(store, same_version=False).shards, verify)
    return [
        store.url_of(surveyed.markers[shard].parts[kind].name) for shard in sorted(surveyed.markers)
    ]


def remove_leftovers(store: Store, surveyed: _Survey, now: float) -> None:
    """Remove what no commit names and no running attempt may still write: the parts and files
    of crashed or failed attempts, and commits that name damaged parts (their shards run again)."""
    running = {
        (shard, told.attempt) for shard, attempts in surveyed.attempts.items()
        for told in attempts if alive(told, now)
    }  # fmt: skip
    kept = running | {(shard, marker.attempt) for shard, marker in surveyed.markers.items()}
    for folder in (*layout.KINDS, layout.ATTEMPTS):
        for name in surveyed.files[folder]:
            owner = layout.shard_and_attempt(name)
            if owner is not None and owner not in kept:
                store.remove(f"{folder}/{name}")
    for shard in surveyed.damaged:
        store.remove(layout.marker_name(shard, surveyed.shards))
