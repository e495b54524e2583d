"""The manifest: a run's inputs, listed once, in order, one a line: `path TAB size TAB version`.

Paths are written as UTF-8 (undecodable bytes of a local name kept as they are) with `\\`, TAB,
CR and LF escaped as `\\\\`, `\\t`, `\\r`, `\\n`, so that any name fits on one line. The size and
version (mtime in ns, or an object's ETag) let `--resume` tell an input changed since.
A shard reads only its own slice of the manifest (`io.slices`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

from ...core.record import Rejection
from ...exits import UsageError
from ...io.discover import Listed, listed
from ...io.retry import DEFAULT_RETRY, Retry, Unavailable
from ...io.slices import slice_lines
from ...io.store import Store
from ..settings import FileSelection

_ESCAPES = {b"\\": b"\\\\", b"\t": b"\\t", b"\r": b"\\r", b"\n": b"\\n"}
_SPECIAL = re.compile(rb"[\\\t\r\n]")
_UNESCAPES = {b"\\": b"\\", b"t": b"\t", b"r": b"\r", b"n": b"\n"}


class Written(NamedTuple):
    inputs: int
    size: int
    sha256: str


def line_of(item: Listed) -> bytes:
    path = item.path.encode("utf-8", "surrogateescape")
    if _SPECIAL.search(path):
        path = b"".join(
            _ESCAPES.get(path[at : at + 1], path[at : at + 1]) for at in range(len(path))
        )
    return b"%s\t%d\t%s\n" % (path, item.size, item.version.encode("utf-8", "backslashreplace"))


def path_of(line: bytes) -> str:
    path = line.split(b"\t", 1)[0]
    if b"\\" in path:
        parts, at = [], 0
        while at < len(path):
            if path[at : at + 1] == b"\\":
                parts.append(_UNESCAPES.get(path[at + 1 : at + 2], path[at + 1 : at + 2]))
                at += 2
            else:
                parts.append(path[at : at + 1])
                at += 1
        path = b"".join(parts)
    return path.decode("utf-8", "surrogateescape")


@dataclass(frozen=True, slots=True)
class Listing:
    """What a run lists: its sources, the files of their folders it takes, and how to reach
    them (the fsspec driver's options, retries)."""

    sources: list[str]
    options: dict[str, Any] | None = None
    retry: Retry = DEFAULT_RETRY
    files: FileSelection = FileSelection()

    def inputs(self) -> Iterator[Listed]:
        """The inputs, in order; a folder that cannot be listed is one input (reading it gives
        its rejection)."""
        only, walk = self.files.file_filter(), self.files.walk()
        for item in listed(self.sources, self.options, self.retry, only=only, walk=walk):
            yield Listed(item.path, -1, "") if isinstance(item, Rejection) else item


def write(store: Store, name: str, listing: Listing) -> Written:
    """List the inputs into the manifest `name`, streamed: memory stays flat however many."""
    digest, count, size = hashlib.sha256(), 0, 0
    with store.writing(name) as manifest:
        for item in listing.inputs():
            line = line_of(item)
            manifest.write(line)
            digest.update(line)
            count, size = count + 1, size + len(line)
    return Written(count, size, digest.hexdigest())


def shard_inputs(
    store: Store, name: str, size: int, shard: int, shards: int
) -> list[tuple[str, int]]:
    """The inputs of shard `shard`, each with the size it was listed with (-1: unknown): the
    lines of its slice of the manifest."""

    def read(start: int, end: int) -> bytes:
        try:
            data = store.read_range(name, start, end)
        except FileNotFoundError:
            raise UsageError(
                f"{store.url_of(name)}: the run's manifest is gone; start a new OUT"
            ) from None
        if len(data) != end - start:  # a driver that misread the range: no guess is committed
            raise Unavailable(
                f"{store.url_of(name)}: asked for bytes {start} to {end}, got {len(data)}"
            )
        return data

    return [(path_of(line), _size_of(line)) for line in slice_lines(read, size, shard, shards)]


def _size_of(line: bytes) -> int:
    fields = line.split(b"\t")
    try:
        return int(fields[1])
    except (IndexError, ValueError):
        return -1


def first_change(store: Store, name: str, listing: Listing) -> str | None:
    """List the inputs again and compare with the manifest: the first difference, in words, or
    None when every input is as it was listed."""
    listed_before = _manifest_lines(store, name)
    for item in listing.inputs():
        line, before = line_of(item), next(listed_before, None)
        if line == before:
            continue
        if before is None:
            return f"{item.path} is new"
        if path_of(before) != item.path:
            return f"{path_of(before)} or {item.path} is new or gone"
        return f"{item.path} changed (size, time) {_facts(before)} -> {_facts(line)}"
    extra = next(listed_before, None)
    return f"{path_of(extra)} is gone" if extra is not None else None


def _facts(line: bytes) -> str:
    return "(" + b", ".join(line.rstrip(b"\n").split(b"\t")[1:]).decode("utf-8", "replace") + ")"


def _manifest_lines(store: Store, name: str) -> Iterator[bytes]:
    try:
        with store.reading(name) as manifest:
            yield from manifest
    except FileNotFoundError:
        raise _gone(store, name) from None


def _gone(store: Store, name: str) -> UsageError:
    return UsageError(f"{store.url_of(name)}: the run's manifest is gone; start a new OUT")
