"""What a run is asked, one type a concern: which inputs (`Inputs`, and of a folder's files
`FileSelection`), how to parse them (`Parsing`), where the outputs go (`OutputFiles`), and what
an incremental run remembers (`Incremental`). `parse`, `check` and the dry run take them whole
in `ParseOptions`; `batch` takes `Parsing` and `FileSelection`, and its workers `Parsing`."""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..exits import UsageError
from ..io.discover import Walk
from ..io.patterns import FileFilter
from ..io.read import DEFAULT_MAX_BYTES


@dataclass(slots=True, frozen=True)
class FileSelection:
    """Which of a folder's files a run takes: --glob, --exclude, -L/--follow, --hidden."""

    globs: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    follow: bool = False  # a folder's walk follows symlinked folders
    hidden: bool = False  # and takes hidden entries

    def walk(self) -> Walk:
        return Walk(self.follow, self.hidden)

    def file_filter(self) -> FileFilter | None:
        """--glob and --exclude, compiled (UsageError for a malformed pattern)."""
        return FileFilter.of(list(self.globs), list(self.excludes))


@dataclass(slots=True, frozen=True)
class Inputs:
    """Which inputs: PATHs, a --files-from list, or stdin; a slice of them; the settled ones."""

    paths: tuple[str, ...] = ()
    files_from: str | None = None
    null_separated: bool = False  # -0: the list's paths end with NUL
    shard: tuple[int, int] | None = None  # --shard K/N: the K-th of N slices of the inputs
    min_age: float = 0.0  # seconds: files modified more recently are left for the next run
    files: FileSelection = FileSelection()

    def settled_before_ns(self) -> int | None:
        """--min-age as a moment: a file modified after it is left for the next run."""
        return time.time_ns() - int(self.min_age * 1e9) if self.min_age else None


@dataclass(slots=True, frozen=True)
class Parsing:
    """How each input is parsed: what every worker needs to know (small and picklable)."""

    tz: str | None = None  # the zone of datelines that name none
    max_bytes: int = DEFAULT_MAX_BYTES  # the largest input, after decompression

    def time_zone(self) -> ZoneInfo | None:
        """--tz's zone (UsageError when there is no such zone)."""
        return time_zone(self.tz)


@cache
def time_zone(name: str | None) -> ZoneInfo | None:
    """The zone named `name` (`Europe/London`); UsageError when there is none."""
    if name is None:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"--tz {name}: no such time zone") from None


@dataclass(slots=True, frozen=True)
class OutputFiles:
    """Where the outputs go: records (stdout when None), rejections, the summary."""

    output: str | None = None
    errors: str | None = None
    summary_json: str | None = None
    skip_empty: bool = False  # an output file that would be empty is not made


@dataclass(slots=True, frozen=True)
class Incremental:
    """--state FILE: what earlier runs saw, so that only what is new or changed is parsed."""

    state: str | None = None
    force: bool = False  # parse everything again
    dedupe: bool = False  # skip articles emitted before


@dataclass(slots=True, frozen=True)
class ParseOptions:
    """Everything a `parse` (or `check`, or dry) run is asked."""

    inputs: Inputs = Inputs()
    parsing: Parsing = Parsing()
    outputs: OutputFiles = OutputFiles()
    incremental: Incremental = Incremental()
    jobs: int = 0  # 0: one per CPU
    strict: bool = False  # exit 1 also when a record has warnings
