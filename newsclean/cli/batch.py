"""`newsclean batch` (`batch run`) and `batch status`: shards locally or on Dask."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer
import typer.core

from ..io.sinks import write_report
from .handler import run_command
from .options import Jobs, MaxBytes, TimeZone, size
from .render import printable

if TYPE_CHECKING:
    from ..io.environment import Environment
    from ..io.sinks import Present


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
        from ..run.batch import run
        from ..run.parse import check_zone

        check_zone(tz)
        status, found = run(
            sources,
            out,
            shards,
            engine=engine,
            scheduler=scheduler,
            resume=resume,
            max_error_rate=max_error_rate,
            jobs=jobs,
            tz=tz,
            max_bytes=size(max_bytes),
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

    from ..io.environment import Environment
    from ..run.batch import run_status

    env = Environment()
    run_command(lambda: run_status(out, env, drawn_status(out, as_json, env)))


def drawn_status(out: str, as_json: bool, env: Environment) -> Present | None:
    """A batch's status as two plain lines (or None: as JSON)."""
    if as_json:
        return None

    def lines(report: dict[str, Any]) -> None:
        done, running, missing = (len(report[key]) for key in ("done", "running", "missing"))
        shown = (
            f"{printable(out)}: {done}/{report['shards']} shards done, {running} running, "
            f"{missing} missing; {report['files']} inputs, {report['records']} records, "
            f"{report['errors']} rejected\n"
        )
        if missing:
            shown += f"missing: {', '.join(map(str, report['missing'][:50]))}\n"
        write_report(env.stdout, shown.encode())

    return lines
