#!/usr/bin/env python3
"""newsclean's benchmark: how close to the floor of reading the files does it come?

    python benchmarks/bench.py                 # the full run recorded in BENCHMARKS.md
    python benchmarks/bench.py --quick         # smaller sizes, for a first look

Builds N dumps from ../shared/corpus (or from examples/ when that is absent) in a temporary
folder and measures, alternating and in one run, the median of 3 rounds of: `cat` over the same
files (the floor), a naive script (per file: read, split on blank lines, `json.loads` the
payload, print JSON), `newsclean parse -j 1` and `newsclean parse` with its default jobs. Then a
stdin stream of concatenated dumps, one dump end to end against `python -c pass`, and how the
time grows with the number of files. Peak RSS is read from the kernel for each command.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "dump"
EXAMPLES = ROOT / "examples" / "dumps"

# The minimal script a user writes first, the baseline of the speed targets: per file, read as
# UTF-8, one regex for the payload, json.loads it, split the rest on blank lines, strip, dump.
MINIMAL = r"""
import json, os, re, sys

PAYLOAD = re.compile(r'string\((\d+)\) "(.*)"\s*$', re.DOTALL)
write = sys.stdout.write
for folder, _, names in os.walk(sys.argv[1]):
    for name in sorted(names):
        with open(os.path.join(folder, name), encoding="utf-8", errors="replace") as file:
            text = file.read()
        found = PAYLOAD.search(text)
        related = None
        if found:
            try:
                related = json.loads(found.group(2))
            except ValueError:
                pass
            text = text[: found.start()]
        blocks = [block.strip() for block in text.split("\n\n") if block.strip()]
        write(json.dumps({"file": name, "blocks": blocks, "related": related}) + "\n")
"""

# What no exact parser can beat in Python: read each file, find the payload, orjson.loads it,
# orjson.dumps a line (no body, no check of anything).
FLOOR = r"""
import os, re, sys
import orjson

PAYLOAD = re.compile(rb'string\((\d+)\) "')
write = sys.stdout.buffer.write
for folder, _, names in os.walk(sys.argv[1]):
    for name in sorted(names):
        with open(os.path.join(folder, name), "rb") as file:
            data = file.read()
        found = PAYLOAD.search(data)
        related = None
        if found:
            try:
                related = orjson.loads(data[found.end() : data.rfind(b'"')])
            except orjson.JSONDecodeError:
                pass
        write(orjson.dumps({"file": name, "related": related}) + b"\n")
"""

# A second, a little more careful: it also folds white space with a regex (the naive row).
NAIVE = r"""
import json, os, re, sys

for folder, _, names in os.walk(sys.argv[1]):
    for name in sorted(names):
        with open(os.path.join(folder, name), encoding="utf-8", errors="replace") as file:
            text = file.read()
        blocks = re.split(r"\n\s*\n", text.strip())
        headline = blocks[0].strip()
        header = blocks[1].splitlines()
        dateline = header[1].strip() if len(header) > 1 else None
        body = [re.sub(r"\s+", " ", block).strip() for block in blocks[2:-1]]
        payload = re.match(r'string\((\d+)\) "(.*)"$', blocks[-1], re.DOTALL)
        related = None
        if payload:
            try:
                related = json.loads(payload.group(2))
            except ValueError:
                pass
        print(json.dumps({"file": name, "headline": headline, "dateline": dateline, "body": body, "related": related}))
"""


def sources() -> list[Path]:
    folder = CORPUS if CORPUS.is_dir() else EXAMPLES
    return sorted(path for path in folder.iterdir() if path.suffix == ".txt")


def build(folder: Path, count: int) -> int:
    """`count` dump files in `folder`, 1,000 to a subfolder; their total size."""
    originals = [path.read_bytes() for path in sources()]
    total = 0
    for index in range(count):
        data = originals[index % len(originals)]
        sub = folder / f"{index // 1000:04d}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"{index:07d}.txt").write_bytes(data)
        total += len(data)
    return total


# Commands run with their bytecode caches warm, as after `pip install`: a shell that forbids
# writing them (PYTHONDONTWRITEBYTECODE) would have every start compile newsclean again (+20 ms).
ENVIRONMENT = {
    name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"
}


def run(command: list[str] | str, stdin_path: Path | None = None) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB, the command and its children) of one run."""
    with open(stdin_path or os.devnull, "rb") as stdin:
        started = time.perf_counter()
        process = subprocess.Popen(
            command,
            shell=isinstance(command, str),
            stdin=stdin,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=ENVIRONMENT,
        )
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"failed: {command}")
    return seconds, usage.ru_maxrss / 1024


def newsclean() -> list[str]:
    found = shutil.which("newsclean", path=str(Path(sys.executable).parent)) or shutil.which(
        "newsclean"
    )
    return [found] if found else [sys.executable, "-m", "newsclean"]


def compare(
    folder: Path, size: int, count: int, rounds: int, against: Path | None = None
) -> dict[str, float]:
    nc = newsclean()
    commands: dict[str, list[str] | str] = {
        "cat (floor)": f"find {folder} -type f -print0 | xargs -0 cat",
        "floor script": [sys.executable, "-c", FLOOR, str(folder)],
        "minimal script": [sys.executable, "-c", MINIMAL, str(folder)],
        "naive script": [sys.executable, "-c", NAIVE, str(folder)],
        "newsclean -j 1": [*nc, "parse", "-q", "-j", "1", str(folder)],
        "newsclean": [*nc, "parse", "-q", str(folder)],
    }
    if against is not None:  # another version's source tree, run the same way, in the same rounds
        before = ["env", f"PYTHONPATH={against}", sys.executable, "-m", "newsclean"]
        commands["before -j 1"] = [*before, "parse", "-q", "-j", "1", str(folder)]
        commands["before"] = [*before, "parse", "-q", str(folder)]
    times: dict[str, list[float]] = {name: [] for name in commands}
    peaks: dict[str, float] = dict.fromkeys(commands, 0.0)
    for command in commands.values():
        run(command)  # warm the page cache and the interpreter's files
    for _ in range(rounds):
        for name, command in commands.items():
            seconds, peak = run(command)
            times[name].append(seconds)
            peaks[name] = max(peaks[name], peak)
    medians = {name: statistics.median(values) for name, values in times.items()}
    floor = medians["cat (floor)"]
    print(f"\n{count:,} dumps, {size / 1e6:.1f} MB, median of {rounds} rounds")
    print(f"{'':16s} {'seconds':>8s} {'files/s':>9s} {'MB/s':>7s} {'x cat':>6s} {'peak RSS':>9s}")
    for name, seconds in medians.items():
        print(
            f"{name:16s} {seconds:8.2f} {count / seconds:9,.0f} {size / 1e6 / seconds:7.1f} "
            f"{seconds / floor:6.2f} {peaks[name]:7.0f} MB"
        )
    if against is not None:
        print(
            f"against {against}: -j 1 {medians['newsclean -j 1'] / medians['before -j 1']:.3f}x "
            f"its time, default jobs {medians['newsclean'] / medians['before']:.3f}x"
        )
    for baseline in ("minimal script", "naive script"):
        print(
            f"against the {baseline}: newsclean {medians[baseline] / medians['newsclean']:.2f}x "
            f"faster, -j 1 {medians[baseline] / medians['newsclean -j 1']:.2f}x faster"
        )
    print(f"newsclean against cat: {medians['newsclean'] / floor:.2f}x its time")
    return medians


def in_process(folder: Path, rounds: int) -> None:
    """Microseconds a file, in this process, best of `rounds`: the parser alone over the files'
    bytes held in memory, and a whole `-j 1` run (list, read, parse, hash, serialise, write to
    /dev/null); their difference is the run's work around the parser."""
    from newsclean import parse_input
    from newsclean.io.environment import Environment
    from newsclean.run.parse import run_parse
    from newsclean.run.settings import Inputs, ParseOptions

    paths = sorted(folder.rglob("*.txt"))
    dumps = [path.read_bytes() for path in paths]
    parser = min(
        _timed(lambda: [parse_input(data, "bench") for data in dumps]) for _ in range(rounds)
    )
    options = ParseOptions(Inputs((str(folder),)), jobs=1)
    with open(os.devnull, "wb") as devnull:
        env = Environment(stdout=devnull)
        whole = min(_timed(lambda: run_parse(options, env)) for _ in range(rounds))
    each = 1e6 / len(dumps)
    print(
        f"\nin this process, {len(dumps):,} files, best of {rounds}: the parser alone "
        f"{parser * each:.1f} us a file; a -j 1 run {whole * each:.1f} us a file, of which "
        f"{(whole - parser) * each:.1f} us around the parser"
    )


def _timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def stream(folder: Path, megabytes: int) -> None:
    """A stdin stream of concatenated dumps, split at dump boundaries and parsed in parallel."""
    originals = b"".join(path.read_bytes() + b"\n" for path in sources())
    path = folder / "stream.txt"
    with open(path, "wb") as out:
        written = 0
        while written < megabytes * 1_000_000:
            out.write(originals)
            written += len(originals)
    seconds, peak = min(
        (run([*newsclean(), "parse", "-q", "-"], path) for _ in range(3)), key=lambda r: r[0]
    )
    print(
        f"\nstdin stream: {written / 1e6:.0f} MB in {seconds:.2f} s = {written / 1e6 / seconds:.1f} MB/s, peak RSS {peak:.0f} MB"
    )
    path.unlink()


def startup(folder: Path) -> None:
    one = next(folder.rglob("*.txt"))
    baseline = statistics.median(run([sys.executable, "-c", "pass"])[0] for _ in range(10))
    single = statistics.median(run([*newsclean(), "parse", "-q", str(one)])[0] for _ in range(10))
    print(
        f"\none dump end to end: {single * 1000:.0f} ms; python -c pass: {baseline * 1000:.0f} ms; "
        f"difference {(single - baseline) * 1000:.0f} ms"
    )


def growth(root: Path, counts: list[int]) -> None:
    print("\ngrowth (newsclean, default jobs):")
    print(f"{'files':>8s} {'seconds':>8s} {'us/file':>8s} {'peak RSS':>9s}")
    for count in counts:
        folder = root / f"growth{count}"
        build(folder, count)
        run([*newsclean(), "parse", "-q", str(folder)])
        seconds, peak = min(
            (run([*newsclean(), "parse", "-q", str(folder)]) for _ in range(3)), key=lambda r: r[0]
        )
        print(f"{count:8,d} {seconds:8.2f} {seconds / count * 1e6:8.0f} {peak:7.0f} MB")
        shutil.rmtree(folder)


def overheads(folder: Path, root: Path) -> None:
    """What the progress bar and a Dask batch cost against a plain `parse` of the same files."""
    nc = newsclean()
    plain = min(run([*nc, "parse", "-q", "--no-progress", str(folder)])[0] for _ in range(3))
    bar = min(run([*nc, "parse", "-q", "--progress", str(folder)])[0] for _ in range(3))
    print(
        f"\nprogress bar: {bar:.2f} s with, {plain:.2f} s without ({(bar / plain - 1) * 100:+.1f}%)"
    )
    out = root / "batch"
    dask = []
    for _ in range(3):
        shutil.rmtree(out, ignore_errors=True)
        dask.append(
            run([*nc, "batch", str(folder), "-o", str(out), "--shards", "16", "--engine", "dask"])[
                0
            ]
        )
        shutil.rmtree(out, ignore_errors=True)
    local = []
    for _ in range(3):
        local.append(run([*nc, "batch", str(folder), "-o", str(out), "--shards", "16"])[0])
        shutil.rmtree(out, ignore_errors=True)
    to_file = min(
        run([*nc, "parse", "-q", str(folder), "-o", str(root / "all.jsonl")])[0] for _ in range(3)
    )
    print(
        f"batch, 16 shards: dask (LocalCluster, 2 workers) {min(dask):.2f} s, local {min(local):.2f} s; "
        f"parse -o file {to_file:.2f} s"
    )


def outputs(folder: Path, root: Path, rounds: int) -> None:
    """`-o FILE.jsonl` against `-o FILE.parquet` on the same files, alternating: time and peak
    RSS (the largest process of each run's tree)."""
    nc = newsclean()
    commands = {
        ending: [*nc, "parse", "-q", str(folder), "-o", str(root / f"all.{ending}")]
        for ending in ("jsonl", "parquet")
    }
    times: dict[str, list[float]] = {ending: [] for ending in commands}
    peaks: dict[str, list[float]] = {ending: [] for ending in commands}
    for _ in range(rounds):
        for ending, command in commands.items():
            seconds, peak = run(command)
            times[ending].append(seconds)
            peaks[ending].append(peak)
    for ending in commands:
        size = (root / f"all.{ending}").stat().st_size / 1e6
        print(
            f"-o all.{ending:8s} {statistics.median(times[ending]):6.2f} s, peak RSS "
            f"{statistics.median(peaks[ending]):4.0f} MB (median of {rounds}), {size:.1f} MB written"
        )
    ratio = statistics.median(times["parquet"]) / statistics.median(times["jsonl"])
    memory = statistics.median(peaks["parquet"]) / statistics.median(peaks["jsonl"])
    print(f"parquet against jsonl: {ratio:.2f}x the time, {memory:.2f}x the peak RSS")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=50_000, help="dumps to compare on")
    parser.add_argument("--stream-mb", type=int, default=300, help="size of the stdin stream")
    parser.add_argument("--quick", action="store_true", help="5,000 files, a 30 MB stream")
    parser.add_argument(
        "--against",
        type=Path,
        metavar="TREE",
        help="also time another version's source tree (e.g. a git worktree), in the same rounds",
    )
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the comparison")
    parser.add_argument(
        "--compare-only", action="store_true", help="only the comparison with cat and the others"
    )
    parser.add_argument(
        "--outputs-only", action="store_true", help="only -o FILE.jsonl against -o FILE.parquet"
    )
    args = parser.parse_args()
    if args.quick:
        args.files, args.stream_mb = 5_000, 30
    print(
        f"machine: {os.cpu_count()} CPUs, {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB"
    )
    print(f"python {sys.version.split()[0]}; dumps from {CORPUS if CORPUS.is_dir() else EXAMPLES}")
    with tempfile.TemporaryDirectory(prefix="newsclean-bench-") as temp:
        root = Path(temp)
        folder = root / "dumps"
        size = build(folder, args.files)
        if args.outputs_only:
            outputs(folder, root, args.rounds)
            return
        compare(folder, size, args.files, args.rounds, args.against)
        in_process(folder, args.rounds)
        if args.compare_only:
            return
        stream(root, args.stream_mb)
        startup(folder)
        overheads(folder, root)
        outputs(folder, root, args.rounds)
        growth(root, [1_000, 10_000, args.files] if not args.quick else [1_000, 5_000])


if __name__ == "__main__":
    main()
