"""Scale-out: shards, `newsclean batch` locally and on Dask, fsspec storage, the Spark recipe;
and the batch's promise under faults: exit 0 means every input processed exactly once, by one
run, into parts that commit markers name."""

from __future__ import annotations

import contextlib
import gzip
import io
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

import orjson
import pytest

from helpers import ROOT, TESTS, newsclean
from newsclean import batch
from newsclean.io.environment import Environment
from newsclean.run.parse import run_parse
from newsclean.run.settings import Inputs, ParseOptions

GOLDEN = TESTS / "golden"
SAMPLE = TESTS / "corpus_sample" / "dump"


@pytest.fixture(scope="module")
def dumps(tmp_path_factory):
    """A folder of good, damaged and unusable inputs: 300 files in sub-folders."""
    folder = tmp_path_factory.mktemp("dumps")
    sources = sorted(SAMPLE.iterdir()) + [
        GOLDEN / name for name in ("empty.txt", "binary.txt", "latin1.txt")
    ]
    for index in range(300):
        sub = folder / f"{index // 100:02d}"
        sub.mkdir(exist_ok=True)
        shutil.copyfile(sources[index % len(sources)], sub / f"{index:04d}.txt")
    return folder


@pytest.fixture(scope="module")
def expected(dumps):
    return newsclean("parse", "-q", str(dumps)).stdout


def data_of(out) -> bytes:
    """The records of a batch, read as a reader must: the parts its markers name, in order."""
    return b"".join(gzip.decompress(_bytes_of(part)) for part in batch.committed_parts(str(out)))


def errors_of(out) -> list[dict]:
    return [
        orjson.loads(line)
        for part in batch.committed_parts(str(out), "errors")
        for line in _bytes_of(part).splitlines()
    ]


def _bytes_of(part: str) -> bytes:
    import fsspec

    return fsspec.core.url_to_fs(part)[0].cat_file(part)


def files_in(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


@pytest.mark.parametrize("shards", [1, 7])
def test_shards_together_are_the_unsharded_run(dumps, expected, tmp_path, shards):
    out = tmp_path / "out"
    result = newsclean("batch", str(dumps), "-o", str(out), "--shards", str(shards), "-j", "2")
    assert result.returncode == 0, result.stderr
    assert data_of(out) == expected
    run = orjson.loads((out / "_run.json").read_bytes())
    manifest = run["manifest"]
    assert files_in(out) == ["_attempts", "_done", manifest, "_run.json", "data", "errors"]
    assert len(files_in(out / "_done")) == len(files_in(out / "data")) == shards
    assert files_in(out / "_attempts") == []  # each attempt's file goes once it commits
    assert {e["code"] for e in errors_of(out)} == {"empty", "not_text"}
    assert run["shards"] == shards and run["inputs"] == 300
    first = (out / manifest).read_text().splitlines()[0].split("\t")
    source = dumps / "00" / "0000.txt"
    assert first == [str(source), str(source.stat().st_size), str(source.stat().st_mtime_ns)]


def test_parse_shards_concatenate_to_the_whole(dumps, expected):
    parts = [newsclean("parse", "-q", str(dumps), "--shard", f"{k}/4").stdout for k in range(4)]
    assert b"".join(parts) == expected
    assert newsclean("parse", "--shard", "4/4", str(dumps)).returncode == 2


@pytest.mark.parametrize("nul", [False, True])
def test_a_job_array_shares_one_listing(dumps, expected, tmp_path, nul):
    """`parse --shard K/N --files-from LIST`: each task reads its slice of the one listing."""
    paths = [str(path) for path in sorted(dumps.rglob("*.txt"))]
    listing = tmp_path / "manifest.txt"
    listing.write_bytes(("\0" if nul else "\n").join(paths).encode())
    flags = ["-0"] if nul else []
    parts = [
        newsclean("parse", "-q", "--files-from", str(listing), *flags, "--shard", f"{k}/5").stdout
        for k in range(5)
    ]
    assert all(parts) and b"".join(parts) == expected


def _kill_a_busy_worker(client, killed: list[str]) -> None:
    """As soon as a worker is running a shard, end it with os._exit (its nanny starts another)."""
    from distributed.comm.core import CommClosedError

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not killed:
        busy = [worker for worker, tasks in client.processing().items() if tasks]
        if busy:
            killed.append(busy[0])
            with contextlib.suppress(CommClosedError):
                client.run(os._exit, 1, workers=busy[:1])
        time.sleep(0.002)


def test_dask_local_cluster_with_a_worker_killed_mid_run(dumps, expected, tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    out = tmp_path / "out"
    killed: list[str] = []
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True)
    with cluster, distributed.Client(cluster) as client:
        killer = threading.Thread(target=_kill_a_busy_worker, args=(client, killed))
        killer.start()
        status, found = batch.run([str(dumps)], str(out), 3, engine="dask", client=client)
        killer.join()
    assert killed, "no worker was killed while running a shard"
    assert status == 0
    assert (found.done, found.inputs) == (3, 300)
    assert data_of(out) == expected
    assert len(errors_of(out)) == found.rejected
    assert batch.status(str(out)).complete


def test_memory_source_and_sink(expected):
    fsspec = pytest.importorskip("fsspec")
    memory = fsspec.filesystem("memory")
    for path in sorted(SAMPLE.iterdir())[:20]:
        memory.pipe(f"/src/{path.name}", path.read_bytes())
    status, found = batch.run(["memory://src"], "memory://out", 4, jobs=4)
    assert status == 0 and found.inputs == 20 and found.done == 4  # in this process: memory
    data = data_of("memory://out")
    stdout = io.BytesIO()
    env = Environment(stdout=stdout, stderr=io.StringIO(), stdin_isatty=True)
    assert run_parse(ParseOptions(Inputs(("memory://src",)), jobs=1), env) == 0
    assert data == stdout.getvalue()
    first = orjson.loads(data.splitlines()[0])
    assert first["source"]["path"] == f"memory:///src/{sorted(SAMPLE.iterdir())[0].name}"


def test_a_file_that_breaks_the_parser_is_logged_not_fatal(dumps, tmp_path, monkeypatch):
    from newsclean.run.batch import shard

    real = shard.outcomes_of

    def breaks_on_one(path, data, settings):
        if path.endswith("0007.txt"):
            raise RuntimeError("a parser bug")
        return real(path, data, settings)

    monkeypatch.setattr(shard, "outcomes_of", breaks_on_one)
    status, found = batch.run([str(dumps)], str(tmp_path / "out"), 2, jobs=1)
    assert status == 0 and found.inputs == 300
    [broken] = [e for e in errors_of(tmp_path / "out") if e["code"] == "internal_error"]
    assert broken == {
        "path": f"{dumps}/00/0007.txt",
        "code": "internal_error",
        "message": "RuntimeError: a parser bug",
    }


def test_resume_reruns_only_the_shard_without_its_marker(dumps, expected, tmp_path):
    out = tmp_path / "out"
    assert newsclean("batch", str(dumps), "-o", str(out), "--shards", "5").returncode == 0
    (out / "_done" / "part-00003-of-00005.json").unlink()
    before = set(files_in(out / "data"))
    assert newsclean("batch", "status", str(out)).returncode == 1
    result = newsclean("batch", str(dumps), "-o", str(out), "--shards", "5", "--resume")
    assert result.returncode == 0, result.stderr
    after = set(files_in(out / "data"))
    [gone], [new] = before - after, after - before  # the uncommitted part is removed
    assert gone.startswith("part-00003-of-00005.") and new.startswith("part-00003-of-00005.")
    assert data_of(out) == expected
    status = newsclean("batch", "status", str(out), "--json")
    assert orjson.loads(status.stdout)["done"] == [0, 1, 2, 3, 4]


def test_resume_refuses_other_arguments_or_inputs(dumps, tmp_path):
    out = tmp_path / "out"
    assert (
        newsclean("batch", str(GOLDEN / "clean.txt"), "-o", str(out), "--shards", "2").returncode
        == 0
    )
    again = newsclean("batch", str(GOLDEN / "clean.txt"), "-o", str(out), "--shards", "2")
    assert again.returncode == 2 and "--resume" in again.stderr.decode()
    other = newsclean(
        "batch", str(GOLDEN / "clean.txt"), "-o", str(out), "--shards", "3", "--resume"
    )
    assert other.returncode == 2 and "other arguments" in other.stderr.decode()
    moved = tmp_path / "moved"
    moved.mkdir()
    shutil.copyfile(GOLDEN / "clean.txt", moved / "a.txt")
    assert (
        newsclean("batch", str(moved), "-o", str(tmp_path / "o2"), "--shards", "1").returncode == 0
    )
    shutil.copyfile(GOLDEN / "clean.txt", moved / "b.txt")
    changed = newsclean(
        "batch", str(moved), "-o", str(tmp_path / "o2"), "--shards", "1", "--resume"
    )
    assert changed.returncode == 2
    assert f"{moved}/b.txt is new" in changed.stderr.decode()


def test_too_many_errors_fail_the_run(tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    for index in range(4):
        (bad / f"{index}.txt").write_bytes(b"" if index else (GOLDEN / "clean.txt").read_bytes())
    result = newsclean(
        "batch", str(bad), "-o", str(tmp_path / "out"), "--shards", "2", "--max-error-rate", "0.5"
    )
    assert result.returncode == 1
    assert "3 rejected (75.00%)" in result.stderr.decode()


def test_batch_status_names_missing_shards(dumps, tmp_path):
    out = tmp_path / "out"
    newsclean("batch", str(dumps), "-o", str(out), "--shards", "4")
    (out / "_done" / "part-00001-of-00004.json").unlink()
    result = newsclean("batch", "status", str(out))
    assert result.returncode == 1
    assert "3/4 shards done, 0 running, 0 failed, 0 stale, 1 missing" in result.stdout.decode()
    assert "missing: 1\n" in result.stdout.decode()


def _spark_ready() -> str | None:
    if shutil.which("java") is None:
        return "Java is not installed"
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark is not installed (pip install pyspark)"
    return None


@pytest.mark.skipif(_spark_ready() is not None, reason=_spark_ready() or "")
def test_the_spark_recipe_gives_the_same_records(dumps, expected, tmp_path):
    out = tmp_path / "out"
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable, "PYSPARK_DRIVER_PYTHON": sys.executable,
           "SPARK_LOCAL_IP": "127.0.0.1", "PYSPARK_SUBMIT_ARGS": "--master local[2] pyspark-shell"}  # fmt: skip
    recipe = ROOT / "examples" / "spark" / "newsclean_spark.py"
    result = subprocess.run(
        [sys.executable, str(recipe), str(dumps), str(out), "4"],
        env=env,
        capture_output=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    assert data_of(out) == expected


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_sigterm_mid_shard_commits_nothing_and_exits_143(tmp_path, jobs):
    """A file being read when SIGTERM comes gets no verdict: its shard stays uncommitted."""
    source = tmp_path / "src"
    source.mkdir()
    (source / "a.txt").write_bytes((TESTS / "golden" / "clean.txt").read_bytes())
    os.mkfifo(source / "b.txt")  # read blocks until a writer comes: the run is mid-shard
    out = tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, "-m", "newsclean", "batch", str(source), "-o", str(out), "--shards", jobs,
         "-j", jobs],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    with open(source / "b.txt", "wb"):  # opens once the run has opened it to read
        os.killpg(process.pid, signal.SIGTERM)
        status = process.wait(60)  # the file stays open meanwhile: no end of file comes
    assert status == 143, process.stderr.read()
    assert b"Traceback" not in process.stderr.read()
    done = files_in(out / "_done")
    assert "part-00001-of-00002.json" not in done and len(done) < int(jobs)
    assert not (out / "errors").exists() or b"internal_error" not in b"".join(
        part.read_bytes() for part in (out / "errors").iterdir()
    )
