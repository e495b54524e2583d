"""Input discovery: the inputs under the paths given, in order, and `--files-from` lists.

Folders are walked recursively in sorted order, hidden entries skipped and symlinked folders not
followed; URLs (`s3://`, `memory://`, ...) are listed through fsspec.
"""

from __future__ import annotations

import io
import os
import stat
from collections.abc import Iterable, Iterator

from ..core.record import NOT_A_FILE, PERMISSION_DENIED, READ_ERROR, Rejection
from .paths import STDIN, is_url, shown_path, url_filesystem

_LIST_READ = 1 << 20


def _walk(folder: str) -> Iterator[str | Rejection]:
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
        if entry.name.startswith("."):
            continue
        try:
            kind = _kind(entry)
        except OSError as error:  # a link loop, a file gone since the listing, ...
            yield Rejection(shown_path(entry.path), READ_ERROR, error.strerror or str(error))
            continue
        if kind == "folder":
            yield from _walk(entry.path)
        elif kind == "file":
            yield entry.path
        elif kind != "linked folder":  # symlinked folders are not followed, silently
            yield Rejection(shown_path(entry.path), NOT_A_FILE, f"{kind} in a folder")


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


def _walk_url(url: str) -> Iterator[str]:
    """Files under a URL in sorted order, hidden entries skipped, as URLs with their scheme."""
    fs, root = url_filesystem(url)
    if not fs.isdir(root):
        yield url
        return
    for path in sorted(fs.find(root)):
        if not any(part.startswith(".") for part in path[len(root) :].split("/")):
            yield fs.unstrip_protocol(path)


def discover(paths: Iterable[str]) -> Iterator[str | Rejection]:
    """Every input under `paths`, in order: file paths, `-`, or rejections of folders."""
    for path in paths:
        if is_url(path):
            yield from _walk_url(path)
        elif path != STDIN and os.path.isdir(path):
            yield from _walk(path)
        else:
            yield path


def count_inputs(paths: Iterable[str]) -> int:
    """How many inputs `discover` would give, counted without sorting or building paths."""
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
    while chunk := listing.read1(_LIST_READ):  # what has arrived: a pipe's list as it comes
        pending += chunk
        *complete, pending = pending.split(separator)
        yield from (os.fsdecode(_strip_cr(path, nul)) for path in complete if path)
    if pending:
        yield os.fsdecode(_strip_cr(pending, nul))


def _strip_cr(path: bytes, nul: bool) -> bytes:
    return path[:-1] if not nul and path.endswith(b"\r") else path
