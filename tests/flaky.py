"""An fsspec filesystem that fails on demand: `flaky://` is `memory://` (the same files), but
each call first consults `FAULTS`, and its listings are cached until invalidated, as s3fs's are.

    FAULTS.append(Fault("open:r", "0003.txt", times=2, error=ConnectionError("network down")))

A fault fails the calls of its operation whose path contains `match`, `times` times, then lets
them pass. Tests that use it run the batch in this process (one job), where FAULTS is seen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import fsspec
from fsspec.implementations.memory import MemoryFileSystem


@dataclass
class Fault:
    operation: str  # open:r, open:w, open:x, ls, info, cat, pipe, rm
    match: str
    times: int
    error: BaseException


FAULTS: list[Fault] = []
OPTIONS_SEEN: list[dict[str, Any]] = []


class FlakyFileSystem(MemoryFileSystem):
    protocol = "flaky"
    cachable = False  # a new instance per call: the options each caller gives are seen

    def __init__(self, *args: Any, **options: Any) -> None:
        super().__init__()
        OPTIONS_SEEN.append(options)
        self.listings: dict[str, Any] = {}

    @classmethod
    def _strip_protocol(cls, path):
        if isinstance(path, str) and path.startswith("flaky://"):
            path = "memory://" + path.removeprefix("flaky://")
        return super()._strip_protocol(path)

    def _fail(self, operation: str, path: str) -> None:
        for fault in FAULTS:
            if fault.operation == operation and fault.match in path and fault.times > 0:
                fault.times -= 1
                raise fault.error

    def _open(self, path, mode="rb", **kwargs):
        self._fail(f"open:{mode[0]}", path)
        return super()._open(path, mode, **kwargs)

    def ls(self, path, detail=True, **kwargs):
        self._fail("ls", path)
        key = (self._strip_protocol(path), detail)
        if key not in self.listings:  # a stale view until invalidated, like s3fs's dircache
            self.listings[key] = super().ls(path, detail=detail, **kwargs)
        return self.listings[key]

    def invalidate_cache(self, path=None):
        self.listings.clear()

    def info(self, path, **kwargs):
        self._fail("info", path)
        return super().info(path, **kwargs)

    def cat_file(self, path, version_id=None, start=None, end=None, **kwargs):
        """As s3fs orders its arguments: a caller must give `start` and `end` by keyword."""
        self._fail("cat", path)
        return super().cat_file(path, start, end, **kwargs)

    def cat_ranges(self, paths, starts, ends, max_gap=None, on_error="return", **kwargs):
        """As s3fs's: each range read by keyword (the base class passes them by position)."""
        out = []
        for path, start, end in zip(paths, _each(starts, paths), _each(ends, paths), strict=True):
            try:
                out.append(self.cat_file(path, start=start, end=end, **kwargs))
            except Exception as error:  # returned in place, as fsspec does with "return"
                out.append(error)
        return out

    def pipe_file(self, path, value, mode="overwrite", **kwargs):
        self._fail("pipe", path)
        return super().pipe_file(path, value, mode=mode, **kwargs)

    def rm_file(self, path):
        self._fail("rm", path)
        return super().rm_file(path)


def _each(value, paths):
    return value if isinstance(value, list) else [value] * len(paths)


def register() -> None:
    fsspec.register_implementation("flaky", FlakyFileSystem, clobber=True)
