#!/usr/bin/env python3
"""Parsing alone, in one process: microseconds a file over the shared corpus (or the bundled
examples), read into memory first, the best of 7 passes.

    python benchmarks/inprocess.py                      # this checkout
    PYTHONPATH=/path/to/other/worktree python benchmarks/inprocess.py   # another version

Alternate the two a few times and compare medians: the machine is shared and noisy.
"""

from __future__ import annotations

import time
from pathlib import Path

from newsclean import parse_input

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "dump"
EXAMPLES = ROOT / "examples" / "dumps"


def main() -> None:
    folder = CORPUS if CORPUS.is_dir() else EXAMPLES
    dumps = [path.read_bytes() for path in sorted(folder.iterdir())]
    best = float("inf")
    for _ in range(7):
        started = time.perf_counter()
        for data in dumps:
            parse_input(data, "bench")
        best = min(best, time.perf_counter() - started)
    print(f"{best / len(dumps) * 1e6:.1f} us a file over {len(dumps)} inputs from {folder}")


if __name__ == "__main__":
    main()
