"""The names in a batch's OUT, and what `_run.json` holds: one place for the layout.

OUT/_run.json                                  created once (create-only): the run
OUT/_manifest-<run>.tsv                        the sorted inputs: path, size, version
OUT/_attempts/part-00007-of-00512.<attempt>.json   an attempt at work: host, pid, heartbeat
OUT/data/part-00007-of-00512.<attempt>.jsonl.gz    its records, in manifest order (`.parquet`
                                               with --format parquet)
OUT/errors/part-00007-of-00512.<attempt>.jsonl     its rejected inputs (path, code, message)
OUT/_done/part-00007-of-00512.json             the commit marker, created last: the attempt
                                               it commits, its parts' sizes and sha256, stats
"""

from __future__ import annotations

import re
from typing import Any

from ..settings import FileSelection, Parsing

LAYOUT = 2  # of OUT: a run of another layout is not resumed
RUN = "_run.json"
DONE, ATTEMPTS, DATA, ERRORS = "_done", "_attempts", "data", "errors"
KINDS = (DATA, ERRORS)  # the parts of a shard, each in its folder
FORMATS = {"jsonl": ".jsonl.gz", "parquet": ".parquet"}  # of the data parts, by --format
_PART = re.compile(r"part-(\d{5,})-of-\d{5,}\.([0-9a-f]+)\.")


def part_name(shard: int, shards: int) -> str:
    return f"part-{shard:05d}-of-{shards:05d}"


def manifest_name(run: str) -> str:
    return f"_manifest-{run}.tsv"


def marker_name(shard: int, shards: int) -> str:
    return f"{DONE}/{part_name(shard, shards)}.json"


def attempt_name(shard: int, shards: int, attempt: str) -> str:
    return f"{ATTEMPTS}/{part_name(shard, shards)}.{attempt}.json"


def part_of(kind: str, shard: int, shards: int, attempt: str, data_format: str) -> str:
    ending = FORMATS[data_format] if kind == DATA else ".jsonl"
    return f"{kind}/{part_name(shard, shards)}.{attempt}{ending}"


def shard_and_attempt(file_name: str) -> tuple[int, str] | None:
    """The shard and attempt a part or attempt file belongs to, from its name."""
    match = _PART.match(file_name)
    return (int(match[1]), match[2]) if match else None


def shard_of_marker(file_name: str) -> int | None:
    match = re.fullmatch(r"part-(\d{5,})-of-\d{5,}\.json", file_name)
    return int(match[1]) if match else None


def arguments(
    sources: list[str], shards: int, parsing: Parsing, files: FileSelection, data_format: str
) -> dict[str, Any]:
    """What a run was asked: resuming it with other arguments is refused."""
    return {"sources": sources, "shards": shards, "tz": parsing.tz,
            "max_bytes": parsing.max_bytes, "globs": list(files.globs),
            "excludes": list(files.excludes), "format": data_format, "follow": files.follow,
            "hidden": files.hidden}  # fmt: skip


def parsing_of(arguments: dict[str, Any]) -> Parsing:
    return Parsing(arguments["tz"], arguments["max_bytes"])


def files_of(arguments: dict[str, Any]) -> FileSelection:
    return FileSelection(
        tuple(arguments["globs"]), tuple(arguments["excludes"]),
        arguments.get("follow", False), arguments.get("hidden", False),
    )  # fmt: skip
