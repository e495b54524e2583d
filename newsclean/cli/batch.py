"""`newsclean batch` (`batch run`) and `batch status`: shards locally or on Dask."""

from __future__ import annotations

import time
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import orjson
import typer
import typer.core

from ..exits import ExitStatus, NewscleanError
from ..io.sinks import write_report
from .handler import run_command
from .options import (
    DEFAULT_MAX_BYTES,
    FROM_ENVIRONMENT,
    Excludes,
    Follow,
    Globs,
    Hidden,
    Jobs,
    LogEvery,
    LogFormat,
    LogFormatOption,
    MaxBytes,
    Quiet,
    StorageOptions,
    TimeZone,
    file_selection,
    json_option,
    log_interval,
    storage_options,
)
from .progress import ShardLog
from .render import print_report, printable

Verify = Annotated[
    bool,
    typer.Option(
        "--verify",
        help="Read every committed part back and check it against its commit's sha256 (a part changed in place keeps its size); --resume always does.",
    ),
]

if TYPE_CHECKING:
    from ..io.environment import Environment
    from ..io.outputs import Target
    from ..run.batch import Totals


class Engine(StrEnum):
    local = "local"
    dask = "dask"


class DataFormat(StrEnum):
    jsonl = "jsonl"
    parquet = "parquet"


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


@batch_app.command("run", context_settings=FROM_ENVIRONMENT)
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
        Engine, typer.Option("--engine", help="local (processes here) or dask.")
    ] = Engine.local,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            help="A Dask scheduler, e.g. tcp://host:8786 (default: a local cluster).",
            metavar="ADDRESS",
        ),
    ] = None,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume", help="Go on with the run in OUT: shards not done (or crashed) run again."
        ),
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
    tries: Annotated[
        int,
        typer.Option(
            "--tries",
            min=1,
            help="Tries of a read or write that fails (network, timeout, credentials), 1 s apart and doubling, before its shard fails uncommitted.",
        ),
    ] = 5,
    data_format: Annotated[
        DataFormat,
        typer.Option(
            "--format",
            envvar="NEWSCLEAN_FORMAT",
            help="The data parts: jsonl (gzipped JSON Lines) or parquet (needs pyarrow).",
        ),
    ] = DataFormat.jsonl,
    storage_option: StorageOptions = None,
    globs: Globs = None,
    excludes: Excludes = None,
    follow: Follow = False,
    hidden: Hidden = False,
    jobs: Jobs = None,
    tz: TimeZone = None,
    max_bytes: MaxBytes = DEFAULT_MAX_BYTES,
    worker_wait: Annotated[
        float,
        typer.Option(
            "--worker-wait",
            min=0,
            help="With --engine dask: give up (69) when the cluster has no worker after SECONDS.",
            metavar="SECONDS",
        ),
    ] = 60.0,
    quiet: Quiet = 0,
    log_every: LogEvery = None,
    log_format: LogFormatOption = LogFormat.plain,
    summary_json: Annotated[
        str | None,
        typer.Option(
            "--summary-json",
            help="Write the run's totals and exit status as JSON to FILE (- for stdout), however it ends.",
            metavar="FILE",
        ),
    ] = None,
) -> None:
    """Parse SRC... into OUT in N shards: data, errors and a commit marker per shard.

    Exit 0 only when every shard is committed; 69 when inputs or the store stayed unreachable
    (nothing of theirs committed: --resume finishes); 75 when another run holds OUT.

    Examples:

      newsclean batch dumps/ -o out/ --shards 64

      newsclean batch dumps/ -o out/ --shards 64 --format parquet

      newsclean batch s3://bucket/dumps/ -o s3://bucket/clean/ --shards 512 --engine dask --scheduler tcp://10.0.0.5:8786

      newsclean batch s3://bucket/dumps/ -o s3://bucket/clean/ --shards 512 --resume --storage-option endpoint_url=http://minio:9000
    """

    def go() -> int:
        from ..io.environment import Environment
        from ..io.outputs import target
        from ..io.retry import Retry
        from ..run.batch import run
        from ..run.settings import Parsing

        env = Environment()
        summary_to = target("--summary-json", summary_json) if summary_json else None
        log = ShardLog(env.stderr, shards, log_interval(quiet, log_every), log_format == "json")
        try:
            status, totals = run(
                sources,
                out,
                shards,
                engine=engine.value,
                scheduler=scheduler,
                resume=resume,
                max_error_rate=max_error_rate,
                jobs=jobs,
                parsing=Parsing(tz, max_bytes),
                files=file_selection(globs, excludes, follow, hidden),
                storage_options=storage_options(storage_option),
                retry=Retry(tries=tries),
                data_format=data_format.value,
                done=log,
                worker_wait=worker_wait,
            )
        except NewscleanError as error:
            _summarise(summary_to, env, out, log, error.status, str(error))
            raise
        except KeyboardInterrupt:
            _summarise(summary_to, env, out, log, ExitStatus.INTERRUPTED, "interrupted")
            raise
        counts = _totals(totals)
        _summarise(summary_to, env, out, log, status, None, counts)
        if not quiet:
            if log_format == "json":
                typer.echo(orjson.dumps({"event": "summary", **counts}).decode(), err=True)
            else:
                typer.echo(
                    f"newsclean: {totals.done}/{totals.shards} shards done, {totals.inputs:,} inputs, "
                    f"{totals.records:,} records, {totals.rejected:,} rejected ({totals.error_rate:.2%})",
                    err=True,
                )
        return status

    run_command(go)


def _totals(totals: Totals) -> dict[str, Any]:
    return {
        "shards": totals.shards, "done": totals.done, "inputs": totals.inputs,
        "records": totals.records, "rejected": totals.rejected,
        "error_rate": round(totals.error_rate, 6),
    }  # fmt: skip


def _summarise(
    to: Target | None, env: Environment, out: str, log: ShardLog, status: int, error: str | None,
    totals: dict[str, Any] | None = None,
) -> None:  # fmt: skip
    """--summary-json: the run's totals as OUT reads them, or (when it failed) what this run
    committed before, and how it ended."""
    if to is None:
        return
    from .. import __version__
    from ..io.outputs import write_whole

    counts = totals or {"shards": log.shards, "done": log.done, "inputs": log.inputs,
                        "records": log.records, "rejected": log.rejected}  # fmt: skip
    data = {"version": __version__, "status": int(status), "error": error, "out": out, **counts,
            "seconds": round(time.monotonic() - log.started, 3)}  # fmt: skip
    write_whole(to, orjson.dumps(data, option=orjson.OPT_APPEND_NEWLINE), env.stdout)


Out = Annotated[
    str, typer.Argument(help="The output folder or URL of a batch.", show_default=False)
]


@batch_app.command("status", context_settings=FROM_ENVIRONMENT)
def batch_status(
    out: Out,
    as_json: Annotated[bool, json_option("Print JSON.")] = False,
    verify: Verify = False,
    storage_option: StorageOptions = None,
) -> None:
    """Show each shard done, running, failed, stale (its attempt stopped without a word) or
    missing, and the totals of the done ones. Exit 0 only when every shard is done.

    Example: newsclean batch status s3://bucket/clean/
    """

    from ..io.environment import Environment
    from ..run.batch import run_status

    def go() -> int:
        batch_status = run_status(out, storage_options(storage_option), verify=verify)
        report, env = batch_status.report(), Environment()
        if as_json:
            print_report(env, report)
        else:
            write_report(env.stdout, status_lines(out, report).encode())
        return batch_status.exit_status

    run_command(go)


@batch_app.command("parts", context_settings=FROM_ENVIRONMENT)
def batch_parts(
    out: Out,
    errors: Annotated[
        bool, typer.Option("--errors", help="The errors parts instead of the data parts.")
    ] = False,
    verify: Verify = False,
    storage_option: StorageOptions = None,
) -> None:
    """Print the parts that commit markers name, one a line, in order: all there is to read.
    Exit 1 (after printing them) when some shard is not done.

    Example: newsclean batch parts out/ | xargs zcat | jq .headline
    """

    from ..io.environment import Environment
    from ..run.batch import run_parts

    def go() -> int:
        env = Environment()
        kind = "errors" if errors else "data"
        committed = run_parts(out, kind, storage_options(storage_option), verify=verify)
        listed = "".join(f"{part}\n" for part in committed.parts)
        write_report(env.stdout, listed.encode("utf-8", "surrogateescape"))
        if not committed.status.complete:
            totals = committed.status.totals
            env.stderr.write(
                f"newsclean: {totals.done}/{totals.shards} shards done: the list lacks the others\n"
            )
        return committed.status.exit_status

    run_command(go)


def status_lines(out: str, report: dict[str, Any]) -> str:
    """A batch's status as plain lines: totals, the shards not done, why some failed."""
    counts = ", ".join(
        f"{len(report[state]):,} {state}" for state in ("running", "failed", "stale", "missing")
    )
    shown = (
        f"{printable(out)}: {len(report['done']):,}/{report['shards']:,} shards done, {counts}; "
        f"{report['inputs']:,} inputs, {report['records']:,} records, "
        f"{report['rejected']:,} rejected\n"
    )
    for state in ("running", "failed", "stale", "missing"):
        if report[state]:
            shown += f"{state}: {', '.join(map(str, report[state][:50]))}"
            shown += " ...\n" if len(report[state]) > 50 else "\n"
    for shard, why in list(report["why"].items())[:10]:
        shown += f"shard {shard}: {printable(why)}\n"
    return shown
