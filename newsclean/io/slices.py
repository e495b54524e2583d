"""The K-th of N slices of a list of lines (a manifest, a `--files-from` list), read alone.

A line belongs to the slice in whose byte range [size*K/N, size*(K+1)/N) its first byte lies:
the N slices hold every line exactly once, and each is found by reading its own range and one
line beyond, so that N tasks read the list once between them, not N times.
"""

from __future__ import annotations

from collections.abc import Callable

_READ_ON = 1 << 16


def slice_lines(
    read_range: Callable[[int, int], bytes], size: int, index: int, count: int,
    end_of_line: bytes = b"\n",
) -> list[bytes]:  # fmt: skip
    """The lines (without their ends) of slice `index` of `count` of a list of `size` bytes;
    `read_range(start, end)` reads bytes [start, end) of it."""
    start, end = size * index // count, size * (index + 1) // count
    if start >= end:
        return []
    origin = start - 1 if start else 0  # the byte before: a line may begin at `start` exactly
    block = read_range(origin, end)
    while not block.endswith(end_of_line) and origin + len(block) < size:  # finish the last line
        block += read_range(origin + len(block), min(size, origin + len(block) + _READ_ON))
    first = block.find(end_of_line) + 1 if start else 0  # the first line beginning in the range
    if start and first == 0:
        return []
    lines = []
    at = first
    while at < len(block) and origin + at < end:
        stop = block.find(end_of_line, at)
        stop = len(block) if stop < 0 else stop
        lines.append(block[at:stop])
        at = stop + 1
    return lines
