#!/usr/bin/env python3
"""A batch over small files on a local S3 server (moto's), requests counted by kind.

    python benchmarks/s3.py                          # 20,000 files, this checkout
    python benchmarks/s3.py --files 2000 --against /path/to/other/worktree

Needs `pip install 'moto[server]' s3fs`. Starts `moto_server`, uploads N dumps from the shared
corpus (or examples/), then runs `newsclean batch` from each tree given (this one, and
`--against`'s) into its own OUT, and prints its seconds and its requests, counted from the
server's log: GETs and HEADs of inputs, LISTs, and the batch's own files.
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "dump"
EXAMPLES = ROOT / "examples" / "dumps"
BUCKET = "bench"
_REQUEST = re.compile(r'"(?:\x1b\[[\d;]*m)*([A-Z]+) (/[^ ]*) HTTP')


def serve(log: Path) -> tuple[str, subprocess.Popen[bytes]]:
    """moto's S3 server on a free port, its request log (one line a request) in `log`."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "moto_server"), "-p", str(port)],
        stdout=subprocess.DEVNULL, stderr=log.open("wb"),
    )  # fmt: skip
    endpoint = f"http://127.0.0.1:{port}"
    for _ in range(100):  # until it answers
        try:
            urllib.request.urlopen(endpoint, timeout=1)
            return endpoint, server
        except OSError:
            time.sleep(0.1)
    raise SystemExit("moto_server did not start")


def counted(log: Path, start: int) -> collections.Counter[str]:
    """The requests logged since byte `start` of `log`, by kind: of the inputs, or the batch's."""
    counts: collections.Counter[str] = collections.Counter()
    for method, path in _REQUEST.findall(log.read_bytes()[start:].decode("utf-8", "replace")):
        if "list-type" in path:
            counts["LIST"] += 1
        else:
            counts[f"{method} {'input' if path.startswith(f'/{BUCKET}/src/') else 'batch'}"] += 1
    return counts


def upload(endpoint: str, count: int) -> None:
    import boto3

    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    folder = CORPUS if CORPUS.is_dir() else EXAMPLES
    sources = [path.read_bytes() for path in sorted(folder.iterdir()) if path.suffix == ".txt"]

    def put(index: int) -> None:
        key = f"src/{index // 1000:04d}/{index:07d}.txt"
        client.put_object(Bucket=BUCKET, Key=key, Body=sources[index % len(sources)])

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(put, range(count)))


def batch(
    tree: Path, endpoint: str, out: str, shards: int, log: Path
) -> tuple[float, collections.Counter[str]]:
    command = [
        sys.executable, "-m", "newsclean", "batch", f"s3://{BUCKET}/src/", "-o",
        f"s3://{BUCKET}/{out}/", "--shards", str(shards), "-q",
        "--storage-option", f"endpoint_url={endpoint}",
    ]  # fmt: skip
    environment = {**os.environ, "PYTHONPATH": str(tree)}
    start = log.stat().st_size
    started = time.perf_counter()
    subprocess.run(command, check=True, cwd=tree, env=environment)
    return time.perf_counter() - started, counted(log, start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=20_000)
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument("--against", type=Path, metavar="TREE", help="another version's tree")
    args = parser.parse_args()
    for name, value in (("AWS_ACCESS_KEY_ID", "bench"), ("AWS_SECRET_ACCESS_KEY", "bench")):
        os.environ.setdefault(name, value)
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    log = Path(tempfile.mkdtemp(prefix="newsclean-s3-")) / "requests.log"
    endpoint, server = serve(log)
    try:
        upload(endpoint, args.files)
        print(f"{args.files:,} inputs on a local S3 server (moto), {args.shards} shards")
        trees = [("this", ROOT)] + ([("against", args.against)] if args.against else [])
        for label, tree in trees:
            report(label, *batch(tree, endpoint, f"out-{label}", args.shards, log), args.files)
    finally:
        server.terminate()


def report(label: str, seconds: float, counts: collections.Counter[str], files: int) -> None:
    inputs = {kind: count for kind, count in counts.items() if "input" in kind}
    print(
        f"{label:8s} {seconds:7.1f} s, {sum(inputs.values()) / files:.2f} requests an input "
        f"{sorted(inputs.items())}, the batch's own {sorted((k, v) for k, v in counts.items() if 'input' not in k)}"
    )


if __name__ == "__main__":
    main()
