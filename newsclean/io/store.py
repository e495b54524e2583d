"""A batch's output folder, local or in an object store (through fsspec), addressed by names
relative to it. Every call is retried (`retry.retried`): a store that cannot be reached raises
`Unavailable` with one line saying where and why.

Creating a file only when it does not exist (`create`) is what fences runs and attempts: it is
atomic on local and network file systems (O_EXCL) and on stores whose fsspec driver implements
mode "xb" (a conditional put); elsewhere it checks first, which is as good as the store allows.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable, Iterator
from typing import IO, Any

from ..exits import Interrupted
from .paths import url_filesystem
from .retry import DEFAULT_RETRY, Retry, Unavailable, describe, retried
from .sinks import fsync_path, make_durable


class Store:
    """OUT: a folder, local or remote."""

    def __init__(
        self, url: str, options: dict[str, Any] | None = None, retry: Retry = DEFAULT_RETRY
    ):
        self.url, self.retry = url, retry
        self.fs, self.root = retried(lambda: url_filesystem(url, options), url, retry)
        self.local = "file" in (
            self.fs.protocol if isinstance(self.fs.protocol, tuple) else (self.fs.protocol,)
        )

    def path(self, name: str) -> str:
        return f"{self.root.rstrip('/')}/{name}" if name else self.root

    def url_of(self, name: str) -> str:
        """The name as a path or URL another program can open (a local path stays a path)."""
        return self.path(name) if self.local else self.fs.unstrip_protocol(self.path(name))

    def _call(self, what: str, name: str, path: str, *data: bytes, **options: Any) -> Any:
        """`fs.what(path, *data, **options)`, retried; options by keyword, as drivers order
        them differently (s3fs's `cat_file` takes a version id second), and the data to write
        second, which drivers name differently (`value`, `data`)."""
        method = getattr(self.fs, what)
        return retried(lambda: method(path, *data, **options), self.url_of(name), self.retry)

    def exists(self, name: str) -> bool:
        return bool(self._call("exists", name, self.path(name)))

    def read(self, name: str) -> bytes:
        return bytes(self._call("cat_file", name, self.path(name)))

    def read_range(self, name: str, start: int, end: int) -> bytes:
        return bytes(self._call("cat_file", name, self.path(name), start=start, end=end))

    def write(self, name: str, data: bytes) -> None:
        """Write (or replace) a small file at once: whole or not at all (an object store's put
        is; on a local or network file system, a temporary file renamed over it)."""
        self._folder_of(name)
        if self.local:
            retried(lambda: self._put_local(name, data, os.replace), self.url_of(name), self.retry)
        else:
            self._call("pipe_file", name, self.path(name), data)

    def create(self, name: str, data: bytes) -> bool:
        """Write a small file, whole, only if there is none by that name: False when there is
        one (not ours: a try whose answer was lost may have written ours, which counts as ours)."""
        self._folder_of(name)
        try:
            retried(lambda: self._create_once(name, data), self.url_of(name), self.retry)
        except FileExistsError:
            return self.read(name) == data
        return True

    def _create_once(self, name: str, data: bytes) -> None:
        if self.local:  # a complete temporary file linked in: atomic, and fails if one is there
            self._put_local(name, data, os.link)
            return
        try:
            with self.fs.open(self.path(name), "xb") as file:
                file.write(data)
        except (ValueError, NotImplementedError):  # the driver has no mode "xb"
            self.fs.pipe_file(self.path(name), data, mode="create")

    def _put_local(self, name: str, data: bytes, put: Callable[[str, str], None]) -> None:
        """Write `data` to a temporary file beside `name`, durably, then `put` it in place
        (`os.replace` or `os.link`), and make the folder durable."""
        path = self.path(name)
        folder, base = os.path.split(path)
        temporary = os.path.join(folder, f".{base}.{uuid.uuid4().hex[:12]}.tmp")
        with open(temporary, "wb") as file:
            file.write(data)
            make_durable(file)
        try:
            put(temporary, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
        fsync_path(folder)

    @contextlib.contextmanager
    def writing(self, name: str) -> Iterator[_Stream]:
        """A file written as a stream (not held in memory), durable once the block ends. A
        write that fails cannot be tried again alone: it raises Unavailable, and the attempt
        it belongs to fails whole."""
        self._folder_of(name)
        opened = retried(lambda: self.fs.open(self.path(name), "wb"), self.url_of(name), self.retry)
        stream = _Stream(opened, self.url_of(name))
        try:
            yield stream
        except BaseException:
            with contextlib.suppress(Exception):  # the attempt fails anyway: its error is told
                opened.close()
            raise
        stream.close()
        self.make_durable(name)

    @contextlib.contextmanager
    def reading(self, name: str) -> Iterator[IO[bytes]]:
        with retried(
            lambda: self.fs.open(self.path(name), "rb"), self.url_of(name), self.retry
        ) as file:
            yield file

    def read_many(self, names: list[str]) -> dict[str, bytes]:
        """Small files at once (the driver fetches them concurrently where it can); one removed
        since it was listed (an attempt's file, as it commits) is left out."""
        paths = {self.path(name): name for name in names}

        def fetch() -> dict[str, bytes]:
            contents = self.fs.cat(list(paths), on_error="return")
            for value in contents.values():
                if isinstance(value, Exception) and not isinstance(value, FileNotFoundError):
                    raise value
            return {
                paths[path]: bytes(value)
                for path, value in contents.items()
                if not isinstance(value, Exception)
            }

        return retried(fetch, self.url, self.retry)

    def remove(self, name: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._call("rm_file", name, self.path(name))

    def listing(self, folder: str) -> dict[str, int]:
        """The files of `folder` and their sizes, seen afresh: the driver's cached listing of it
        is dropped first (s3fs keeps one, and would hide what other processes wrote since)."""
        self.fs.invalidate_cache(self.path(folder))
        try:
            entries = self._call("ls", folder, self.path(folder), detail=True)
        except FileNotFoundError:
            return {}
        return {
            entry["name"].rstrip("/").rsplit("/", 1)[-1]: int(entry.get("size") or 0)
            for entry in entries
            if entry.get("type") != "directory"
        }

    def make_durable(self, name: str) -> None:
        """On a local or network file system, flush the file and its folder to the disk: a
        commit marker must never reach the disk before what it names."""
        if not self.local:
            return  # an object store's write is durable once it returns
        path = self.path(name)
        fsync_path(path)
        fsync_path(os.path.dirname(path))

    def _folder_of(self, name: str) -> None:
        folder = self.path(name).rsplit("/", 1)[0]
        self._call("makedirs", name, folder, exist_ok=True)


class _Stream:
    """A file being written: what goes wrong while writing or closing it is Unavailable."""

    def __init__(self, file: IO[bytes], url: str) -> None:
        self.file, self.url = file, url

    def write(self, data: bytes) -> int:
        return self._guarded(lambda: self.file.write(data))

    def flush(self) -> None:
        self._guarded(self.file.flush)

    def close(self) -> None:
        self._guarded(self.file.close)

    def _guarded(self, call: Any) -> Any:
        try:
            return call()
        except Interrupted:
            raise
        except Exception as error:  # a storage library's own types, as in `retried`
            raise Unavailable(f"{self.url}: {describe(error)}") from error
