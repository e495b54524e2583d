"""Options several commands share, defined once, and the readers of their values."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from ..run.settings import FileSelection

Paths = Annotated[
    list[str] | None,
    typer.Argument(
        help="Dump files and folders (walked recursively); - for stdin.", show_default=False
    ),
]
FilesFrom = Annotated[
    str | None,
    typer.Option(
        "--files-from", help="Read input paths from LIST, one a line (- for stdin).", metavar="LIST"
    ),
]
Null = Annotated[
    bool,
    typer.Option("-0", "--null", help="Paths in --files-from are NUL-separated (find -print0)."),
]
Jobs = Annotated[
    int | None,
    typer.Option(
        "-j", "--jobs", min=1, help="Worker processes (default: one per CPU).", show_default=False
    ),
]


def json_option(help_text: str) -> Any:
    """`--json`, the same option in every command that prints a report (NEWSCLEAN_JSON)."""
    return typer.Option("--json", envvar="NEWSCLEAN_JSON", help=help_text)


def file_selection(
    globs: list[str] | None, excludes: list[str] | None, follow: bool, hidden: bool
) -> FileSelection:
    """--glob, --exclude, -L and --hidden, as every command that walks folders takes them."""
    from ..run.settings import FileSelection

    return FileSelection(tuple(globs or ()), tuple(excludes or ()), follow, hidden)


Follow = Annotated[
    bool, typer.Option("-L", "--follow", help="Walk into symlinked folders too (a loop is told).")
]
Hidden = Annotated[
    bool, typer.Option("--hidden", help="Take hidden files and folders (.name) too.")
]

Quiet = Annotated[
    int,
    typer.Option(
        "-q",
        "--quiet",
        count=True,
        metavar="",  # a flag given once or twice, taking no value
        help="-q: no summary on stderr; -qq: no line for each rejected input either (they stay in --errors and the exit status); fatal errors still say why.",
    ),
]


class LogFormat(StrEnum):
    """How lines for people are written on stderr off a terminal."""

    plain = "plain"
    json = "json"


LogEvery = Annotated[
    float | None,
    typer.Option(
        "--log-every",
        min=0,
        help="Off a terminal, a progress line every SECONDS (default 60; 0: none; -q: none).",
        metavar="SECONDS",
        show_default=False,
    ),
]
LogFormatOption = Annotated[
    LogFormat,
    typer.Option(
        "--log-format",
        help="json: progress, rejection and summary lines on stderr as JSON objects, for monitoring.",
    ),
]
_LOG_EVERY = 60.0  # seconds between progress lines off a terminal


def log_interval(quiet: int, log_every: float | None) -> float:
    """Seconds between progress lines off a terminal: none with -q."""
    return 0.0 if quiet else (_LOG_EVERY if log_every is None else log_every)


# Every option of every command can come from the environment: NEWSCLEAN_<OPTION> (the
# parameter's name, upper case); a flag given wins. Commands take it as their context_settings.
FROM_ENVIRONMENT = {"auto_envvar_prefix": "NEWSCLEAN"}

Strict = Annotated[bool, typer.Option("--strict", help="Exit 1 also when any record has warnings.")]

_SIZE_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3}


def size(text: str | int) -> int:
    """`64M`, `1G`, `500000`: a byte count (a number already counted stays as it is)."""
    if isinstance(text, int):
        return text
    value = text.strip().upper().removesuffix("B").removesuffix("I")
    number, unit = (value[:-1], value[-1]) if value[-1:] in _SIZE_UNITS else (value, "")
    if not number.isdigit() or int(number) == 0:
        raise typer.BadParameter(f"{text!r} is not a size like 64M or 1000000")
    return int(number) * _SIZE_UNITS[unit]


def shard_of(text: str) -> tuple[int, int]:
    """`K/N`: the K-th of N slices (0 <= K < N)."""
    shard, _, shards = text.partition("/")
    if not (shard.isdigit() and shards.isdigit() and int(shard) < int(shards)):
        raise typer.BadParameter(f"{text!r} is not K/N with 0 <= K < N")
    return int(shard), int(shards)


_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def duration(text: str | float) -> float:
    """`90`, `30s`, `5m`, `2h`, `1d`: seconds (a number is seconds already)."""
    if isinstance(text, int | float):
        text = str(text)
    value = text.strip().lower()
    number, unit = (value[:-1], value[-1]) if value[-1:] in _SECONDS else (value, "")
    try:
        seconds = float(number) * _SECONDS[unit]
    except ValueError:
        seconds = -1.0
    if not seconds >= 0:  # also NaN
        raise typer.BadParameter(f"{text!r} is not a duration like 90, 30s, 5m or 2h")
    return seconds


def storage_pair(pair: str) -> tuple[str, object]:
    """`KEY=VALUE` for fsspec's driver; a value that reads as JSON (true, 3, {...}) is taken as
    such, any other as text."""
    import json

    key, sign, text = pair.partition("=")
    if not sign or not key.strip():
        raise typer.BadParameter(f"{pair!r} is not KEY=VALUE")
    try:
        return key.strip(), json.loads(text)
    except ValueError:
        return key.strip(), text


def storage_options(pairs: list[tuple[str, object]] | None) -> dict[str, object] | None:
    """The --storage-option pairs as fsspec's keyword arguments (None: none given)."""
    return dict(pairs) if pairs else None


StorageOptions = Annotated[
    list[Any] | None,
    typer.Option(
        "--storage-option",
        parser=storage_pair,
        help="KEY=VALUE for the fsspec driver of URLs, repeatable: endpoint_url=http://minio:9000, profile=dev, anon=true.",
        metavar="KEY=VALUE",
        show_default=False,
    ),
]


def _checked(text: str, check: Callable[[str], object], says: str | None = None) -> str:
    """`text`, once `check` takes it; the library's UsageError made a bad value of the option
    being read (saying `says`, else what the library said)."""
    from ..exits import UsageError

    try:
        check(text)
    except UsageError as error:
        raise typer.BadParameter(says or str(error)) from None
    return text


def glob_pattern(text: str) -> str:
    """A --glob or --exclude pattern, checked (`*.txt`, `2016/**/*.txt`)."""
    from ..io.patterns import FileFilter

    return _checked(text, lambda pattern: FileFilter.of([pattern]))


Globs = Annotated[
    list[str] | None,
    typer.Option(
        "--glob",
        parser=glob_pattern,
        help="Of a folder's files, take only those matching PATTERN (repeatable; *.txt, 2016/**/*.txt).",
        metavar="PATTERN",
        show_default=False,
    ),
]
Excludes = Annotated[
    list[str] | None,
    typer.Option(
        "--exclude",
        parser=glob_pattern,
        help="Of a folder's files, leave those matching PATTERN (repeatable; *.tmp, .git/**).",
        metavar="PATTERN",
        show_default=False,
    ),
]


def zone(name: str) -> str:
    """A time zone's name, checked (`Europe/London`)."""
    from ..run.settings import time_zone

    return _checked(name, time_zone, f"{name!r}: no such time zone")


# Options whose values are converted where they are defined: a bad one is one line that names
# the option, exit 2, whichever command it is given to.
MaxBytes = Annotated[
    int,
    typer.Option(
        "--max-bytes",
        parser=size,
        metavar="SIZE",
        help="Largest input, after decompression (e.g. 64M, 1G).",
        show_default="64M",
    ),
]
DEFAULT_MAX_BYTES = size("64M")
TimeZone = Annotated[
    str | None,
    typer.Option(
        "--tz",
        parser=zone,
        help="Time zone of datelines that name none, e.g. Europe/London: gives published_utc.",
    ),
]
Shard = Annotated[
    Any,  # (K, N) or None; typer reads a tuple type as an option of two values
    typer.Option(
        "--shard",
        parser=shard_of,
        help="Take the K-th of N slices of the sorted inputs (job arrays).",
        metavar="K/N",
    ),
]
MinAge = Annotated[
    float | None,
    typer.Option(
        "--min-age",
        parser=duration,
        help="Leave files modified less than DURATION ago (90, 30s, 5m) for the next run "
        "[default: 60s with --state, else 0].",
        metavar="DURATION",
        show_default=False,
    ),
]
