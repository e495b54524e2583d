"""A batch's run, as `_run.json` describes it: created once, create-only, so that one run owns
OUT; resumed only by the same newsclean, with the same arguments, over unchanged inputs.

Paths are made absolute here, on the client, before any task is sent: a worker in another
working directory (or on another machine with the same shared mounts) reads the same files.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from typing import Any

import orjson

import newsclean

from ...core.record import CONTRACT_VERSION
from ...exits import ExitStatus, NewscleanError, UsageError
from ...io.crashpoints import crash_point
from ...io.parquet import arrow_schema
from ...io.paths import is_url
from ...io.retry import DEFAULT_RETRY, Retry
from ...io.store import Store
from ..settings import FileSelection, Parsing
from . import layout, manifest


def absolute(location: str) -> str:
    """A local path or `file://` URL made absolute; other URLs as they are."""
    if location.startswith("file://"):
        return "file://" + os.path.abspath(location[len("file://") :])
    return location if is_url(location) else os.path.abspath(location)


_FIELDS = ("layout", "run", "version", "contract", "arguments", "shards", "inputs", "manifest",
           "manifest_size", "manifest_sha256", "created", "host")  # fmt: skip


def read_run(store: Store, same_version: bool = True) -> dict[str, Any]:
    """The run in OUT; UsageError when there is none, or one this newsclean must not go on
    with (another layout; with `same_version`, another version or record contract)."""
    try:
        described: dict[str, Any] = orjson.loads(store.read(layout.RUN))
    except FileNotFoundError:
        raise UsageError(f"{store.url} holds no batch (no {layout.RUN})") from None
    except orjson.JSONDecodeError as error:
        raise UsageError(
            f"{store.url}: {layout.RUN} is damaged ({error}); start a new OUT"
        ) from None
    if not isinstance(described, dict):
        raise UsageError(f"{store.url}: {layout.RUN} is damaged (no run in it); start a new OUT")
    made_by = f"newsclean {described.get('version')} (record contract {described.get('contract')})"
    if described.get("layout") != layout.LAYOUT:
        raise UsageError(
            f"{store.url}: a batch of another layout, made by {made_by}; start a new OUT"
        )
    missing = [key for key in _FIELDS if key not in described]
    if missing or not isinstance(described["shards"], int) or described["shards"] < 1:
        raise UsageError(
            f"{store.url}: {layout.RUN} is damaged (missing: {', '.join(missing) or 'shards'}); "
            "start a new OUT"
        )
    this = (newsclean.__version__, CONTRACT_VERSION)
    if same_version and (described["version"], described["contract"]) != this:
        raise UsageError(
            f"{store.url}: made by {made_by}, and this is newsclean {this[0]} (contract "
            f"{this[1]}): go on with that version, or start a new OUT"
        )
    return described


def prepare(
    sources: list[str], out: str, shards: int, *, resume: bool = False,
    parsing: Parsing = Parsing(), files: FileSelection = FileSelection(),
    storage_options: dict[str, Any] | None = None, retry: Retry = DEFAULT_RETRY,
    data_format: str = "jsonl",
) -> tuple[Store, dict[str, Any]]:  # fmt: skip
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
    described = {
        "layout": layout.LAYOUT, "run": run, "version": newsclean.__version__,
        "contract": CONTRACT_VERSION, "arguments": arguments, "shards": shards,
        "inputs": written.inputs, "manifest": name, "manifest_size": written.size,
        "manifest_sha256": written.sha256, "created": time.time(), "host": socket.gethostname(),
    }  # fmt: skip
    if not store.create(layout.RUN, orjson.dumps(described, option=orjson.OPT_INDENT_2)):
        store.remove(name)
        raise NewscleanError(
            f"{store.url}: another run began there while this one listed its inputs",
            ExitStatus.STATE_LOCKED,
        )
    return store, described


def _resumable(
    store: Store, arguments: dict[str, Any], resume: bool, listing: manifest.Listing
) -> dict[str, Any]:
    described = read_run(store, same_version=resume)
    if not resume:
        begun = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(described["created"]))
        raise UsageError(
            f"{store.url} holds run {described['run']} (begun {begun} on {described['host']}): "
            "add --resume to go on with it, or choose a new OUT"
        )
    if described["arguments"] != arguments:
        raise UsageError(f"{store.url}: the run there had other arguments; refusing to resume")
    changed = manifest.first_change(store, described["manifest"], listing)
    if changed is not None:
        raise UsageError(
            f"{store.url}: an input changed since the run listed it ({changed}); refusing to "
            "resume: start a new OUT"
        )
    return described
