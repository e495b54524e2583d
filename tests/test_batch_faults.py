"""A batch under the faults a cluster meets every day: network errors, timeouts and expiring
credentials (through `flaky://`, an fsspec filesystem that fails on demand), SIGTERM to the
process group, kills between parts and marker, two runs or two attempts at once, inputs changed
before a resume, workers in another directory. Whatever happens, nothing infrastructural is
committed, and after retries or one `--resume` every input's records are present exactly once.
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import sys
import uuid
from dataclasses import asdict

import orjson
import pytest
from flaky import FAULTS, OPTIONS_SEEN, Fault, register
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_batch import data_of, errors_of, files_in

from helpers import TESTS, newsclean, wait_for
from newsclean import batch
from newsclean.exits import ExitStatus, NewscleanError, UsageError
from newsclean.io.environment import Environment
from newsclean.io.retry import Retry, Unavailable
from newsclean.run.parse import run_parse
from newsclean.run.settings import Inputs, ParseOptions, Parsing

pytest.importorskip("fsspec")
SAMPLE = sorted((TESTS / "corpus_sample" / "dump").iterdir())[:24]
NOW = Retry(tries=3, delay=0)  # retries without waiting: the faults are counted, not timed
INFRASTRUCTURE = {"read_error", "permission_denied", "internal_error"}


@pytest.fixture
def source():
    """24 dumps at flaky://<unique>/src (memory:// seen through the failing filesystem)."""
    import fsspec

    register()
    FAULTS.clear()
    root = f"/{uuid.uuid4().hex}"
    memory = fsspec.filesystem("memory")
    for index, path in enumerate(SAMPLE):
        memory.pipe(f"{root}/src/{index // 8}/{index:04d}.txt", path.read_bytes())
    yield f"flaky://{root}"
    FAULTS.clear()
    memory.rm(root, recursive=True)


def parsed(url: str) -> bytes:
    stdout = io.BytesIO()
    env = Environment(stdout=stdout, stderr=io.StringIO(), stdin_isatty=True)
    assert run_parse(ParseOptions(Inputs((url,)), jobs=1), env) == 0
    return stdout.getvalue()


def test_failures_that_pass_are_retried_and_nothing_is_lost(source):
    expected = parsed(f"{source}/src")
    # An input's one request among many fails ("cat"): it is read alone, and that read is
    # retried while it fails ("open:r").
    FAULTS.extend([
        Fault("cat", "0003.txt", 1, ConnectionError("Connection reset by peer")),
        Fault("open:r", "0003.txt", 2, ConnectionError("Connection reset by peer")),
        Fault("cat", "0011.txt", 1, TimeoutError("read timed out")),
        Fault("open:r", "0011.txt", 1, TimeoutError("read timed out")),
        Fault("cat", "0017.txt", 1, PermissionError("ExpiredToken")),
        Fault("open:r", "0017.txt", 2, PermissionError("ExpiredToken")),
        Fault("ls", "/src/2", 2, ConnectionError("EndpointConnectionError")),
        Fault("open:x", "_done", 1, ConnectionError("Connection reset by peer")),
    ])  # fmt: skip
    status, found = batch.run([f"{source}/src"], f"{source}/out", 3, jobs=1, retry=NOW)
    assert status == ExitStatus.OK and (found.done, found.inputs) == (3, 24)
    assert [fault.times for fault in FAULTS] == [0] * 8  # every fault was met
    assert data_of(f"{source}/out") == expected
    assert not {entry["code"] for entry in errors_of(f"{source}/out")} & INFRASTRUCTURE


def test_an_input_on_object_storage_is_read_with_one_request(source, monkeypatch):
    """The manifest knows each input is a file and its size: one GET each (`cat`), no
    `isdir` listing nor HEAD (`info`) first; the records are those of a local run."""
    from flaky import FlakyFileSystem

    expected = parsed(f"{source}/src")
    calls = []
    real_fail = FlakyFileSystem._fail

    def counted(self, operation, path):
        calls.append((operation, path))
        return real_fail(self, operation, path)

    monkeypatch.setattr(FlakyFileSystem, "_fail", counted)
    status, _ = batch.run([f"{source}/src"], f"{source}/out", 3, jobs=1, retry=NOW)
    assert status == ExitStatus.OK and data_of(f"{source}/out") == expected
    on_inputs = [call for call in calls if "/src/" in call[1] and call[1].endswith(".txt")]
    assert {operation for operation, _ in on_inputs} == {"cat"}
    assert len(on_inputs) == len(SAMPLE)  # one each


@pytest.mark.parametrize(
    "error", [ConnectionError("Could not connect"), PermissionError("ExpiredToken: expired")]
)
def test_an_input_that_stays_unreachable_fails_its_shard_uncommitted_until_resume(source, error):
    expected = parsed(f"{source}/src")
    FAULTS.extend([Fault("cat", "0010.txt", 1000, error), Fault("open:r", "0010.txt", 1000, error)])
    with pytest.raises(Unavailable) as failed:
        batch.run([f"{source}/src"], f"{source}/out", 3, jobs=1, retry=NOW)
    assert failed.value.status == ExitStatus.UNAVAILABLE == 69
    assert "2/3 shards done (shard 1 failed: " in str(failed.value)
    assert "0010.txt" in str(failed.value) and "--resume" in str(failed.value)
    found = batch.status(f"{source}/out")
    assert [state.value for state in found.states] == ["done", "failed", "done"]
    assert "0010.txt" in found.why[1] and "tried 3 times" in found.why[1]
    assert not {entry["code"] for entry in errors_of(f"{source}/out")} & INFRASTRUCTURE
    FAULTS.clear()  # the network is back
    status, found = batch.run([f"{source}/src"], f"{source}/out", 3, resume=True, jobs=1)
    assert status == ExitStatus.OK and found.inputs == 24
    assert data_of(f"{source}/out") == expected  # every record, once
    assert len(batch.committed_parts(f"{source}/out")) == 3


def test_a_write_that_fails_fails_the_attempt_whole(source):
    expected = parsed(f"{source}/src")
    FAULTS.append(Fault("open:w", "data/part-00001", 1000, ConnectionError("broken pipe")))
    with pytest.raises(Unavailable):
        batch.run([f"{source}/src"], f"{source}/out", 2, jobs=1, retry=NOW)
    assert batch.status(f"{source}/out").shards_in(batch.ShardState.FAILED) == [1]
    FAULTS.clear()
    assert batch.run([f"{source}/src"], f"{source}/out", 2, resume=True, jobs=1)[0] == 0
    assert data_of(f"{source}/out") == expected


def test_an_unreachable_store_is_one_error_of_its_own(source):
    FAULTS.append(Fault("ls", "/src", 1000, ConnectionError("Name or service not known")))
    with pytest.raises(Unavailable) as failed:
        batch.run([f"{source}/src"], f"{source}/out", 2, jobs=1, retry=NOW)
    assert str(failed.value).startswith(f"{source}/src: ConnectionError")


def test_an_unreachable_store_on_the_command_line(tmp_path):
    """A real driver (ftp, in the standard library) and a port nobody listens on."""
    result = newsclean(
        "batch", "ftp://127.0.0.1:9/dumps/", "-o", str(tmp_path / "out"), "--shards", "1",
        "--tries", "1",
    )  # fmt: skip
    assert result.returncode == 69, result.stderr
    [line] = result.stderr.decode().splitlines()
    assert line.startswith("newsclean: ftp://127.0.0.1:9/dumps/: ConnectionRefusedError")


def test_status_reads_listings_afresh(source):
    """flaky:// caches listings as s3fs does; markers written by other processes since (here,
    through memory://, which is the same store) must still be seen."""
    out = f"{source}/out"
    batch.prepare([f"{source}/src"], out, 2, parsing=Parsing(max_bytes=1 << 20))
    assert batch.status(out).shards_in(batch.ShardState.MISSING) == [0, 1]  # the listing is cached
    batch.run_shard(out.replace("flaky://", "memory://"), 0)
    batch.run_shard(out.replace("flaky://", "memory://"), 1)
    assert batch.status(out).complete


def test_storage_options_reach_the_driver(source):
    OPTIONS_SEEN.clear()
    options = {"endpoint_url": "http://minio:9000", "anon": True}
    batch.run([f"{source}/src"], f"{source}/out", 2, jobs=1, storage_options=options)
    assert OPTIONS_SEEN and all(seen == options for seen in OPTIONS_SEEN)


def test_storage_options_on_the_command_line_are_key_value(tmp_path):
    bad = newsclean(
        "batch", "x", "-o", str(tmp_path / "o"), "--shards", "1", "--storage-option", "anon"
    )
    assert bad.returncode == 2 and b"KEY=VALUE" in bad.stderr
    from newsclean.cli.options import storage_options, storage_pair

    pairs = ["anon=true", "endpoint_url=http://minio:9000", 'client_kwargs={"region_name": "x"}']
    assert storage_options([storage_pair(pair) for pair in pairs]) == {
        "anon": True, "endpoint_url": "http://minio:9000", "client_kwargs": {"region_name": "x"},
    }  # fmt: skip


def test_two_attempts_at_one_shard_commit_one_whole(source, monkeypatch):
    """Spark speculation, or a Dask orphan racing a resume: the first marker created wins; the
    other attempt removes its parts, and readers see data, errors and stats of one attempt."""
    from newsclean.io.store import Store

    out = f"{source}/out"
    batch.prepare([f"{source}/src"], out, 1, parsing=Parsing(max_bytes=1 << 20))
    real_create = Store.create
    raced = []

    def create(self, name, data):
        if name.startswith("_done/") and not raced:
            raced.append(orjson.loads(data)["attempt"])
            batch.run_shard(out, 0)  # the other attempt commits meanwhile
        return real_create(self, name, data)

    monkeypatch.setattr(Store, "create", create)
    stats = batch.run_shard(out, 0)
    marker = orjson.loads(Store(out).read("_done/part-00000-of-00001.json"))
    assert marker["attempt"] != raced[0] and asdict(stats) == marker["stats"]
    parts = Store(out).listing("data") | Store(out).listing("errors")
    assert all(marker["attempt"] in name for name in parts) and len(parts) == 2
    assert Store(out).listing("_attempts") == {}


def test_two_runs_into_one_out(tmp_path):
    """The second run refuses (it may resume instead); a run racing it to create _run.json
    loses cleanly, its manifest removed."""
    source = tmp_path / "src"
    source.mkdir()
    shutil.copyfile(SAMPLE[0], source / "a.txt")
    os.mkfifo(source / "b.txt")  # the first run blocks here, mid-shard, until we close it
    out = tmp_path / "out"
    first = subprocess.Popen(
        [sys.executable, "-m", "newsclean", "batch", str(source), "-o", str(out), "--shards", "1", "-j", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    with open(source / "b.txt", "wb"):  # returns once the first run reads b.txt
        second = newsclean("batch", str(source), "-o", str(out), "--shards", "1")
        assert second.returncode == 2 and b"add --resume" in second.stderr
        resumed = newsclean("batch", str(source), "-o", str(out), "--shards", "1", "--resume")
        assert resumed.returncode == 75, resumed.stderr
        assert (
            b"shard 0 running" in resumed.stderr and b"another attempt runs them" in resumed.stderr
        )
    assert first.wait(60) == 0, first.stderr.read()
    assert batch.status(str(out)).complete
    [only] = [p for p in files_in(out) if p.startswith("_manifest")]
    assert orjson.loads((out / "_run.json").read_bytes())["manifest"] == only


def test_a_run_that_loses_the_race_for_run_json(tmp_path, monkeypatch):
    from newsclean.io.store import Store

    out = tmp_path / "out"
    batch.prepare(
        [str(TESTS / "golden" / "clean.txt")], str(out), 1, parsing=Parsing(max_bytes=1 << 20)
    )
    monkeypatch.setattr(Store, "exists", lambda self, name: False)  # it looked before the other
    with pytest.raises(NewscleanError) as lost:
        batch.prepare(
            [str(TESTS / "golden" / "clean.txt")], str(out), 1, parsing=Parsing(max_bytes=1 << 20)
        )
    assert lost.value.status == ExitStatus.STATE_LOCKED
    assert len([p for p in files_in(out) if p.startswith("_manifest")]) == 1


def test_resume_refuses_a_changed_input_or_another_version(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    for name in ("a.txt", "b.txt"):
        shutil.copyfile(SAMPLE[0], source / name)
    out = tmp_path / "out"
    assert newsclean("batch", str(source), "-o", str(out), "--shards", "2").returncode == 0
    (source / "b.txt").write_bytes(SAMPLE[1].read_bytes())  # same name, other content
    changed = newsclean("batch", str(source), "-o", str(out), "--shards", "2", "--resume")
    assert changed.returncode == 2
    assert f"{source}/b.txt changed" in changed.stderr.decode()
    run = orjson.loads((out / "_run.json").read_bytes())
    (out / "_run.json").write_bytes(orjson.dumps({**run, "version": "0.9.0"}))
    with pytest.raises(UsageError, match=r"made by newsclean 0\.9\.0"):
        batch.run([str(source)], str(out), 2, resume=True)


def _interrupted_then_resumed(tmp_path, crash_at: str, jobs: str) -> tuple:
    source = tmp_path / "src"
    source.mkdir()
    for index, path in enumerate(SAMPLE):
        shutil.copyfile(path, source / f"{index:04d}.txt")
    out = tmp_path / "out"
    command = ["batch", str(source), "-o", str(out), "--shards", "4", "-j", jobs]
    first = subprocess.run(
        [sys.executable, "-m", "newsclean", *command], capture_output=True, timeout=120,
        env={**os.environ, "NEWSCLEAN_CRASH_AT": crash_at}, start_new_session=True,
    )  # fmt: skip
    left = batch.status(str(out))
    resumed = newsclean(*command, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert data_of(out) == newsclean("parse", "-q", str(source)).stdout  # each record once
    assert not {entry["code"] for entry in errors_of(out)} & INFRASTRUCTURE
    named = {marker["parts"]["data"]["name"].split("/")[1] for marker in _markers(out)}
    assert set(files_in(out / "data")) == named  # what crashed attempts wrote is gone
    return first, left


def _markers(out):
    return [orjson.loads(path.read_bytes()) for path in sorted((out / "_done").iterdir())]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_sigterm_to_the_process_group_then_resume(tmp_path, jobs):
    first, left = _interrupted_then_resumed(tmp_path, "shard-file:3@group:SIGTERM", jobs)
    assert first.returncode == 143, first.stderr
    assert b"Traceback" not in first.stderr
    assert not left.complete


def test_a_kill_between_parts_and_marker_then_resume(tmp_path):
    first, left = _interrupted_then_resumed(tmp_path, "shard-parts-written", "1")
    assert first.returncode == -signal.SIGKILL
    assert left.states[0] is batch.ShardState.STALE  # its process is gone: no heartbeat will come
    assert left.shards_in(batch.ShardState.MISSING) == [1, 2, 3]


def test_a_damaged_commit_is_not_trusted(tmp_path):
    out = tmp_path / "out"
    golden = str(TESTS / "golden" / "clean.txt")
    assert newsclean("batch", golden, "-o", str(out), "--shards", "1").returncode == 0
    [part] = (out / "data").iterdir()
    part.write_bytes(part.read_bytes()[:-5])  # truncated by something else
    found = batch.status(str(out))
    assert found.states == [batch.ShardState.FAILED] and "another size" in found.why[0]
    assert batch.run([golden], str(out), 1, resume=True)[0] == 0
    assert data_of(out) == newsclean("parse", golden).stdout
    marker = out / "_done" / "part-00000-of-00001.json"
    marker.write_bytes(marker.read_bytes()[:10])  # cut mid-write, where writes are not atomic
    (out / "_attempts" / "part-00000-of-00001.0123456789abcdef.json").write_bytes(b'{"sha')
    found = batch.status(str(out))
    assert found.states == [batch.ShardState.FAILED] and found.why[0] == "its commit is unreadable"
    assert batch.run([golden], str(out), 1, resume=True)[0] == 0  # the stale attempt removed
    assert data_of(out) == newsclean("parse", golden).stdout
    assert files_in(out / "_attempts") == []
    marker.write_bytes(b'{"shard": 0, "parts": {"data": 5}}')  # valid JSON, not a commit
    (out / "_attempts" / "part-00000-of-00001.0123456789abcdef.json").write_bytes(b'{"pid": "x"}')
    shown = newsclean("batch", "status", str(out))
    assert shown.returncode == 1 and b"shard 0: its commit is unreadable" in shown.stdout
    assert b"Traceback" not in shown.stderr


def test_a_real_dask_scheduler_and_worker_with_relative_paths(tmp_path):
    """`dask scheduler` and `dask worker` as processes of their own, the worker started in
    another directory: SRC and OUT given relative to the client's are made absolute first."""
    pytest.importorskip("distributed")
    client_dir, worker_dir = tmp_path / "client", tmp_path / "elsewhere"
    (client_dir / "src").mkdir(parents=True)
    worker_dir.mkdir()
    for index, path in enumerate(SAMPLE[:12]):
        shutil.copyfile(path, client_dir / "src" / f"{index:04d}.txt")
    address_file = tmp_path / "scheduler.json"
    dask = [sys.executable, "-m", "distributed.cli"]
    scheduler = subprocess.Popen(
        [*dask[:2], "distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0",
         "--no-dashboard", "--scheduler-file", str(address_file)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    worker = None
    try:
        wait_for(address_file.exists, "the scheduler's address file")
        wait_for(lambda: b"address" in address_file.read_bytes(), "the scheduler's address")
        address = orjson.loads(address_file.read_bytes())["address"]
        worker = subprocess.Popen(
            [*dask[:2], "distributed.cli.dask_worker", address, "--nthreads", "1",
             "--no-dashboard"],
            cwd=worker_dir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        result = newsclean(
            "batch", "src", "-o", "out", "--shards", "3", "--engine", "dask",
            "--scheduler", address, cwd=client_dir, timeout=180,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
    finally:
        for process in (worker, scheduler):
            if process is not None:
                process.terminate()
                process.wait(60)
    out = client_dir / "out"
    assert data_of(out) == newsclean("parse", "-q", str(client_dir / "src")).stdout
    assert not (worker_dir / "out").exists()


@pytest.mark.parametrize(
    ("source", "says"),
    [
        ("foo://bucket/x", "Protocol not known: foo"),
        ("s3://bucket/x", "pip install 'newsclean[s3]'"),
    ],
)
def test_a_store_newsclean_cannot_use_is_a_usage_error_at_once(tmp_path, source, says):
    """Not retried: a missing driver or an unknown scheme is no network failure."""
    import importlib.util

    if source.startswith("s3") and importlib.util.find_spec("s3fs") is not None:
        pytest.skip("s3fs is installed")
    result = newsclean("batch", source, "-o", str(tmp_path / "out"), "--shards", "1")
    assert result.returncode == 2
    [line] = result.stderr.decode().splitlines()
    assert says in line


def test_a_read_of_markers_that_fails_is_retried_not_taken_for_missing(source):
    """Markers read at once (fs.cat of many): a connection error there is a failure to retry,
    never a shard taken for missing; a file gone since the listing is simply left out."""
    batch.run([f"{source}/src"], f"{source}/out", 2, jobs=1)
    FAULTS.append(Fault("cat", "_done/part-00001", 1, ConnectionError("reset")))
    assert batch.status(f"{source}/out", retry=NOW).complete
    assert FAULTS[0].times == 0


def test_memory_urls_are_refused_on_dask():
    with pytest.raises(UsageError, match="memory://"):
        batch.run(["memory://anything"], "memory://out", 2, engine="dask")


def test_a_store_that_misreads_a_range_fails_the_shard_uncommitted(source, monkeypatch):
    """As s3fs did when given a range by position (it took `start` for a version id and read
    from elsewhere): the slice of the manifest comes back of another length. No guess at the
    shard's inputs is committed."""
    from newsclean.io.store import Store

    out = f"{source}/out"
    batch.prepare([f"{source}/src"], out, 2, parsing=Parsing(max_bytes=1 << 20))
    real = Store.read_range
    monkeypatch.setattr(
        Store, "read_range", lambda self, name, start, end: real(self, name, end, end + 40)
    )
    with pytest.raises(Unavailable, match="asked for bytes"):
        batch.run_shard(out, 1, retry=NOW)
    assert batch.status(out).states[1] is batch.ShardState.FAILED
    assert batch.committed_parts(out) == []


def test_batch_takes_what_glob_and_exclude_choose_and_resumes_only_with_them(tmp_path):
    source = tmp_path / "src"
    (source / "tmp").mkdir(parents=True)
    for name in ("a.txt", "b.txt", "tmp/c.txt", "scraper.log"):
        shutil.copyfile(SAMPLE[0], source / name)
    out = tmp_path / "out"
    chosen = ["batch", str(source), "-o", str(out), "--shards", "2", "--glob", "*.txt",
              "--exclude", "tmp/**"]  # fmt: skip
    assert newsclean(*chosen).returncode == 0
    assert batch.status(str(out)).totals.inputs == 2
    assert newsclean(*chosen, "--resume").returncode == 0
    other = newsclean("batch", str(source), "-o", str(out), "--shards", "2", "--resume")
    assert other.returncode == 2 and b"other arguments" in other.stderr
    bad = newsclean(
        "batch", str(source), "-o", str(tmp_path / "o2"), "--shards", "1", "--glob", "[x"
    )
    assert bad.returncode == 2 and not (tmp_path / "o2").exists()


@pytest.mark.parametrize(
    ("content", "says"),
    [(b"", "_run.json is damaged"), (b"[1]", "_run.json is damaged"),
     (b'{"layout": 2}', "_run.json is damaged (missing: run, "),
     (b'{"version": "1.2.0", "contract": "1.1", "shards": 3}', "a batch of another layout, made by newsclean 1.2.0")],
)  # fmt: skip
def test_a_damaged_or_older_run_json_is_one_line(tmp_path, content, says):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "_run.json").write_bytes(content)
    for command in (["batch", "status"], ["batch", "parts"]):
        result = newsclean(*command, str(tmp_path / "out"))
        assert result.returncode == 2
        [line] = result.stderr.decode().splitlines()
        assert says in line


def test_a_missing_manifest_is_one_line(tmp_path):
    out = tmp_path / "out"
    golden = str(TESTS / "golden" / "clean.txt")
    batch.prepare([golden], str(out), 1)
    [manifest] = out.glob("_manifest-*")
    manifest.unlink()
    result = newsclean("batch", golden, "-o", str(out), "--shards", "1", "--resume")
    assert result.returncode == 2 and b"Traceback" not in result.stderr


KEYS = ("shard", "attempt", "parts", "stats", "data", "errors", "name", "size", "files", "state",
        "host", "pid", "heartbeat", "seconds", "records")  # fmt: skip
SCALARS = st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.floats(allow_nan=False)
JSON = st.recursive(
    SCALARS | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=5)
    ),
    max_leaves=12,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    marker=JSON.map(orjson.dumps) | st.binary(max_size=40),
    told=JSON.map(orjson.dumps) | st.binary(max_size=40),
)
def test_any_marker_or_attempt_file_gives_a_status_not_a_traceback(tmp_path_factory, marker, told):
    out = tmp_path_factory.mktemp("out")
    batch.prepare([str(TESTS / "golden" / "clean.txt")], str(out), 2)
    for folder, name, content in (("_done", "part-00000-of-00002.json", marker),
                                  ("_attempts", "part-00001-of-00002.00ff.json", told)):  # fmt: skip
        (out / folder).mkdir(exist_ok=True)
        (out / folder / name).write_bytes(content)
    found = batch.status(str(out))
    assert found.states[0] in (batch.ShardState.DONE, batch.ShardState.FAILED)
    assert found.states[1] in (
        batch.ShardState.RUNNING,
        batch.ShardState.FAILED,
        batch.ShardState.STALE,
    )


def test_an_unreachable_scheduler_is_one_line_69_and_leaves_out_untouched(tmp_path):
    out = tmp_path / "out"
    env = {"DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "1s"}  # Dask's own setting: no 30 s wait
    result = newsclean("batch", str(TESTS / "golden" / "clean.txt"), "-o", str(out), "--shards", "2", "--engine",
                       "dask", "--scheduler", "tcp://127.0.0.1:1", env=env)  # fmt: skip
    assert result.returncode == 69, result.stderr
    lines = result.stderr.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith("newsclean: Dask scheduler tcp://127.0.0.1:1")
    assert not out.exists()  # a plain run again is not refused for a run that never began


def test_a_scheduler_for_the_local_engine_is_a_usage_error(tmp_path):
    result = newsclean("batch", str(TESTS / "golden" / "clean.txt"), "-o", str(tmp_path / "out"), "--shards", "2",
                       "--scheduler", "tcp://127.0.0.1:8786")  # fmt: skip
    assert result.returncode == 2 and b"--scheduler is for --engine dask" in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_local_worker_killed_is_one_line_69_and_resume_finishes(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    for index, path in enumerate(SAMPLE):
        shutil.copyfile(path, source / f"{index:04d}.txt")
    out = tmp_path / "out"
    command = ["batch", str(source), "-o", str(out), "--shards", "4", "-j", "2"]
    killed = newsclean(*command, env={"NEWSCLEAN_CRASH_AT": "shard-file:2"})  # SIGKILLs a worker
    assert killed.returncode == 69, killed.stderr
    assert len(killed.stderr.splitlines()) == 1 and b"a worker process died" in killed.stderr
    resumed = newsclean(*command, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert data_of(out) == newsclean("parse", "-q", str(source)).stdout


def test_a_part_changed_in_place_is_found_by_verify_and_resume_runs_its_shard_again(tmp_path):
    """Same size, other bytes: only reading it back against its commit's sha256 tells."""
    source, out = TESTS / "corpus_sample" / "dump", tmp_path / "out"
    command = ["batch", str(source), "-o", str(out), "--shards", "3"]
    assert newsclean(*command).returncode == 0
    part = sorted((out / "data").iterdir())[0]
    changed = bytearray(part.read_bytes())
    changed[len(changed) // 2] ^= 0xFF
    part.write_bytes(bytes(changed))
    assert newsclean("batch", "status", str(out)).returncode == 0  # sizes alone: all looks done
    verified = newsclean("batch", "status", str(out), "--verify")
    assert verified.returncode == 1 and b"changed since its commit" in verified.stdout
    listed = newsclean("batch", "parts", str(out), "--verify")
    assert part.name not in listed.stdout.decode() and listed.returncode == 1
    resumed = newsclean(*command, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert newsclean("batch", "status", str(out), "--verify").returncode == 0
    assert data_of(out) == newsclean("parse", "-q", str(source)).stdout
