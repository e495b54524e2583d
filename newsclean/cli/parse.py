"""`newsclean parse`: the command, and what a person sees of it on stderr."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from .handler import run_command
from .options import (
    FilesFrom,
    Jobs,
    MaxBytes,
    Null,
    Paths,
    Strict,
    TimeZone,
    duration,
    shard_of,
    size,
)
from .progress import Reporter

if TYPE_CHECKING:
    from ..io.environment import Environment
    from ..run.parse import ParseOptions


def parse(
    paths: Paths = None,
    output: Annotated[
        str | None,
        typer.Option(
            "-o", "--output", help="Write records to FILE, atomically, not stdout.", metavar="FILE"
        ),
    ] = None,
    errors: Annotated[
        str | None,
        typer.Option(
            "--errors", help="Write one JSON line per rejected input to FILE.", metavar="FILE"
        ),
    ] = None,
    files_from: FilesFrom = None,
    null: Null = False,
    jobs: Jobs = None,
    tz: TimeZone = None,
    max_bytes: MaxBytes = "64M",
    strict: Strict = False,
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help="No summary on stderr.")] = False,
    shard: Annotated[
        str | None,
        typer.Option(
            "--shard",
            help="Take the K-th of N slices of the sorted inputs (job arrays).",
            metavar="K/N",
        ),
    ] = None,
    state: Annotated[
        str | None,
        typer.Option(
            "--state",
            help="SQLite file of inputs seen: parse only what is new or changed.",
            metavar="FILE",
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="With --state: parse everything and refresh the state.")
    ] = False,
    min_age: Annotated[
        str,
        typer.Option(
            "--min-age",
            help="Leave files modified less than DURATION ago (90, 30s, 5m) for the next run.",
            metavar="DURATION",
        ),
    ] = "0",
    dedupe: Annotated[
        bool,
        typer.Option("--dedupe", help="With --state: skip articles whose dump was emitted before."),
    ] = False,
    progress: Annotated[
        bool | None,
        typer.Option(
            "--progress/--no-progress",
            help="Show a progress bar (default: on a terminal).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Parse dumps into one JSON record per article on stdout.

    Examples:

      newsclean parse dump/ | jq -r .headline

      find dump -name '*.txt' -print0 | newsclean parse --files-from - -0 -o out.jsonl --errors bad.jsonl

      cat dump/*.txt | newsclean parse -
    """
    from ..io.environment import Environment
    from ..run.parse import ParseOptions, run_parse

    options = ParseOptions(
        paths=list(paths or []),
        files_from=files_from,
        null_separated=null,
        output=output,
        errors=errors,
        jobs=jobs or 0,
        tz=tz,
        max_bytes=size(max_bytes),
        strict=strict,
        quiet=quiet,
        progress=progress,
        shard=shard_of(shard),
        state=state,
        force=force,
        dedupe=dedupe,
        min_age=duration(min_age),
    )
    env = Environment()
    run_command(lambda: run_parse(options, env, reporter_for(options, env)))


def reporter_for(options: ParseOptions, env: Environment) -> Reporter:
    """Progress and summary on stderr: decorated on a terminal (or with --progress), plain off one."""
    guess = bool(env.stderr_isatty) and not options.quiet
    show_bar = options.progress if options.progress is not None else guess
    return Reporter(env.stderr, bool(env.stderr_isatty), show_bar, options.quiet)
