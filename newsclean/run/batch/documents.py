"""The JSON documents a batch writes in OUT, each a dataclass with its writing and its reading
next to it. What is read may have been cut mid-write or written by hand: reading checks every
field it uses, and what cannot be trusted is said (`_run.json`) or taken for nothing (a marker,
an attempt file).

    _run.json                  RunDocument: what the run was asked, its manifest, who began it
    _done/part-K-of-N.json     Marker: the commit of one shard (its parts, sizes, sha256, stats)
    _attempts/part-K-of-N.ID.json  AttemptFile: a running attempt's heartbeat, or why it failed
"""

from __future__ import annotations

import os
import socket
import time
from dataclasses import asdict, dataclass
from typing import Any

import orjson

import newsclean

from ...core.record import CONTRACT_VERSION
from ...exits import UsageError
from . import layout
from .manifest import Written


def _loaded(content: bytes) -> dict[str, Any] | None:
    try:
        loaded = orjson.loads(content)
    except orjson.JSONDecodeError:
        return None
    return loaded if isinstance(loaded, dict) else None


@dataclass(frozen=True, slots=True)
class RunDocument:
    """`_run.json`: created once, create-only, before any shard runs."""

    layout: int
    run: str  # the run's id
    version: str  # of the newsclean that made it, and its record contract
    contract: str
    arguments: dict[str, Any]  # `layout.arguments`: a resume with others is refused
    shards: int
    inputs: int
    manifest: str  # its name in OUT, its size and sha256
    manifest_size: int
    manifest_sha256: str
    created: float
    host: str

    @classmethod
    def new(
        cls, run: str, arguments: dict[str, Any], shards: int, manifest: str, written: Written
    ) -> RunDocument:
        """A new run's document, its manifest `written` as `manifest`."""
        return cls(
            layout.LAYOUT, run, newsclean.__version__, CONTRACT_VERSION, arguments, shards,
            written.inputs, manifest, written.size, written.sha256, time.time(),
            socket.gethostname(),
        )  # fmt: skip

    def to_json(self) -> bytes:
        return orjson.dumps(asdict(self), option=orjson.OPT_INDENT_2)

    @classmethod
    def from_json(cls, content: bytes, url: str, same_version: bool = True) -> RunDocument:
        """The run described by `content`; UsageError when it is damaged, or one this newsclean
        must not go on with (another layout; with `same_version`, another version or record
        contract)."""
        try:
            loaded = orjson.loads(content)
        except orjson.JSONDecodeError as error:
            raise UsageError(f"{url}: {layout.RUN} is damaged ({error}); start a new OUT") from None
        if not isinstance(loaded, dict):
            raise UsageError(f"{url}: {layout.RUN} is damaged (no run in it); start a new OUT")
        made_by = f"newsclean {loaded.get('version')} (record contract {loaded.get('contract')})"
        if loaded.get("layout") != layout.LAYOUT:
            raise UsageError(
                f"{url}: a batch of another layout, made by {made_by}; start a new OUT"
            )
        missing = [key for key in _RUN_FIELDS if key not in loaded]
        if missing or not isinstance(loaded["shards"], int) or loaded["shards"] < 1:
            raise UsageError(
                f"{url}: {layout.RUN} is damaged (missing: {', '.join(missing) or 'shards'}); "
                "start a new OUT"
            )
        this = (newsclean.__version__, CONTRACT_VERSION)
        if same_version and (loaded["version"], loaded["contract"]) != this:
            raise UsageError(
                f"{url}: made by {made_by}, and this is newsclean {this[0]} (contract "
                f"{this[1]}): go on with that version, or start a new OUT"
            )
        return cls(**{key: loaded[key] for key in _RUN_FIELDS})


_RUN_FIELDS = tuple(RunDocument.__dataclass_fields__)


@dataclass(frozen=True, slots=True)
class Part:
    name: str  # in OUT: `data/...` or `errors/...`
    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class Stats:
    """What one shard's attempt did (`files`: inputs; `errors`: rejected inputs)."""

    shard: int
    files: int = 0
    records: int = 0
    errors: int = 0
    seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class Marker:
    """A shard's commit: created once, create-only, after its parts are whole. Readers trust
    only the parts a marker names."""

    run: str
    attempt: str
    shard: int
    parts: dict[str, Part]  # by kind: data, errors
    stats: Stats
    layout: int = layout.LAYOUT

    def to_json(self) -> bytes:
        return orjson.dumps({
            "layout": self.layout, "run": self.run, "attempt": self.attempt, "shard": self.shard,
            "parts": {kind: asdict(part) for kind, part in self.parts.items()},
            "stats": asdict(self.stats),
        })  # fmt: skip

    @classmethod
    def from_json(cls, content: bytes, shard: int) -> Marker | None:
        """The commit in `content`; None when it does not say all a commit says (a file cut,
        or written by hand)."""
        loaded = _loaded(content)
        if loaded is None or not isinstance(loaded.get("attempt"), str):
            return None
        parts, stats = loaded.get("parts"), loaded.get("stats")
        if not isinstance(parts, dict) or not isinstance(stats, dict):
            return None
        read = {kind: _part(parts.get(kind), kind) for kind in layout.KINDS}
        if any(part is None for part in read.values()):
            return None
        if not all(isinstance(stats.get(key), int | float) for key in _STATS):
            return None
        counts = {key: stats[key] for key in _STATS}
        run = loaded.get("run") if isinstance(loaded.get("run"), str) else ""
        return cls(run, loaded["attempt"], shard, read, Stats(shard, **counts))  # type: ignore[arg-type]


_STATS = ("files", "records", "errors", "seconds")


def _part(loaded: object, kind: str) -> Part | None:
    if not isinstance(loaded, dict):
        return None
    name, size, sha256 = loaded.get("name"), loaded.get("size"), loaded.get("sha256", "")
    if not (isinstance(name, str) and name.startswith(f"{kind}/") and isinstance(size, int)):
        return None
    return Part(name, size, sha256 if isinstance(sha256, str) else "")


RUNNING, FAILED = "running", "failed"  # an attempt's states, as its file tells them


@dataclass(frozen=True, slots=True)
class AttemptFile:
    """What an attempt tells while it runs (rewritten at each heartbeat), or why it failed."""

    run: str
    attempt: str
    shard: int
    state: str  # RUNNING or FAILED
    host: str
    pid: int
    started: float
    heartbeat: float
    error: str | None = None

    @classmethod
    def now(cls, run: str, attempt: str, shard: int, started: float, state: str,
            error: str | None = None) -> AttemptFile:  # fmt: skip
        """This process's attempt, telling `state` now."""
        return cls(
            run, attempt, shard, state, socket.gethostname(), os.getpid(), started, time.time(),
            error,
        )  # fmt: skip

    def to_json(self) -> bytes:
        return orjson.dumps(asdict(self))

    @classmethod
    def from_json(cls, content: bytes, shard: int, attempt: str) -> AttemptFile:
        """What an attempt's file tells; one that cannot be read (a store without atomic
        writes, cut mid-write) tells nothing, and is taken for a stale attempt."""
        told = _loaded(content) or {}
        if not all(isinstance(told.get(key), kind) for key, kind in _TOLD.items()):
            return cls("", attempt, shard, RUNNING, "", 0, 0.0, 0.0)
        error = told.get("error")
        run, started = told.get("run"), told.get("started")
        return cls(
            run if isinstance(run, str) else "", attempt, shard, told["state"], told["host"],
            told["pid"], started if isinstance(started, int | float) else 0.0, told["heartbeat"],
            error if isinstance(error, str) else None,
        )  # fmt: skip


_TOLD = {"state": str, "host": str, "pid": int, "heartbeat": int | float}
