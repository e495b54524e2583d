"""Rendering for people: untrusted text made safe, and rich renderables drawn to bytes.

Text from inputs (paths, messages, articles) is untrusted: control characters are escaped so that
nothing reaches a terminal as an escape sequence. rich is imported only when it draws something.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from ..core.record import Rejection
from ..io.environment import Environment, printable
from ..io.sinks import write_report


def counted(count: int, word: str) -> str:
    """`1 input`, `2,249 inputs`: a count with its word, for people."""
    return f"{count:,} {word}" if count == 1 else f"{count:,} {word}s"


def rejection_line(rejection: Rejection) -> str:
    return (
        f"newsclean: {printable(rejection.path)}: {rejection.code}: {printable(rejection.message)}"
    )


def render(renderable: object, terminal: bool) -> bytes:
    """A rich renderable as bytes for stdout: styled on a terminal (at its width), plain off one."""
    import io
    import shutil

    from rich.console import Console

    width = shutil.get_terminal_size().columns if terminal else 120
    # None off a terminal: rich decides by FORCE_COLOR (--color always)
    console = Console(
        file=io.StringIO(), force_terminal=terminal or None, width=width, highlight=False
    )
    console.print(renderable)
    text = console.file.getvalue()  # type: ignore[attr-defined]
    if not terminal:  # rich pads lines to the width; plain text needs no trailing blanks
        text = "".join(line.rstrip() + "\n" for line in text.splitlines())
    return text.encode("utf-8")


def print_report(env: Environment, data: Any, view: Callable[[Any], object] | None = None) -> None:
    """A command's report on stdout: `view(data)` drawn (a table, an article), or without a
    view the data as indented JSON, for programs."""
    if view is not None:
        drawn = render(view(data), bool(env.stdout_isatty))
    else:
        drawn = orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)
    write_report(env.stdout, drawn)
