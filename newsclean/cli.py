"""The command line: options in, library calls, exit status out. No parsing logic lives here."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable
from typing import Annotated, NoReturn

import typer

from . import __version__
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

_SIZE_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3}


def _size(text: str) -> int:
    """`64M`, `1G`, `500000`: a byte count."""
    value = text.strip().upper().removesuffix("B").removesuffix("I")
    number, unit = (value[:-1], value[-1]) if value[-1:] in _SIZE_UNITS else (value, "")
    if not number.isdigit() or int(number) == 0:
        raise typer.BadParameter(f"{text!r} is not a size like 64M or 1000000")
    return int(number) * _SIZE_UNITS[unit]


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
    paths: Annotated[
        list[str] | None,
        typer.Argument(
            help="Dump files and folders (walked recursively); - for stdin.", show_default=False
        ),
    ] = None,
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
    files_from: Annotated[
        str | None,
        typer.Option(
            "--files-from",
            help="Read input paths from LIST, one a line (- for stdin).",
            metavar="LIST",
        ),
    ] = None,
    null: Annotated[
        bool,
        typer.Option(
            "-0", "--null", help="Paths in --files-from are NUL-separated (find -print0)."
        ),
    ] = False,
    jobs: Annotated[
        int | None,
        typer.Option(
            "-j",
            "--jobs",
            min=1,
            help="Worker processes (default: one per CPU).",
            show_default=False,
        ),
    ] = None,
    tz: Annotated[
        str | None,
        typer.Option(
            "--tz", help="Time zone of datelines, e.g. Europe/London: published gets an offset."
        ),
    ] = None,
    max_bytes: Annotated[
        str, typer.Option("--max-bytes", help="Largest input, after decompression (e.g. 64M, 1G).")
    ] = "64M",
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 1 also when any record has warnings.")
    ] = False,
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help="No summary on stderr.")] = False,
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
        state=state,
        force=force,
        dedupe=dedupe,
    )
    run_command(lambda: run_parse(options))


@app.command()
def check(
    paths: Annotated[
        list[str] | None,
        typer.Argument(
            help="Dump files and folders (walked recursively); - for stdin.", show_default=False
        ),
    ] = None,
    files_from: Annotated[
        str | None,
        typer.Option(
            "--files-from",
            help="Read input paths from LIST, one a line (- for stdin).",
            metavar="LIST",
        ),
    ] = None,
    null: Annotated[
        bool, typer.Option("-0", "--null", help="Paths in --files-from are NUL-separated.")
    ] = False,
    output_format: Annotated[
        str, typer.Option("--format", help="table (for people) or json (for programs).")
    ] = "table",
    jobs: Annotated[
        int | None,
        typer.Option(
            "-j",
            "--jobs",
            min=1,
            help="Worker processes (default: one per CPU).",
            show_default=False,
        ),
    ] = None,
    max_bytes: Annotated[
        str, typer.Option("--max-bytes", help="Largest input, after decompression (e.g. 64M, 1G).")
    ] = "64M",
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 1 also when any record has warnings.")
    ] = False,
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
    max_bytes: Annotated[
        str, typer.Option("--max-bytes", help="Largest input, after decompression (e.g. 64M, 1G).")
    ] = "64M",
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
        from .sinks import StreamSink

        sink = StreamSink(sys.stdout.buffer)
        sink.write(orjson.dumps(json_schema(), option=orjson.OPT_INDENT_2) + b"\n")
        sink.commit()
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


def main() -> None:
    app(prog_name="newsclean")
