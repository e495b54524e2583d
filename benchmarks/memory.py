#!/usr/bin/env python3
"""Peak memory of one large dump: `newsclean parse -q FILE -o /dev/null`, its peak RSS beside
that of a tiny dump, and the ratio of the difference to the file's size.

    python benchmarks/memory.py                  # this checkout, about 30 s
    python benchmarks/memory.py --size 64        # dumps of about 64 MB (the default --max-bytes)
    PYTHONPATH=/tmp/old python benchmarks/memory.py   # another checkout's newsclean

Each case is a dump of the size asked for, made here: related items as strict JSON, related
items whose titles hold quotes (the layout parser), and a body of many short paragraphs.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HEADER = b"Headline\n\nHeadline\nTue Oct 25, 2016 21:36:02\n\n"
ITEM = b'{"id":"%d","sort":"%d","contenttypeid":"21","pic":"/p/%d.jpg","title":"A title %d"}'


def dump(body: bytes, payload: bytes) -> bytes:
    return HEADER + body + b'\n\nstring(%d) "%s"\n' % (len(payload), payload)


def items(size: int, quoted: bool = False, accented: bool = False) -> bytes:
    item = ITEM.replace(b"A title", b'A "quoted" title') if quoted else ITEM
    item = item.replace(b"A title", "Un titre évoqué".encode()) if accented else item
    count = size // (len(item % (10**5, 10**5, 10**5, 10**5)) + 1)
    return dump(b"Body.", b"[" + b",".join(item % (n, n, n, n) for n in range(count)) + b"]")


def paragraphs(size: int) -> bytes:
    count = size // len(b"Paragraph 0000000 of a long body.\n\n")
    body = b"\n\n".join(b"Paragraph %07d of a long body." % n for n in range(count))
    return dump(body, b"[]")


CASES = {
    "related items, strict JSON": items,
    "related items, titles with quotes": lambda size: items(size, quoted=True),
    "related items, titles not ASCII": lambda size: items(size, accented=True),
    "a body of short paragraphs": paragraphs,
}

_MEASURE = """
import os, subprocess, sys
process = subprocess.Popen([sys.executable, "-m", "newsclean", *sys.argv[1:]])
_, status, usage = os.wait4(process.pid, 0)
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss)
"""


def peak_mib(path: Path) -> float:
    """Peak RSS of parsing `path`, measured from a small fresh process (not this one)."""
    args = ["parse", "-q", str(path), "-o", os.devnull]
    result = subprocess.run(
        [sys.executable, "-c", _MEASURE, *args], capture_output=True, check=True, text=True
    )
    status, peak_kib = result.stdout.split()
    if status != "0":
        sys.exit(f"newsclean exited {status} on {path}")
    return int(peak_kib) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=48, help="MiB of each dump (default 48)")
    size = parser.parse_args().size * 2**20 - 4096
    with tempfile.TemporaryDirectory() as folder:
        tiny = Path(folder, "tiny.txt")
        tiny.write_bytes(dump(b"Body.", b"[]"))
        base = peak_mib(tiny)
        print(f"a tiny dump: peak RSS {base:.0f} MiB")
        print(f"{'case':36} {'MiB':>6} {'peak':>6} {'beyond':>7} {'x size':>7}")
        for name, make in CASES.items():
            path = Path(folder, "large.txt")
            path.write_bytes(make(size))
            mib = path.stat().st_size / 2**20
            peak = peak_mib(path)
            print(f"{name:36} {mib:6.1f} {peak:6.0f} {peak - base:7.0f} {(peak - base) / mib:7.2f}")


if __name__ == "__main__":
    main()
