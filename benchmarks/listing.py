#!/usr/bin/env python3
"""Listing many inputs through a URL into a batch's manifest: time and peak memory.

    python benchmarks/listing.py --files 1000000 --root /var/tmp/listing   # makes the files once

Makes FILES empty files (1,000 a folder) under ROOT, unless they are there, then lists them
through a `file://` URL as `newsclean batch` does (`batch.prepare`, streamed folder by folder
into the manifest), in a fresh process whose peak resident memory is read from the kernel. For
comparison, `--also-find` lists them the way 1.2 did (fsspec `find`, then `sorted`).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time

PER_FOLDER = 1000

NEW = """
import sys
from newsclean import batch
store, run = batch.prepare([sys.argv[1]], sys.argv[2], 1000)
print(run["inputs"])
"""
OLD = """
import sys, fsspec
fs, root = fsspec.core.url_to_fs(sys.argv[1])
print(len(sorted(fs.find(root))))
"""


def make(root: str, files: int) -> None:
    marker = os.path.join(root, f".made-{files}")
    if os.path.exists(marker):
        return
    for index in range(files):
        folder = os.path.join(root, f"{index // PER_FOLDER:05d}")
        if index % PER_FOLDER == 0:
            os.makedirs(folder, exist_ok=True)
        open(os.path.join(folder, f"{index:08d}.txt"), "wb").close()
    open(marker, "wb").close()


def measured(code: str, *args: str) -> tuple[float, float, str]:
    """Seconds, peak MB and the output of `code` run in a fresh process."""
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, check=True)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # the largest child's
    return seconds, peak, result.stdout.decode().strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1_000_000)
    parser.add_argument("--root", default=os.path.join(tempfile.gettempdir(), "newsclean-listing"))
    parser.add_argument("--also-find", action="store_true")
    arguments = parser.parse_args()
    source = os.path.join(arguments.root, "src")
    started = time.perf_counter()
    make(source, arguments.files)
    print(f"files ready in {time.perf_counter() - started:.0f} s")
    with tempfile.TemporaryDirectory(dir=arguments.root) as out:
        seconds, peak, inputs = measured(NEW, f"file://{source}", f"{out}/out")
        print(f"batch.prepare (streamed): {inputs} inputs, {seconds:.1f} s, peak {peak:.0f} MB")
    if arguments.also_find:  # run last: ru_maxrss is the largest child so far
        seconds, peak, inputs = measured(OLD, f"file://{source}")
        print(f"fsspec find + sorted (1.2): {inputs} paths, {seconds:.1f} s, peak {peak:.0f} MB")


if __name__ == "__main__":
    main()
