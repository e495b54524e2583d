"""A batch's run, as `_run.json` describes it: created once, create-only, so that one run owns
OUT; resumed only by the same newsclean, with the same arguments, over unchanged inputs.

Paths are made absolute here, on the client, before any task is sent: a worker in another
working directory (or on another machine with the same shared mounts) reads the same files.
"""

from __future__ import annotations

import os
import time
import uuid
from typing import Any

from ...exits import ExitStatus, NewscleanError, UsageError
from ...io.crashpoints import crash_point
from ...io.parquet import arrow_schema
from ...io.paths import is_url
from ...io.retry import DEFAULT_RETRY, Retry
from ...io.store import Store
from ..settings import FileSelection, Parsing
from . import layout, manifest
from .documents import RunDocument


def absolute(location: str) -> str:
    """A local path or `file://` URL made absolute; other URLs as they are."""
    if location.startswith("file://"):
        return "file://" + os.path.abspath(location[len("file://") :])
    return location if is_url(location) else os.path.abspath(location)


def read_run(store: Store, same_version: bool = True) -> RunDocument:
    """The run in OUT; UsageError when there is none, or one this newsclean must not go on
    with (`RunDocument.from_json`)."""
    try:
        content = store.read(layout.RUN)
    except FileNotFoundError:
        raise UsageError(f"{store.url} holds no batch (no {layout.RUN})") from None
    return RunDocument.from_json(content, store.url, same_version)


def prepare(
    sources: list[str], out: str, shards: int, *, resume: bool = False,
    parsing: Parsing = Parsing(), files: FileSelection = FileSelection(),
    storage_options: dict[str, Any] | None = None, retry: Retry = DEFAULT_RETRY,
    data_format: str = "jsonl",
) -> tuple[Store, RunDocument]:  # fmt: skip
    """List the inputs into a new run in OUT (of its folders' files, those `files` selects),
    or (resuming) check the run there can go on."""
    if shards < 1:
        raise UsageError("--shards must be 1 or more")
    if data_format not in layout.FORMATS:
        raise UsageError(f"--format {data_format}: choose {' or '.join(layout.FORMATS)}")
    if data_format == "parquet":
        arrow_schema()  # without pyarrow: said before anything is listed
    sources = [absolute(source) for source in sources]
    listing = manifest.Listing(sources, storage_options, retry, files)
    files.file_filter()  # a malformed pattern: said before anything
    store = Store(absolute(out), storage_options, retry)
    arguments = layout.arguments(sources, shards, parsing, files, data_format)
    if store.exists(layout.RUN):
        return store, _resumable(store, arguments, resume, listing)
    run = uuid.uuid4().hex[:12]
    name = layout.manifest_name(run)
    written = manifest.write(store, name, listing)
    crash_point("manifest-written")
    described = RunDocument.new(run, arguments, shards, name, written)
    if not store.create(layout.RUN, described.to_json()):
        store.remove(name)
        raise NewscleanError(
            f"{store.url}: another run began there while this one listed its inputs",
            ExitStatus.STATE_LOCKED,
        )
    return store, described


def _resumable(
    store: Store, arguments: dict[str, Any], resume: bool, listing: manifest.Listing
) -> RunDocument:
    described = read_run(store, same_version=resume)
    if not resume:
        begun = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(described.created))
        raise UsageError(
            f"{store.url} holds run {described.run} (begun {begun} on {described.host}): "
            "add --resume to go on with it, or choose a new OUT"
        )
    if described.arguments != arguments:
        raise UsageError(f"{store.url}: the run there had other arguments; refusing to resume")
    changed = manifest.first_change(store, described.manifest, listing)
    if changed is not None:
        raise UsageError(
            f"{store.url}: an input changed since the run listed it ({changed}); refusing to "
            "resume: start a new OUT"
        )
    return described
