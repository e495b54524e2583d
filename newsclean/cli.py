"""The command line: options in, library calls, exit status out. No parsing logic lives here."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable
from typing import Annotated, NoReturn

import typer
import typer.core

from . import __version__
from .env import Environment
from .exits import ExitStatus, Interrupted, NewscleanError
from .sinks import BrokenPipe

app = typer.Typer(
    name="newsclean",
    help="Turn raw news scraper dumps into exact, typed JSON Lines.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

# Options several commands share, defined once.
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
MaxBytes = Annotated[
    str, typer.Option("--max-bytes", help="Largest input, after decompression (e.g. 64M, 1G).")
]
TimeZone = Annotated[
    str | None,
    typer.Option(
        "--tz", help="Time zone of datelines, e.g. Europe/London: published gets an offset."
    ),
]
Strict = Annotated[bool, typer.Option("--strict", help="Exit 1 also when any record has warnings.")]

_SIZE_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3}


def _size(text: str) -> int:
    """`64M`, `1G`, `500000`: a byte count."""
    value = text.strip().upper().removesuffix("B").removesuffix("I")
    number, unit = (value[:-1], value[-1]) if value[-1:] in _SIZE_UNITS else (value, "")
    if not number.isdigit() or int(number) == 0:
        raise typer.BadParameter(f"{text!r} is not a size like 64M or 1000000")
    return int(number) * _SIZE_UNITS[unit]


def _shard(text: str | None) -> tuple[int, int] | None:
    """`K/N`: the K-th of N slices (0 <= K < N)."""
    if text is None:
        return None
    shard, _, shards = text.partition("/")
    if not (shard.isdigit() and shards.isdigit() and int(shard) < int(shards)):
        raise typer.BadParameter(f"{text!r} is not K/N with 0 <= K < N", param_hint="--shard")
    return int(shard), int(shards)


def _version(show: bool) -> None:
    if show:
        typer.echo(f"newsclean {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Turn raw news scraper dumps into exact, typed JSON Lines.

    Example: newsclean parse dump/ | jq -r .headline
    """


def _on_sigterm(signum: int, frame: object) -> NoReturn:
    raise Interrupted("terminated", ExitStatus.TERMINATED)


def _quiet_stdout() -> None:
    """After a broken pipe, point stdout at /dev/null so the final flush cannot fail."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def run_command(action: Callable[[], int]) -> NoReturn:
    """Run a command; known failures become one line on stderr and an exit status."""
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        status = int(action())
    except BrokenPipe:
        _quiet_stdout()
        status = ExitStatus.BROKEN_PIPE
    except KeyboardInterrupt:
        typer.echo("newsclean: interrupted", err=True)
        status = ExitStatus.INTERRUPTED
    except NewscleanError as error:
        typer.echo(f"newsclean: {error}", err=True)
        status = error.status
    finally:
        signal.signal(signal.SIGTERM, previous)
    raise typer.Exit(int(status))


@app.command()
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
    from .pipeline import ParseOptions, run_parse

    options = ParseOptions(
        paths=list(paths or []),
        files_from=files_from,
        null_separated=null,
        output=output,
        errors=errors,
        jobs=jobs or 0,
        tz=tz,
        max_bytes=_size(max_bytes),
        strict=strict,
        quiet=quiet,
        progress=progress,
        shard=_shard(shard),
        state=state,
        force=force,
        dedupe=dedupe,
    )
    run_command(lambda: run_parse(options))


@app.command()
def check(
    paths: Paths = None,
    files_from: FilesFrom = None,
    null: Null = False,
    output_format: Annotated[
        str, typer.Option("--format", help="table (for people) or json (for programs).")
    ] = "table",
    jobs: Jobs = None,
    max_bytes: MaxBytes = "64M",
    strict: Strict = False,
) -> None:
    """Parse without writing records; report each warning and rejection code with examples.

    Examples:

      newsclean check dump/

      newsclean check dump/ --format json | jq '.rejected'
    """
    from .check import run_check
    from .pipeline import ParseOptions

    if output_format not in ("table", "json"):
        raise typer.BadParameter("must be table or json", param_hint="--format")
    options = ParseOptions(
        paths=list(paths or []),
        files_from=files_from,
        null_separated=null,
        jobs=jobs or 0,
        max_bytes=_size(max_bytes),
        strict=strict,
        quiet=True,
        progress=False,
    )
    run_command(lambda: run_check(options, output_format == "json"))


@app.command()
def show(
    path: Annotated[str, typer.Argument(help="A dump file.", show_default=False)],
    index: Annotated[
        int,
        typer.Option("--index", "-k", help="Which article of the file: 0, 1, ... (-1: the last)."),
    ] = 0,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the record as JSON instead.")
    ] = False,
    max_bytes: MaxBytes = "64M",
) -> None:
    """Show one article for reading: text, related items, payload check and warnings.

    Examples:

      newsclean show dump/0001.txt

      newsclean show archive.txt --index 2 --json
    """
    from .show import run_show

    run_command(lambda: run_show(path, index, as_json, _size(max_bytes)))


@app.command()
def schema() -> None:
    """Print the JSON Schema (draft 2020-12) of the record contract.

    Example: newsclean schema > record.schema.json
    """
    import orjson

    from .record import json_schema

    def write() -> int:
        from .sinks import write_report

        write_report(
            Environment().stdout, orjson.dumps(json_schema(), option=orjson.OPT_INDENT_2) + b"\n"
        )
        return ExitStatus.OK

    run_command(write)


state_app = typer.Typer(help="Inspect and tidy a --state file.", no_args_is_help=True)
app.add_typer(state_app, name="state")


@state_app.command("show")
def state_show(
    path: Annotated[str, typer.Argument(help="The state file.", show_default=False)],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Show what a state knows: inputs by outcome, and every run with its times and counts.

    Example: newsclean state show /var/lib/newsclean/state.db
    """
    from .state_report import run_state_show

    run_command(lambda: run_state_show(path, as_json))


@state_app.command("prune")
def state_prune(
    path: Annotated[str, typer.Argument(help="The state file.", show_default=False)],
) -> None:
    """Forget inputs that no longer exist.

    Example: newsclean state prune /var/lib/newsclean/state.db
    """
    from .state_report import run_state_prune

    run_command(lambda: run_state_prune(path))


class _DefaultRun(typer.core.TyperGroup):
    """`newsclean batch SRC...` means `newsclean batch run SRC...`; `batch status OUT` stays."""

    def parse_args(self, ctx, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


batch_app = typer.Typer(
    cls=_DefaultRun,
    help="Run over many inputs in shards, locally or on Dask, into a folder or object store.",
    no_args_is_help=True,
)
app.add_typer(batch_app, name="batch")


@batch_app.command("run")
def batch_run(
    sources: Annotated[
        list[str],
        typer.Argument(
            help="Folders, files or URLs (s3://, gs://, memory://).", show_default=False
        ),
    ],
    out: Annotated[
        str, typer.Option("-o", "--out", help="The output folder or URL.", metavar="OUT")
    ],
    shards: Annotated[
        int,
        typer.Option("--shards", min=1, help="How many shards (tasks): thousands of files each."),
    ],
    engine: Annotated[
        str, typer.Option("--engine", help="local (processes here) or dask.")
    ] = "local",
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            help="A Dask scheduler, e.g. tcp://host:8786 (default: a local cluster).",
            metavar="ADDRESS",
        ),
    ] = None,
    resume: Annotated[
        bool, typer.Option("--resume", help="Run only shards not yet done in OUT.")
    ] = False,
    max_error_rate: Annotated[
        float | None,
        typer.Option(
            "--max-error-rate",
            min=0.0,
            max=1.0,
            help="Exit 1 when rejected inputs pass this share.",
            metavar="R",
        ),
    ] = None,
    jobs: Jobs = None,
    tz: TimeZone = None,
    max_bytes: MaxBytes = "64M",
) -> None:
    """Parse SRC... into OUT in N shards: data, errors, stats and a commit marker per shard.

    Examples:

      newsclean batch dumps/ -o out/ --shards 64

      newsclean batch s3://bucket/dumps/ -o s3://bucket/clean/ --shards 512 --engine dask --scheduler tcp://10.0.0.5:8786

      newsclean batch s3://bucket/dumps/ -o s3://bucket/clean/ --shards 512 --resume
    """

    def go() -> int:
        from .batch import run
        from .pipeline import check_zone

        check_zone(tz)
        status, found = run(
            sources,
            out,
            shards,
            engine,
            scheduler,
            resume,
            max_error_rate,
            jobs,
            tz,
            _size(max_bytes),
        )
        typer.echo(
            f"newsclean: {found.done}/{found.shards} shards done, {found.files} inputs, "
            f"{found.records} records, {found.errors} rejected ({found.error_rate:.2%})",
            err=True,
        )
        return status

    run_command(go)


@batch_app.command("status")
def batch_status(
    out: Annotated[
        str, typer.Argument(help="The output folder or URL of a batch.", show_default=False)
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show a batch's shards done, running or missing, and its totals.

    Example: newsclean batch status s3://bucket/clean/
    """

    def go() -> int:
        import orjson

        from .batch import totals
        from .sinks import write_report

        found, states = totals(out)
        report = {"shards": found.shards, **states, "files": found.files, "records": found.records,
                  "errors": found.errors, "seconds": round(found.seconds, 3)}  # fmt: skip
        if as_json:
            shown = orjson.dumps(report, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)
        else:
            counts = {key: len(states[key]) for key in ("done", "running", "missing")}
            shown = (
                f"{out}: {counts['done']}/{found.shards} shards done, {counts['running']} running, "
                f"{counts['missing']} missing; {found.files} inputs, {found.records} records, "
                f"{found.errors} rejected\n"
            ).encode()
            if states["missing"]:
                shown += f"missing: {', '.join(map(str, states['missing'][:50]))}\n".encode()
        write_report(Environment().stdout, shown)
        return (
            ExitStatus.OK
            if not states["missing"] and not states["running"]
            else ExitStatus.REJECTED
        )

    run_command(go)


def main() -> None:
    app(prog_name="newsclean")
