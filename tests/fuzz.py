#!/usr/bin/env python3
"""A fuzz harness: mutated dumps (from tests/golden and tests/corpus_sample) and random cuts of
streams, checking that nothing raises, every record is valid under the published schema, and a
stream read in any pieces gives what a file of the same bytes gives. Then four generators of
the places where ordinary options and environments lost data or time (issue 27): a live stream
that pauses at random (real dumps glued: the same records as the file), writes to a pipe that
takes any part of them (every byte arrives), outputs named at random (two naming one file are
always refused), and glob patterns (what plain backtracking gives, in linear time).

    python tests/fuzz.py --seconds 600        # a longer run; prints what it found, exits 1 then
    python tests/fuzz.py --seed 7 --cases 300

`test_properties.test_the_fuzz_harness_finds_nothing` runs it briefly (slow-marked).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

TESTS = Path(__file__).resolve().parent
sys.path.insert(0, str(TESTS))

from helpers import assert_valid  # noqa: E402
from newsclean import parse_input  # noqa: E402
from newsclean.core.parse import parse_dump  # noqa: E402
from newsclean.core.splitter import StreamSplitter  # noqa: E402
from newsclean.exits import UsageError  # noqa: E402
from newsclean.io.outputs import check_distinct, target  # noqa: E402
from newsclean.io.patterns import FileFilter  # noqa: E402
from newsclean.io.sinks import StreamSink  # noqa: E402

# Bytes that matter to the grammar: line ends, quotes, value heads, Xdebug's marks, NULs.
_TOKENS = [
    b"\n", b"\r\n", b"\r", b'"', b"\0", b"\0" * 600, b"\xef\xbb\xbf", b"NULL\n", b'string(5) "',
    b"string(99999) \"", b"array(2) {\n", b"  [0]=>\n", b"}\n", b'["id"]=>', b"'id' =>",
    b"/x.php:3:\n", b"a.php(2) : eval()'d code:1:", b'"...', b"(more elements)...", b"\\000",
    b"double(1.5)\n", b"Tue Oct 25, 2016 21:36:02\n", b'"} ,{', b"\xc3", b"\xff",
    b"\nWarning: Undefined variable $x in /a.php on line 3\n",
    b"PHP Notice:  y in /b.php on line 4\nPHP Stack trace:\nPHP   1. {main}() /b.php:0\n",
    b"\nCall Stack:\n    0.0001     392160   1. {main}() /a.php:0\n\n", b"\n  thrown in /c.php on line 2\n",
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


def check_live(pool: list[bytes], randomly: random.Random) -> bytes:
    """Real dumps glued as `cat` leaves them, on a live stream that pauses at random: the
    records of a file of the same bytes."""
    data = b"".join(randomly.choice(pool) for _ in range(randomly.randint(1, 6)))
    splitter, dumps, at = StreamSplitter(64 << 20), [], 0
    while at < len(data):
        size = randomly.choice([1, 13, 200, 2000, 70000])
        dumps += splitter.feed(data[at : at + size], False, paused=randomly.random() < 0.5)
        at += size
    dumps += splitter.feed(b"", True)
    whole = StreamSplitter(64 << 20).feed(data, True)
    assert len(dumps) == len(whole), "a paused live stream cut other dumps than the file"
    for index, ((offset, dump), (_, file_dump)) in enumerate(zip(dumps, whole, strict=True)):
        # A pause right after a payload's closing quote ends the dump there: its line end, if
        # one follows, is not in its bytes (nor in its sha256). Nothing else may differ.
        assert dump in (file_dump, file_dump.removesuffix(b"\n").removesuffix(b"\r")), index
        record, expected = (
            parse_dump(dump, "-", index, offset),
            parse_dump(file_dump, "-", index, offset),
        )
        record["source"].pop("sha256"), expected["source"].pop("sha256")
        assert record == expected, f"dump {index} of a paused live stream differs from the file's"
    return data


def check_partial_writes(randomly: random.Random) -> bytes:
    """A non-blocking pipe read in random sizes at random moments: every byte written arrives."""
    data = randomly.randbytes(randomly.randint(1, 300_000))
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    got: list[bytes] = []

    def reader() -> None:
        while chunk := os.read(read_end, randomly.choice([1, 100, 4096, 65536])):
            got.append(chunk)

    thread = threading.Thread(target=reader)
    thread.start()
    with open(write_end, "wb", buffering=0) as raw:  # as PYTHONUNBUFFERED=1 leaves stdout
        sink, at = StreamSink(raw), 0  # type: ignore[arg-type]
        while at < len(data):
            size = randomly.randint(1, 100_000)
            sink.write(data[at : at + size])
            at += size
        sink.flush()
    thread.join()
    os.close(read_end)
    assert b"".join(got) == data, "a write lost bytes"
    return data


def check_outputs(folder: Path, randomly: random.Random) -> bytes:
    """Outputs named at random among a few places (links and `-` included): either refused, or
    every one names its own place."""
    places = ["-", "a.jsonl", "b.jsonl", "link-to-a.jsonl", "sub/../a.jsonl", "/dev/null"]
    options = ["-o", "--errors", "--summary-json"]
    chosen = [(option, randomly.choice(places)) for option in options if randomly.random() < 0.8]
    named = [target(option, str(folder / p) if p[0] not in "-/" else p) for option, p in chosen]
    state = str(folder / randomly.choice(["state.db", "a.jsonl"]))
    try:
        check_distinct(named, state)
    except UsageError:
        return repr(chosen).encode()
    files = [os.path.realpath(each.given) for each in named if not each.is_stdout]
    streams = [each for each in named if each.is_stdout]
    assert len(set(files)) == len(files) and len(streams) <= 1, f"accepted {chosen}"
    assert os.path.realpath(state) not in files, f"accepted {chosen} with {state}"
    return repr(chosen).encode()


def scraper_payload(items) -> bytes:
    """The payload line exactly as the scraper builds it: concatenation, nothing escaped."""
    parts = [
        f'{{"id":"{i}","sort":"{s}","contenttypeid":"{c}","pic":"{pic}","title":"{title}"}}'
        for i, s, c, pic, title in items
    ]
    content = ("[" + " ,".join(parts) + " ]").encode()
    return b'string(%d) "' % len(content) + content + b'"'


def _php_string(value: str, xdebug: bool = False) -> bytes:
    data = value.encode()
    return b'string(%d) "' % len(data) + data + b'"'


def _php_key(name: str, xdebug: bool) -> bytes:
    if xdebug:  # Xdebug escapes quotes and backslashes in keys
        return b"'" + name.replace("\\", "\\\\").replace("'", "\\'").encode() + b"' =>"
    return b'["' + name.encode() + b'"]=>'


def php_var_dump(items, xdebug: bool = False, keyed: bool = False) -> bytes:
    """What PHP's var_dump (or Xdebug's) prints for a list of items (ids as strings); `keyed`:
    the array keyed by titles (`$related[$title] = $row`), which must then differ."""
    lines = [b"/var/www/scrape.php:12:"] if xdebug else []
    lines.append(b"array(%d) {" % len(items))
    for index, (i, s, c, pic, title) in enumerate(items):
        if keyed:
            lines.append(b"  " + _php_key(title, xdebug))
        else:
            lines.append(b"  [%d] =>" % index if xdebug else b"  [%d]=>" % index)
        lines.append(b"  array(5) {")
        for name, value in zip(
            ("id", "sort", "contenttypeid", "pic", "title"),
            (str(i), str(s), str(c), pic, title),
            strict=True,
        ):
            lines.append(b"    " + _php_key(name, xdebug))
            lines.append(b"    " + _php_string(value, xdebug))
        lines.append(b"  }")
    lines.append(b"}")
    return b"\n".join(lines)


def php_json_encode(items) -> bytes:
    """var_dump of PHP's json_encode of the items: slashes and non-ASCII escaped."""
    objects = [
        {"id": str(i), "sort": str(s), "contenttypeid": str(c), "pic": pic, "title": title}
        for i, s, c, pic, title in items
    ]
    text = json.dumps(objects, separators=(",", ":")).replace("/", "\\/")
    return _php_string(text, False)


_HEADER = b"Headline\n\nHeadline\nTue Oct 25, 2016 21:36:02\n\nA paragraph.\n\n"
_TITLE_PIECES = [
    "Word", "é", "中文", "خبر", '"', "'", "\\", "{", "}", "[", "]", '"} ,{', '","title":"', "\n", "\n\n",
    "\r\n", "Headline\n\nHeadline\nTue Oct 25, 2016 21:36:02\n\nbody", '\nstring(5) "', "\nNULL\n",
    '"]=>\n', "' =>\n", "\nWarning: x in /a.php on line 3\n",
]  # fmt: skip


def check_printed_items(randomly: random.Random) -> bytes:
    """Dumps whose payloads PHP's printers wrote from random items (titles holding line breaks,
    quotes, headers, braces, PHP's messages), glued: one record a dump, every item."""
    printers = [php_var_dump, lambda items: php_var_dump(items, True), php_json_encode,
                scraper_payload, lambda items: php_var_dump(_unique(items), False, True),
                lambda items: php_var_dump(_unique(items), True, True)]  # fmt: skip
    dumps = []
    for _ in range(randomly.randint(1, 4)):
        items = [
            (randomly.randrange(10**9), randomly.randrange(10**6), 21, "/p.jpg",
             "".join(randomly.choice(_TITLE_PIECES) for _ in range(randomly.randint(1, 6))))
            for _ in range(randomly.randint(1, 4))
        ]  # fmt: skip
        printer = randomly.choice(printers)
        items = _unique(items) if printer in printers[4:] else items
        dumps.append((items, printer(items)))
    data = b"".join(_HEADER + payload for _, payload in dumps)
    records = parse_input(data, "-").records
    assert len(records) == len(dumps), f"{len(records)} records of {len(dumps)} dumps"
    for record, (items, _) in zip(records, dumps, strict=True):
        titles = [" ".join(title.split()) for *_, title in items]
        assert [item["title"] for item in record["related"]] == titles, "items lost or changed"
    return data


def _unique(items: list) -> list:
    """Items whose titles differ: keys of one array."""
    seen: set[str] = set()
    return [item for item in items if not (item[4] in seen or seen.add(item[4]))]


def reference_glob(pattern: str, path: str) -> bool:
    """Glob matching by plain backtracking, as the docs say it (small cases only)."""
    if "/" not in pattern:
        path = path.rsplit("/", 1)[-1]
    return _segments(pattern.removeprefix("/").split("/"), path.split("/"))


def _segments(pattern: list[str], parts: list[str]) -> bool:
    if not pattern:
        return not parts
    if pattern[0] == "**":
        least = 1 if len(pattern) == 1 else 0
        return any(_segments(pattern[1:], parts[skip:]) for skip in range(least, len(parts) + 1))
    return bool(parts) and _name(pattern[0], parts[0]) and _segments(pattern[1:], parts[1:])


def _name(pattern: str, name: str) -> bool:
    if not pattern:
        return not name
    if pattern[0] == "*":
        return any(_name(pattern[1:], name[skip:]) for skip in range(len(name) + 1))
    return bool(name) and pattern[0] in ("?", name[0]) and _name(pattern[1:], name[1:])


def check_glob(randomly: random.Random) -> bytes:
    segments = [
        "".join(randomly.choice("ab*?") for _ in range(randomly.randint(1, 5)))
        if randomly.random() < 0.8
        else "**"
        for _ in range(randomly.randint(1, 3))
    ]
    pattern = "/".join(segments).replace("***", "*")
    if "**" in pattern.replace("/**/", "/").removeprefix("**/").removesuffix("/**"):
        pattern = pattern.replace("**", "*")  # `**` inside a name is `*`: not what is tested
    path = "/".join(
        "".join(randomly.choice("ab") for _ in range(randomly.randint(1, 6)))
        for _ in range(randomly.randint(1, 4))
    )
    assert FileFilter.of([pattern]).takes(path) == reference_glob(pattern, path), (pattern, path)
    return f"{pattern} {path}".encode()


def run(seed: int, cases: int | None, seconds: float | None) -> list[tuple[bytes, str]]:
    """Fuzz until `cases` inputs or `seconds` are done; the failures found (input, traceback)."""
    randomly, pool, failures = random.Random(seed), seeds(), []
    real = [path.read_bytes() for path in sorted((TESTS / "corpus_sample" / "dump").iterdir())]
    deadline = None if seconds is None else time.monotonic() + seconds
    done = 0
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "sub").mkdir()
        (Path(folder) / "link-to-a.jsonl").symlink_to(Path(folder) / "a.jsonl")
        generators = [
            lambda: check(mutate(randomly.choice(pool), randomly), randomly),
            lambda: check_live(real, randomly),
            lambda: check_partial_writes(randomly),
            lambda: check_outputs(Path(folder), randomly),
            lambda: check_glob(randomly),
            lambda: check_printed_items(randomly),
        ]
        while (cases is None or done < cases) and (deadline is None or time.monotonic() < deadline):
            generator = generators[0] if done % 2 == 0 else randomly.choice(generators[1:])
            state = randomly.getstate()
            try:
                generator()
            except Exception:
                randomly.setstate(state)
                failures.append((f"case {done}".encode(), traceback.format_exc()))
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
