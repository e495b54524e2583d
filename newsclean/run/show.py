"""`newsclean show`: one article of one input, picked by its index."""

from __future__ import annotations

from ..core.parse import parse_input
from ..core.record import Record, Rejection
from ..exits import ExitStatus, NewscleanError
from ..io.environment import Environment
from ..io.read import read_input
from ..io.sinks import Present, deliver


def pick(path: str, index: int, max_bytes: int) -> Record:
    """Record number `index` of the input at `path`; NewscleanError when there is none."""
    data = read_input(path, max_bytes)
    if isinstance(data, Rejection):
        raise NewscleanError(f"{path}: {data.code}: {data.message}", ExitStatus.REJECTED)
    parsed = parse_input(data, path)
    if parsed.rejection is not None:
        rejection = parsed.rejection
        raise NewscleanError(f"{path}: {rejection.code}: {rejection.message}", ExitStatus.REJECTED)
    if not -len(parsed.records) <= index < len(parsed.records):
        count = len(parsed.records)
        raise NewscleanError(f"{path} holds {count} article(s): no --index {index}")
    return parsed.records[index]


def run_show(
    path: str,
    index: int,
    max_bytes: int,
    env: Environment | None = None,
    present: Present | None = None,
) -> ExitStatus:
    """Record number `index` of `path`, as JSON on stdout unless `present` draws it."""
    env = env or Environment()
    record = pick(path, index, max_bytes)
    deliver(record, env.stdout, present)
    return ExitStatus.OK
