#!/usr/bin/env python3
"""Inputs that once took quadratic time, each timed at 1x, 2x and 4x its size: the time must
grow about as the size does (the last column stays near 1).

    python benchmarks/growth.py            # about a minute

Each case is parsed in this process, by `parse_input` (a file) or the stream splitter (stdin,
fed in 64 KiB reads), the best of three runs.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from newsclean import parse_input
from newsclean.io.patterns import FileFilter
from newsclean.io.read import stream_dumps

HEADER = b"Headline here\n\nHeadline here\nTue Oct 25, 2016 21:36:02\n\n"


def no_payloads(n: int) -> bytes:
    """Dumps without a payload back to back: each once searched the rest for one."""
    return (HEADER + b"A body paragraph with some words.\n\n") * n


def no_payloads_then_one(n: int) -> bytes:
    """Dumps without a payload, then one with: each searched to that payload again."""
    return no_payloads(n) + HEADER + b"body\n\n" + b'string(2) "[]"'


def value_lines(n: int) -> bytes:
    """A body of value-like lines (`int(5)`) that end no dump: each dump scanned them all, and
    looked for a header before each (cubic)."""
    return HEADER + b"int(5)\nx: y\n" * n


def repeated_datelines(n: int) -> bytes:
    return b"Headline here\n\nHeadline here\n" + b"Tue Oct 25, 2016 21:36:02\n" * n + b"\nbody\n"


def php_lines(n: int) -> bytes:
    """Lines holding `.php:` with no value after them."""
    return HEADER + b"see /var/www/scrape.php:12: and more\n" * n


def key_backtracking(n: int) -> bytes:
    """An array key that never closes: the key pattern once backtracked over the whole line."""
    return HEADER + b'array(1) {\n  ["' + b"'\":" * n + b"\n}\n"


def truncated_json(n: int) -> bytes:
    """A truncated JSON payload with many `"}`: the rest was copied at each one."""
    items = b'{"id":"1","sort":"2","contenttypeid":"3","pic":"x","title":"a"} ,' * n
    payload = b"[" + items
    return HEADER + b'string(%d) "' % (len(payload) + 10) + payload


def long_stream_dump(n: int) -> bytes:
    """On stdin, a dump without a payload longer than one read: it was rescanned at every read."""
    return HEADER + b"A body paragraph with some more words in it.\n\n" * n


class _Reads:
    """A stream that gives its bytes in reads of 64 KiB, as a pipe does."""

    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def read1(self, size: int = -1) -> bytes:
        chunk = self.data[self.at : self.at + 65536]
        self.at += len(chunk)
        return chunk


def as_file(data: bytes) -> None:
    parse_input(data, "growth")


def as_stream(data: bytes) -> None:
    for _ in stream_dumps(_Reads(data), max_bytes=1 << 30, live=False):  # type: ignore[arg-type]
        pass


def a_name(n: int) -> bytes:
    return b"a" * n


def a_path(n: int) -> bytes:
    return b"/".join([b"a"] * n)


def star_glob(data: bytes) -> None:
    FileFilter.of(["*a*a*a*a*a*a*a*a*a*a*b"]).takes(data.decode())  # type: ignore[union-attr]


def globstar_glob(data: bytes) -> None:
    FileFilter.of(["/".join(["**"] * 9) + "/b"]).takes(data.decode())  # type: ignore[union-attr]


CASES: list[tuple[str, Callable[[int], bytes], int, Callable[[bytes], None]]] = [
    ("dumps without payload", no_payloads, 5_000, as_file),
    ("no payloads, then one", no_payloads_then_one, 5_000, as_file),
    ("int(5) / x: y lines", value_lines, 5_000, as_file),
    ("datelines in a row", repeated_datelines, 5_000, as_file),
    (".php: lines, no value", php_lines, 20_000, as_file),
    ("array key backtracking", key_backtracking, 20_000, as_file),
    ('truncated JSON, many "}', truncated_json, 5_000, as_file),
    ("stdin: one long dump", long_stream_dump, 40_000, as_stream),
    ("--glob *a*a*...*b, a name", a_name, 200_000, star_glob),
    ("--glob **/**/.../b, a path", a_path, 20_000, globstar_glob),
]


def best(run: Callable[[bytes], None], data: bytes) -> float:
    times = []
    for _ in range(3):
        started = time.perf_counter()
        run(data)
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    print(f"{'case':26s} {'1x (s)':>8s} {'2x (s)':>8s} {'4x (s)':>8s} {'4x/1x per byte':>15s}")
    for name, make, size, run in CASES:
        seconds = [best(run, make(size * factor)) for factor in (1, 2, 4)]
        per_byte = seconds[2] / 4 / seconds[0]
        print(f"{name:26s} {seconds[0]:8.3f} {seconds[1]:8.3f} {seconds[2]:8.3f} {per_byte:15.2f}")


if __name__ == "__main__":
    main()
