"""`newsclean parse`: the command, and what a person sees of it on stderr."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from .handler import run_command
from .options import (
    DEFAULT_MAX_BYTES,
    Excludes,
    FilesFrom,
    Follow,
    Globs,
    Hidden,
    Jobs,
    LogEvery,
    LogFormat,
    LogFormatOption,
    MaxBytes,
    MinAge,
    Null,
    Paths,
    Quiet,
    Shard,
    Strict,
    TimeZone,
    file_selection,
    log_interval,
)
from .progress import Reporter
from .render import printable

# --min-age's default with --state: a file written in the last minute may be incomplete, and a
# cron run that took it would record it, and never read it whole
STATE_MIN_AGE = 60.0

if TYPE_CHECKING:
    from ..io.environment import Environment


def parse(
    paths: Paths = None,
    output: Annotated[
        str | None,
        typer.Option(
            "-o",
            "--output",
            help="Write records to FILE, atomically (a FIFO or device: into it), not stdout.",
            metavar="FILE",
        ),
    ] = None,
    errors: Annotated[
        str | None,
        typer.Option(
            "--errors",
            help="Write one JSON line per rejected input to FILE (-: stdout, when -o names a file).",
            metavar="FILE",
        ),
    ] = None,
    files_from: FilesFrom = None,
    null: Null = False,
    jobs: Jobs = None,
    tz: TimeZone = None,
    max_bytes: MaxBytes = DEFAULT_MAX_BYTES,
    strict: Strict = False,
    quiet: Quiet = 0,
    globs: Globs = None,
    excludes: Excludes = None,
    follow: Follow = False,
    hidden: Hidden = False,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Print the inputs the run would parse, one a line (with --state: the new and changed), and write nothing.",
        ),
    ] = False,
    summary_json: Annotated[
        str | None,
        typer.Option(
            "--summary-json",
            help="Write the run's summary to FILE as one JSON object, also when the run fails (-: stdout, when -o names a file).",
            metavar="FILE",
        ),
    ] = None,
    shard: Shard = None,
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
    min_age: MinAge = None,
    skip_empty: Annotated[
        bool,
        typer.Option(
            "--skip-empty",
            help="Create no -o or --errors file that would be empty (one already there stays).",
        ),
    ] = False,
    dedupe: Annotated[
        bool,
        typer.Option("--dedupe", help="With --state: skip articles whose dump was emitted before."),
    ] = False,
    log_every: LogEvery = None,
    log_format: LogFormatOption = LogFormat.plain,
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

    Files named by -o and --errors appear whole or not at all: written under temporary names,
    fsynced, promised in the --state file, renamed into place, then the run is marked done.
    From the promise on, SIGINT and SIGTERM wait for the commit; a run killed there is
    completed by the next.

    Every option can also come from the environment, as NEWSCLEAN_<OPTION>
    (NEWSCLEAN_MIN_AGE=2m, NEWSCLEAN_JOBS=4, NEWSCLEAN_GLOBS='*.txt *.dump'); a flag given wins.

    Examples:

      newsclean parse dump/ | jq -r .headline

      find dump -name '*.txt' -print0 | newsclean parse --files-from - -0 -o out.jsonl --errors bad.jsonl

      cat dump/*.txt | newsclean parse -

      newsclean parse dump/ --glob '*.txt' --exclude 'tmp/**' -o out.jsonl.gz --summary-json run.json
    """
    from ..io.environment import Environment
    from ..run.parse import run_parse
    from ..run.settings import Incremental, Inputs, OutputFiles, ParseOptions, Parsing

    default_age = STATE_MIN_AGE if state else 0.0
    options = ParseOptions(
        Inputs(
            tuple(paths or ()), files_from, null, shard,
            default_age if min_age is None else min_age,
            file_selection(globs, excludes, follow, hidden),
        ),
        Parsing(tz, max_bytes),
        OutputFiles(output, errors, summary_json, skip_empty),
        Incremental(state, force, dedupe),
        jobs=jobs or 0, strict=strict,
    )  # fmt: skip
    env = Environment()
    if dry_run:
        from ..run.dry_run import run_dry

        reporter = Reporter(env.stderr, False, False, quiet)
        run_command(lambda: run_dry(options, env, reporter.rejected))
    reporter = reporter_for(env, progress, quiet, log_every, log_format)
    if paths and not files_from:
        matching = " matching --glob/--exclude" if globs or excludes else ""
        reporter.nothing = (
            f"no input files{matching} in {', '.join(map(printable, paths))}: nothing to parse"
        )
    run_command(lambda: run_parse(options, env, reporter))


def reporter_for(
    env: Environment, progress: bool | None, quiet: int, log_every: float | None = None,
    log_format: LogFormat = LogFormat.plain,
) -> Reporter:  # fmt: skip
    """Progress and summary on stderr: decorated on a terminal (or with --progress), plain off
    one with a progress line a minute; less with -q, nothing with -qq."""
    guess = bool(env.stderr_isatty) and not quiet
    show_bar = progress if progress is not None and quiet < 2 else guess
    every = log_interval(quiet, log_every)
    json = log_format is LogFormat.json
    return Reporter(env.stderr, bool(env.stderr_isatty), show_bar, quiet, every, json)
