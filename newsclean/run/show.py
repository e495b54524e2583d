"""`newsclean show`: one article of one input, picked by its index."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import BinaryIO

from ..core.parse import parse_input
from ..core.record import Record, Rejection
from ..exits import ExitStatus, NewscleanError
from ..io.paths import STDIN, shown_path
from ..io.read import read_input, read_whole_stream


@dataclass(frozen=True, slots=True)
class Shown:
    """An article picked from an input: its record, and which of how many it is."""

    record: Record
    index: int  # 0 <= index < count
    count: int
    path: str  # as given (for a command that shows another article)


def run_show(
    path: str, index: int, max_bytes: int, stdin: BinaryIO | io.BufferedIOBase | None = None
) -> Shown:
    """Article number `index` of the input at `path` (-1: the last; `-`: all of `stdin`);
    NewscleanError when there is none."""
    shown = shown_path(path)  # a name that is not UTF-8, escaped as `parse` writes it
    if path == STDIN and stdin is not None:
        data = read_whole_stream(stdin, max_bytes)
    else:
        data = read_input(path, max_bytes)
    if isinstance(data, Rejection):
        raise NewscleanError(f"{shown}: {data.code}: {data.message}", ExitStatus.REJECTED)
    parsed = parse_input(data, shown)
    if parsed.rejection is not None:
        rejection = parsed.rejection
        raise NewscleanError(f"{shown}: {rejection.code}: {rejection.message}", ExitStatus.REJECTED)
    count = len(parsed.records)
    if not -count <= index < count:
        raise NewscleanError(
            f"{shown} holds {count} article(s), --index 0 to {count - 1}: no --index {index}"
        )
    return Shown(parsed.records[index], index % count, count, shown)
