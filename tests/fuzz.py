#!/usr/bin/env python3
"""A fuzz harness: mutated dumps (from tests/golden and tests/corpus_sample) and random cuts of
streams, checking that nothing raises, every record is valid under the published schema, and a
stream read in any pieces gives what a file of the same bytes gives.

    python tests/fuzz.py --seconds 600        # a longer run; prints what it found, exits 1 then
    python tests/fuzz.py --seed 7 --cases 300

`test_properties.test_the_fuzz_harness_finds_nothing` runs it briefly (slow-marked).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import traceback
from pathlib import Path

TESTS = Path(__file__).resolve().parent
sys.path.insert(0, str(TESTS))

from helpers import assert_valid  # noqa: E402
from newsclean import parse_input  # noqa: E402
from newsclean.core.parse import parse_dump  # noqa: E402
from newsclean.core.splitter import StreamSplitter  # noqa: E402

# Bytes that matter to the grammar: line ends, quotes, value heads, Xdebug's marks, NULs.
_TOKENS = [
    b"\n", b"\r\n", b"\r", b'"', b"\0", b"\0" * 600, b"\xef\xbb\xbf", b"NULL\n", b'string(5) "',
    b"string(99999) \"", b"array(2) {\n", b"  [0]=>\n", b"}\n", b'["id"]=>', b"'id' =>",
    b"/x.php:3:\n", b"a.php(2) : eval()'d code:1:", b'"...', b"(more elements)...", b"\\000",
    b"double(1.5)\n", b"Tue Oct 25, 2016 21:36:02\n", b'"} ,{', b"\xc3", b"\xff",
]  # fmt: skip


def seeds() -> list[bytes]:
    files = sorted((TESTS / "golden").glob("*.txt")) + sorted(
        (TESTS / "corpus_sample" / "dump").iterdir()
    )
    return [path.read_bytes() for path in files]


def mutate(data: bytes, randomly: random.Random) -> bytes:
    """A few random edits: insert or overwrite a grammar token or random bytes, cut, repeat."""
    buffer = bytearray(data)
    for _ in range(randomly.randint(1, 6)):
        at = randomly.randint(0, len(buffer))
        edit = randomly.random()
        if edit < 0.4:
            buffer[at:at] = randomly.choice(_TOKENS)
        elif edit < 0.6:
            buffer[at : at + randomly.randint(1, 8)] = randomly.randbytes(randomly.randint(0, 8))
        elif edit < 0.8:
            del buffer[at : at + randomly.randint(1, 200)]
        else:
            buffer += buffer[: randomly.randint(0, len(buffer))]  # dumps glued on
    return bytes(
        buffer[: randomly.randint(1, len(buffer) + 1)] if randomly.random() < 0.3 else buffer
    )


def check(data: bytes, randomly: random.Random) -> None:
    """No exception; records valid; the stream, cut at random, gives the file's records."""
    parsed = parse_input(data, "-")
    for record in parsed.records:
        assert_valid(record)
    splitter, dumps, at = StreamSplitter(64 << 20), [], 0
    while at < len(data):
        size = randomly.randint(1, 2000)
        dumps += splitter.feed(data[at : at + size], False)
        at += size
    dumps += splitter.feed(b"", True)
    if splitter.rejected is not None:
        assert parsed.rejection is not None, "a stream rejected what a file reads"
        return
    records = [parse_dump(dump, "-", index, offset) for index, (offset, dump) in enumerate(dumps)]
    if parsed.rejection is None:
        assert records == parsed.records, "a stream cut in pieces differs from the file"


def run(seed: int, cases: int | None, seconds: float | None) -> list[tuple[bytes, str]]:
    """Fuzz until `cases` inputs or `seconds` are done; the failures found (input, traceback)."""
    randomly, pool, failures = random.Random(seed), seeds(), []
    deadline = None if seconds is None else time.monotonic() + seconds
    done = 0
    while (cases is None or done < cases) and (deadline is None or time.monotonic() < deadline):
        data = mutate(randomly.choice(pool), randomly)
        try:
            check(data, randomly)
        except Exception:
            failures.append((data, traceback.format_exc()))
        done += 1
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cases", type=int, default=None)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    failures = run(args.seed, args.cases, args.seconds)
    for data, trace in failures[:5]:
        print(repr(data[:300]), trace, sep="\n")
    print(f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
