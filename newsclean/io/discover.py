"""Input discovery: the inputs under the paths given, in order, and `--files-from` lists.

Folders are walked recursively in sorted order, hidden entries skipped and symlinked folders not
followed unless `Walk` says (`--hidden`, `-L/--follow`); URLs (`s3://`, `memory://`, ...) are
listed through fsspec.
"""

from __future__ import annotations

import io
import os
import stat
from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

from ..core.record import NOT_A_FILE, PERMISSION_DENIED, READ_ERROR, Rejection
from .environment import wait_readable
from .paths import STDIN, is_url, shown_path, url_filesystem
from .patterns import FileFilter
from .retry import DEFAULT_RETRY, Retry, retried

_LIST_READ = 1 << 20  # more than a buffer holds: each read leaves none buffered


class Walk(NamedTuple):
    """How folders are walked: `follow` symlinked folders (a link back to a folder on the way
    down is a loop, told as a rejection), and take `hidden` entries (names beginning `.`)."""

    follow: bool = False
    hidden: bool = False

    def skips(self, name: str) -> bool:
        return not self.hidden and name.startswith(".")


PLAIN = Walk()  # the default: no links followed, no hidden entries


def _walk(folder: str, walk: Walk, above: frozenset[tuple[int, int]]) -> Iterator[str | Rejection]:
    """`above`: the folders on the way down (device, inode), when links are followed."""
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except PermissionError as error:
        yield Rejection(shown_path(folder), PERMISSION_DENIED, error.strerror or str(error))
        return
    except OSError as error:
        yield Rejection(shown_path(folder), READ_ERROR, error.strerror or str(error))
        return
    for entry in entries:
        if walk.skips(entry.name):
            continue
        try:
            kind = _kind(entry)
        except OSError as error:  # a link loop, a file gone since the listing, ...
            yield Rejection(shown_path(entry.path), READ_ERROR, error.strerror or str(error))
            continue
        if kind == "folder" or (kind == "linked folder" and walk.follow):
            yield from _below(entry.path, walk, above)
        elif kind == "file":
            yield entry.path
        elif kind != "linked folder":  # symlinked folders are not followed unless asked
            yield Rejection(shown_path(entry.path), NOT_A_FILE, f"{kind} in a folder")


def _below(folder: str, walk: Walk, above: frozenset[tuple[int, int]]) -> Iterator[str | Rejection]:
    if not walk.follow:
        yield from _walk(folder, walk, above)
        return
    try:
        status = os.stat(folder)
    except OSError as error:
        yield Rejection(shown_path(folder), READ_ERROR, error.strerror or str(error))
        return
    identity = (status.st_dev, status.st_ino)
    if identity in above:
        yield Rejection(shown_path(folder), READ_ERROR, "a link to a folder above it (a loop)")
        return
    yield from _walk(folder, walk, above | {identity})


def _kind(entry: os.DirEntry[str]) -> str:
    """What a folder's entry is; OSError when the file system cannot tell (a link loop)."""
    if entry.is_dir(follow_symlinks=False):
        return "folder"
    if entry.is_symlink():
        try:
            target = os.stat(entry.path)
        except FileNotFoundError:
            return "a broken link"
        if stat.S_ISDIR(target.st_mode):
            return "linked folder"
        return "file" if stat.S_ISREG(target.st_mode) else "a FIFO, socket or device"
    return "file" if entry.is_file() else "a FIFO, socket or device"


class Listed(NamedTuple):
    """An input found by `listed`: its path, its size and its version (the modification time
    in ns of a local file; the ETag, generation or modification time of a URL's object)."""

    path: str
    size: int
    version: str


_VERSION_KEYS = ("ETag", "etag", "generation", "mtime", "LastModified", "last_modified", "created")


def _version(info: dict[str, Any]) -> str:
    return next((str(info[key]) for key in _VERSION_KEYS if info.get(key) is not None), "")


def _walk_url(
    url: str, options: dict[str, Any] | None, retry: Retry, only: FileFilter | None, walk: Walk
) -> Iterator[Listed]:
    """Files under a URL, as URLs with their scheme, in the order of a local folder's walk:
    folder by folder, names sorted, hidden entries skipped. Only the folders on the way down
    are held: memory does not grow with the number of files."""
    fs, root = retried(lambda: url_filesystem(url, options), url, retry)  # some drivers connect
    if not retried(lambda: fs.isdir(root), url, retry):
        info = _info_or_none(fs, root, url, retry)
        size = int(info.get("size") or 0) if info else -1
        yield Listed(url, size, _version(info) if info else "")
        return
    items = _walk_url_folder(fs, root.rstrip("/"), retry, walk)
    if only is None:
        yield from items
        return
    prefix = fs.unstrip_protocol(root).rstrip("/") + "/"
    yield from (item for item in items if only.takes(item.path.removeprefix(prefix)))


def _info_or_none(fs: Any, path: str, url: str, retry: Retry) -> dict[str, Any] | None:
    try:
        return dict(retried(lambda: fs.info(path), url, retry))
    except FileNotFoundError:
        return None  # reading it says so


def _walk_url_folder(
    fs: Any, folder: str, retry: Retry, walk: Walk, base: str = ""
) -> Iterator[Listed]:
    """`base`: the URL of the walk's first folder, to which the rest of each path is added
    (cheaper than asking the driver for every file's URL)."""
    base = base or fs.unstrip_protocol(folder).removesuffix(folder)
    entries = retried(lambda: fs.ls(folder, detail=True), base + folder, retry)
    named = sorted((entry["name"].rstrip("/").rsplit("/", 1)[-1], entry) for entry in entries)
    for name, entry in named:
        path = entry["name"].rstrip("/")
        if walk.skips(name) or path == folder:
            continue
        if entry.get("type") == "directory":
            yield from _walk_url_folder(fs, path, retry, walk, base)
        else:
            yield Listed(base + path, int(entry.get("size") or 0), _version(entry))


def discover(
    paths: Iterable[str], options: dict[str, Any] | None = None, retry: Retry = DEFAULT_RETRY,
    only: FileFilter | None = None, walk: Walk = PLAIN,
) -> Iterator[str | Rejection]:  # fmt: skip
    """Every input under `paths`, in order: file paths, `-`, or rejections of folders; of a
    folder's files, those `only` takes (`--glob`, `--exclude`)."""
    for item in listed(paths, options, retry, stat_files=False, only=only, walk=walk):
        yield item.path if isinstance(item, Listed) else item


def listed(
    paths: Iterable[str],
    options: dict[str, Any] | None = None,
    retry: Retry = DEFAULT_RETRY,
    stat_files: bool = True,
    only: FileFilter | None = None,
    walk: Walk = PLAIN,
) -> Iterator[Listed | Rejection]:
    """Every input under `paths`, in order, with its size and version (unless not
    `stat_files`: then -1 and "" for local files, which costs no system call)."""
    for path in paths:
        if is_url(path):
            yield from _walk_url(path, options, retry, only, walk)
        elif path != STDIN and os.path.isdir(path):
            for entry in _below(path, walk, frozenset()):
                below = entry.path if isinstance(entry, Rejection) else entry
                if only is None or only.takes(below[len(path) :].lstrip(os.sep)):
                    yield entry if isinstance(entry, Rejection) else _local(entry, stat_files)
        else:
            yield _local(path, stat_files)


def _local(path: str, stat_files: bool) -> Listed:
    if not stat_files or path == STDIN:
        return Listed(path, -1, "")
    try:
        status = os.stat(path)
    except OSError:
        return Listed(path, -1, "")  # reading it says why
    return Listed(path, status.st_size, str(status.st_mtime_ns))


def count_inputs(paths: Iterable[str], only: FileFilter | None = None, walk: Walk = PLAIN) -> int:
    """How many inputs `discover` would give, counted without sorting or building paths."""
    if only is not None or walk != PLAIN:
        return sum(1 for _ in discover(paths, only=only, walk=walk))
    total = 0
    for path in paths:
        if path != STDIN and not is_url(path) and os.path.isdir(path):
            total += _count_folder(path)
        else:
            total += 1
    return total


def _count_folder(folder: str) -> int:
    total = 0
    try:
        with os.scandir(folder) as listing:
            for entry in listing:
                if entry.name.startswith("."):
                    continue
                if entry.is_dir(follow_symlinks=False):
                    total += _count_folder(entry.path)
                elif not (entry.is_symlink() and os.path.isdir(entry.path)):
                    total += 1
    except OSError:
        return total + 1  # reported as one rejection
    return total


def paths_from(listing: io.BufferedIOBase, nul: bool) -> Iterator[str]:
    """Paths from a `--files-from` list, one a line (or NUL-separated), read as they come."""
    separator = b"\0" if nul else b"\n"
    pending = b""
    while wait_readable(listing) and (chunk := listing.read1(_LIST_READ)):  # as it comes
        pending += chunk
        *complete, pending = pending.split(separator)
        yield from (os.fsdecode(without_cr(path, nul)) for path in complete if path)
    if pending:
        yield os.fsdecode(without_cr(pending, nul))


def without_cr(path: bytes, nul: bool) -> bytes:
    """A listed path without the CR of a CRLF line end (none in a NUL-separated list)."""
    return path[:-1] if not nul and path.endswith(b"\r") else path
