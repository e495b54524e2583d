"""Shared test helpers: serialising records as the CLI does, and checking them against the schema."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import jsonschema
import orjson

from newsclean import Parsed, json_schema

if TYPE_CHECKING:
    from typer.testing import Result

TESTS = Path(__file__).parent
ROOT = TESTS.parent
SHARED = ROOT.parent / "shared"


def jsonl(parsed: Parsed) -> bytes:
    """What `parse` writes for an input: its records, or its `--errors` entry."""
    if parsed.rejection is not None:
        return orjson.dumps(parsed.rejection, option=orjson.OPT_APPEND_NEWLINE)
    return b"".join(orjson.dumps(r, option=orjson.OPT_APPEND_NEWLINE) for r in parsed.records)


@cache
def _validator() -> jsonschema.protocols.Validator:
    schema = json_schema()
    validator = jsonschema.validators.validator_for(schema)
    validator.check_schema(schema)
    return validator(schema)


def assert_valid(record: object) -> None:
    """The record, as JSON, is valid under the published schema."""
    _validator().validate(orjson.loads(orjson.dumps(record)))


def wait_for(evidence: Callable[[], object], what: str = "the evidence", limit: float = 60) -> None:
    """Wait until `evidence()` is true: polled, never a fixed sleep. The limit only ends a test
    that would otherwise hang, far beyond any slow machine's time."""
    deadline = time.monotonic() + limit
    while not evidence():
        assert time.monotonic() < deadline, f"{what} did not come in {limit} s"
        time.sleep(0.01)


def newsclean(
    *args: str, input: bytes | None = None, timeout: float = 60, **kwargs
) -> subprocess.CompletedProcess:
    """Run the real command in a subprocess."""
    command = [sys.executable, "-m", "newsclean", *args]
    # Bytecode caches on: a sandbox that turns them off would make every run compile newsclean.
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100", "PYTHONDONTWRITEBYTECODE": ""}
    # The files tests write are new: --state's default --min-age (a minute) would leave them.
    env["NEWSCLEAN_MIN_AGE"] = "0"
    for name, value in kwargs.pop("env", {}).items():
        if value is None:  # the variable is not set
            env.pop(name, None)
        else:
            env[name] = value
    return subprocess.run(
        command, input=input, capture_output=True, timeout=timeout, env=env, **kwargs
    )


def invoke(*args: str, input: bytes | None = None) -> Result:
    """Run a command in this process (typer's runner): for what needs no real process."""
    from typer.testing import CliRunner

    from newsclean.cli.app import app

    runner = CliRunner()
    env = {"NO_COLOR": "1", "COLUMNS": "100", "TERM": "dumb"}
    return runner.invoke(app, list(args), input=input, env=env, prog_name="newsclean")
