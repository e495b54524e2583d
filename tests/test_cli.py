"""The real command in a subprocess: inputs, outputs, rejections, exit statuses and faults."""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
import re
import select
import signal
import subprocess
import sys

import orjson
import pytest

from helpers import ROOT, TESTS, assert_valid, invoke, newsclean, wait_for

GOLDEN = TESTS / "golden"
CLEAN = (GOLDEN / "clean.txt").read_bytes()
KEYS = [
    "source", "headline", "dateline", "published", "published_utc", "published_precision",
    "body", "related", "payload", "warnings",
]  # fmt: skip


# Runs newsclean from a small fresh process: a child forked from pytest itself would count
# pytest's memory as its own peak, since the peak survives exec.
_MEASURE = """
import os, subprocess, sys
process = subprocess.Popen([sys.executable, "-m", "newsclean", *sys.argv[1:]])
_, status, usage = os.wait4(process.pid, 0)
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss, file=sys.stderr)
"""


def peak_rss_mib(args: list[str], stdin_path) -> tuple[int, bytes, float]:
    """Run newsclean with stdin from a file: its exit status, stdout, and peak RSS in MiB."""
    with open(stdin_path, "rb") as stdin:
        result = subprocess.run(
            [sys.executable, "-c", _MEASURE, *args], stdin=stdin, capture_output=True, timeout=300
        )
    status, peak_kib = result.stderr.decode().splitlines()[-1].split()
    return int(status), result.stdout, int(peak_kib) / 1024


def records(stdout: bytes) -> list[dict]:
    return [orjson.loads(line) for line in stdout.splitlines()]


@pytest.fixture
def mixed(tmp_path):
    """A folder of good, damaged and unusable inputs (and things to skip)."""
    folder = tmp_path / "mixed"
    (folder / "sub").mkdir(parents=True)
    for name in (
        "clean.txt",
        "truncated.txt",
        "latin1.txt",
        "empty.txt",
        "binary.txt",
        "not_a_dump.txt",
    ):
        (folder / name).write_bytes((GOLDEN / name).read_bytes())
    (folder / "sub" / "concat.txt").write_bytes((GOLDEN / "concat.txt").read_bytes())
    (folder / ".hidden.txt").write_bytes(CLEAN)
    (folder / "linked").symlink_to(GOLDEN, target_is_directory=True)
    return folder


def test_records_are_json_lines_in_contract_order(tmp_path):
    result = newsclean("parse", str(GOLDEN / "clean.txt"), str(GOLDEN / "concat.txt"))
    assert result.returncode == 0
    lines = records(result.stdout)
    assert len(lines) == 4
    for record in lines:
        assert list(record) == KEYS
        assert_valid(record)
    assert "\u2019" in newsclean("parse", str(GOLDEN / "curly_quotes_kept.txt")).stdout.decode()


def test_a_mixed_folder_gives_every_record_and_one_error_each(mixed, tmp_path):
    errors = tmp_path / "errors.jsonl"
    result = newsclean("parse", "-q", str(mixed), "--errors", str(errors))
    assert result.returncode == 1
    paths = [r["source"]["path"] for r in records(result.stdout)]
    assert paths == [
        f"{mixed}/clean.txt",
        f"{mixed}/latin1.txt",
        *[f"{mixed}/sub/concat.txt"] * 3,
        f"{mixed}/truncated.txt",
    ]
    entries = [orjson.loads(line) for line in errors.read_bytes().splitlines()]
    assert [(e["path"], e["code"]) for e in entries] == [
        (f"{mixed}/binary.txt", "not_text"),
        (f"{mixed}/empty.txt", "empty"),
        (f"{mixed}/not_a_dump.txt", "not_a_dump"),
    ]
    assert result.stderr.decode().splitlines() == [
        f"newsclean: {e['path']}: {e['code']}: {e['message']}" for e in entries
    ]


def test_without_quiet_one_summary_line_follows(mixed):
    result = newsclean("parse", str(mixed))
    *errors, summary = result.stderr.decode().splitlines()
    assert len(errors) == 3
    assert summary.startswith("newsclean: 7 inputs, 6 records (")
    assert "3 inputs rejected (empty 1, not_a_dump 1, not_text 1)" in summary
    assert "\x1b" not in result.stderr.decode()


def test_strict_fails_on_warnings():
    assert newsclean("parse", "-q", str(GOLDEN / "truncated.txt")).returncode == 0
    assert newsclean("parse", "-q", "--strict", str(GOLDEN / "truncated.txt")).returncode == 1
    assert newsclean("parse", "-q", "--strict", str(GOLDEN / "clean.txt")).returncode == 0


def test_output_file_is_written_atomically(tmp_path):
    out = tmp_path / "out.jsonl"
    result = newsclean("parse", "-q", str(GOLDEN / "clean.txt"), "-o", str(out))
    assert result.returncode == 0 and result.stdout == b""
    assert len(records(out.read_bytes())) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--bogus"], "No such option"),
        (["-o", "/no/such/folder/out.jsonl", "x"], "does not exist"),
        (["--files-from", "/no/such/list"], "--files-from /no/such/list"),
        (["--tz", "Mars/Olympus", "x"], "no such time zone"),
        (["--max-bytes", "lots", "x"], "not a size"),
        (["-j", "0", "x"], "-j"),
    ],
)
def test_usage_errors_exit_2_with_one_message(args, message):
    result = invoke("parse", *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert message in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.fixture
def full_disk(tmp_path):
    """A folder on a 64 KiB tmpfs, nearly full (mounting needs root; elsewhere the tests that use
    it are skipped, and `test_a_sink_failing_with_enospc_is_one_line` covers the same path)."""
    folder = tmp_path / "small"
    folder.mkdir()
    mount = ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)]
    if subprocess.run(mount, capture_output=True).returncode != 0:
        pytest.skip("no tmpfs can be mounted here")
    (folder / "filler").write_bytes(b"x" * 56 * 1024)
    yield folder
    subprocess.run(["umount", str(folder)], check=True)


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("target", ["-o", "--errors", "--state"])
def test_a_full_disk_is_one_line_and_exit_74(full_disk, tmp_path, target, jobs):
    args = {"-o": ["-o", str(full_disk / "out.jsonl")],
            "--errors": ["-o", os.devnull, "--errors", str(full_disk / "errors.jsonl")],
            "--state": ["-o", str(tmp_path / "out.jsonl"), "--state", str(full_disk / "s.db")]}  # fmt: skip
    result = newsclean("parse", "-q", "-j", jobs, str(GOLDEN), *args[target])
    assert result.returncode == 74, result.stderr
    errors = [line for line in result.stderr.decode().splitlines() if "cannot write" in line]
    assert len(errors) == 1 and "Traceback" not in result.stderr.decode()
    assert not [p for p in full_disk.iterdir() if p.name.endswith(".tmp")]


def test_a_sink_failing_with_enospc_is_one_line(tmp_path, monkeypatch):
    """The same path without a tmpfs: the output file fails as a full disk does, on its flush."""
    import errno
    import io

    from newsclean.io import sinks
    from newsclean.io.environment import Environment
    from newsclean.run.parse import run_parse
    from newsclean.run.settings import Inputs, OutputFiles, ParseOptions

    class Full(io.BytesIO):
        def flush(self) -> None:
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(sinks, "open", lambda path, mode: Full(), raising=False)
    out = tmp_path / "out.jsonl"
    options = ParseOptions(
        Inputs((str(GOLDEN / "clean.txt"),)), outputs=OutputFiles(output=str(out)), jobs=1
    )
    with pytest.raises(sinks.OutputError, match="No space left on device"):
        run_parse(options, Environment(stdin=io.BytesIO(), stdout=io.BytesIO()))
    assert list(tmp_path.iterdir()) == []


def test_writing_to_a_full_disk_is_one_clear_line():
    with open("/dev/full", "wb") as full:
        result = subprocess.run(
            [sys.executable, "-m", "newsclean", "parse", "-q", str(GOLDEN)],
            stdout=full,
            stderr=subprocess.PIPE,
        )
    assert result.returncode == 74
    *rejections, last = result.stderr.decode().splitlines()
    assert last == "newsclean: cannot write to stdout: No space left on device"
    assert all(": not_a_dump: " in line for line in rejections)  # said before the failure


def test_a_broken_pipe_ends_quietly():
    command = (
        f"{sys.executable} -m newsclean parse {ROOT / 'tests' / 'corpus_sample' / 'dump'} | head -1"
    )
    result = subprocess.run(["bash", "-o", "pipefail", "-c", command], capture_output=True)
    assert len(result.stdout.splitlines()) == 1
    assert result.stderr == b""


def test_a_file_deleted_between_listing_and_reading_is_not_found(tmp_path):
    gone = tmp_path / "gone.txt"
    listing = tmp_path / "list.txt"
    listing.write_text(f"{GOLDEN / 'clean.txt'}\n{gone}\n")
    result = newsclean("parse", "-q", "--files-from", str(listing))
    assert result.returncode == 1
    assert result.stderr.decode() == f"newsclean: {gone}: not_found: no such file\n"
    assert len(records(result.stdout)) == 1


@pytest.mark.skipif(
    os.geteuid() == 0, reason="root reads every file: permission_denied cannot happen"
)
def test_an_unreadable_file_is_permission_denied(tmp_path):
    locked = tmp_path / "locked.txt"
    locked.write_bytes(CLEAN)
    locked.chmod(0)
    result = newsclean("parse", "-q", str(locked))
    assert result.returncode == 1
    assert ": permission_denied: " in result.stderr.decode()


def test_folders_and_sockets_in_lists_are_not_files(tmp_path):
    import socket

    listening = socket.socket(socket.AF_UNIX)
    listening.bind(str(tmp_path / "sock"))
    listing = tmp_path / "list.txt"
    listing.write_text(f"{GOLDEN}\n{tmp_path / 'sock'}\n")
    result = newsclean("parse", "-q", "--files-from", str(listing))
    listening.close()
    assert result.returncode == 1
    lines = result.stderr.decode().splitlines()
    assert len(lines) == 2 and all(": not_a_file: " in line for line in lines), lines


def test_compressed_inputs_are_known_by_their_magic_bytes(tmp_path):
    data = (GOLDEN / "concat.txt").read_bytes()
    plain = records(newsclean("parse", "-q", str(GOLDEN / "concat.txt")).stdout)
    for name, packed in (
        ("a.gz", gzip.compress(data)),
        ("b.bz", bz2.compress(data)),
        ("c.dat", lzma.compress(data)),
    ):
        (tmp_path / name).write_bytes(packed)
        got = records(newsclean("parse", "-q", str(tmp_path / name)).stdout)
        assert [{**r, "source": None} for r in got] == [{**r, "source": None} for r in plain]
        stdin = records(newsclean("parse", "-q", "-", input=packed).stdout)
        assert [r["headline"] for r in stdin] == [r["headline"] for r in plain]


@pytest.mark.slow
def test_a_gzip_bomb_is_too_large_not_a_crash(tmp_path):
    bomb = tmp_path / "bomb.txt.gz"
    bomb.write_bytes(gzip.compress(CLEAN + b"\0" * (200 * 1024 * 1024), compresslevel=9))
    assert bomb.stat().st_size < 1024 * 1024
    result = newsclean("parse", "-q", "--max-bytes", "8M", str(bomb), str(GOLDEN / "clean.txt"))
    assert result.returncode == 1
    assert (
        result.stderr.decode()
        == f"newsclean: {bomb}: too_large: decompresses to more than 8388608 bytes\n"
    )
    assert len(records(result.stdout)) == 1


def test_a_damaged_gzip_is_a_decompress_error(tmp_path):
    broken = tmp_path / "broken.gz"
    broken.write_bytes(gzip.compress(CLEAN)[:40])
    result = newsclean("parse", "-q", str(broken))
    assert result.returncode == 1
    assert ": decompress_error: " in result.stderr.decode()


def test_control_characters_in_paths_never_reach_the_terminal(tmp_path):
    sneaky = tmp_path / "evil\x1b[31m\x07.txt"
    sneaky.write_bytes(b"")
    result = newsclean("parse", "-q", str(sneaky))
    assert b"\x1b" not in result.stderr and b"\x07" not in result.stderr
    assert "evil\\x1b[31m\\x07.txt: empty:" in result.stderr.decode()


@pytest.mark.slow
def test_a_long_files_from_list_with_nul_separators(tmp_path):
    listing = tmp_path / "list.bin"
    listing.write_bytes((str(GOLDEN / "payload_null.txt") + "\0").encode() * 100_000)
    status, stdout, peak = peak_rss_mib(["parse", "-q", "--files-from", "-", "-0"], listing)
    assert status == 0
    assert stdout.count(b"\n") == 100_000
    assert peak < 150


def test_records_follow_input_order_whatever_the_jobs(mixed, tmp_path):
    plain = tmp_path / "plain"  # inputs without warnings, in a row: workers send them merged
    plain.mkdir()
    for index in range(5):
        (plain / f"{index}.txt").write_bytes(CLEAN)
    inputs = [str(mixed), str(GOLDEN), str(plain)]
    one = newsclean("parse", "-j", "1", *inputs)
    four = newsclean("parse", "-j", "4", *inputs)
    assert one.stdout == four.stdout
    assert one.returncode == four.returncode == 1
    # The same error lines and the same counts in the summary, whatever the time it gives.
    assert _without_time(one.stderr) == _without_time(four.stderr)
    golden = [path for path in GOLDEN.rglob("*") if path.is_file() and path.name[0] != "."]
    in_mixed = 7  # six files and sub/concat.txt: the hidden file and the linked folder are skipped
    assert f"newsclean: {in_mixed + len(golden) + 5} inputs, ".encode() in four.stderr


def _without_time(stderr: bytes) -> bytes:
    return re.sub(rb" in [0-9.]+ s$", b"", stderr, flags=re.MULTILINE)


def test_stdin_is_a_stream_of_dumps(tmp_path):
    stream = b"".join(
        (GOLDEN / name).read_bytes() for name in ("clean.txt", "concat.txt", "latin1.txt")
    )
    result = newsclean("parse", "-q", "-", input=stream)
    got = records(result.stdout)
    assert [r["source"]["index"] for r in got] == list(range(5))
    assert all(r["source"]["path"] == "-" for r in got)
    assert got[-1]["warnings"] == ["not_utf8"]


def _read_line(process: subprocess.Popen, seconds: float) -> bytes:
    ready, _, _ = select.select([process.stdout], [], [], seconds)
    assert ready, "no record came out while the input was still open"
    return process.stdout.readline()


def test_records_come_out_while_a_slow_stream_is_still_arriving():
    process = subprocess.Popen(
        [sys.executable, "-m", "newsclean", "parse", "-q", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        for index in range(3):
            for piece in (CLEAN[:100], CLEAN[100:] + b"\n"):
                process.stdin.write(piece)
                process.stdin.flush()
            # The dump's record comes out while stdin stays open: no end of input to wait for.
            assert orjson.loads(_read_line(process, 20))["source"]["index"] == index
        process.stdin.close()
        assert process.wait(20) == 0
        assert process.stderr.read() == b""
    finally:
        process.kill()


def _signals_as_at_a_terminal() -> None:
    """SIGINT as a shell at a terminal leaves it: a test runner started in the background
    (`nohup`, `&`) has SIGINT ignored, and a child would inherit that."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def children_of(pid: int) -> list[int]:
    """The child processes of `pid` (Linux: /proc)."""
    tasks = f"/proc/{pid}/task"
    found = []
    for task in os.listdir(tasks) if os.path.isdir(tasks) else []:
        with open(f"{tasks}/{task}/children") as children:
            found += [int(child) for child in children.read().split()]
    return found


def alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie waiting for its parent counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.parametrize("group", [False, True], ids=["to the run", "to its process group"])
@pytest.mark.parametrize(("sent", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_mid_run_leaves_no_partial_output_and_no_worker(tmp_path, sent, status, group):
    out = tmp_path / "out.jsonl"
    out.write_bytes(b"the previous run\n")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "newsclean",
            "parse",
            "-j",
            "2",
            "--files-from",
            "-",
            "-o",
            str(out),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        preexec_fn=_signals_as_at_a_terminal,
    )
    # More than a batch of files: the workers start, then wait with the run for more of the list.
    process.stdin.write((str(GOLDEN / "clean.txt") + "\n").encode() * 300)
    process.stdin.flush()
    wait_for(lambda: len(children_of(process.pid)) == 2, "the workers")
    workers = children_of(process.pid)
    if group:
        os.killpg(process.pid, sent)
    else:
        process.send_signal(sent)
    process.wait(20)
    process.stdin.close()
    stderr = process.stderr.read().decode()
    assert process.returncode == status, stderr
    assert "Traceback" not in stderr
    assert stderr.splitlines() == [f"newsclean: {'interrupted' if status == 130 else 'terminated'}"]
    assert out.read_bytes() == b"the previous run\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl"]
    assert not [worker for worker in workers if alive(worker)]


def test_workers_die_with_their_parent_killed(tmp_path):
    """SIGKILL gives the parent no chance to stop its workers: they notice and die with it."""
    process = subprocess.Popen(
        [sys.executable, "-m", "newsclean", "parse", "-j", "2", "--files-from", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    process.stdin.write((str(GOLDEN / "clean.txt") + "\n").encode() * 300)
    process.stdin.flush()
    wait_for(lambda: len(children_of(process.pid)) == 2, "the workers")
    workers = children_of(process.pid)
    process.kill()
    process.wait(20)
    process.stdin.close()
    wait_for(lambda: not [worker for worker in workers if alive(worker)], "the workers' end", 5)


@pytest.mark.slow
def test_flat_memory_on_a_long_stream(tmp_path):
    stream = tmp_path / "stream.txt"
    stream.write_bytes(CLEAN * 40_000)  # 28 MB of dumps glued together
    status, stdout, peak = peak_rss_mib(["parse", "-q", "-"], stream)
    assert status == 0
    assert stdout.count(b"\n") == 40_000
    assert stdout.count(b'"warnings":[]}') == 40_000  # every dump found whole, across every read
    assert peak < 150


def test_binary_on_stdin_is_rejected_at_once(tmp_path):
    bomb = tmp_path / "bomb.gz"
    bomb.write_bytes(gzip.compress(b"\0\1\2\3" * (25 * 1024 * 1024)))
    status, stdout, peak = peak_rss_mib(["parse", "-"], bomb)
    assert (status, stdout) == (1, b"")
    assert peak < 150


@pytest.mark.slow
def test_a_zero_filled_stream_is_read_in_bounded_memory(tmp_path):
    """NUL runs are the gaps a crash leaves, not binary data: read through, they pile up nowhere."""
    zeros = tmp_path / "zeros.gz"
    zeros.write_bytes(gzip.compress(b"\0" * (100 * 1024 * 1024) + CLEAN))
    status, stdout, peak = peak_rss_mib(["parse", "-q", "-"], zeros)
    assert status == 0
    assert [record["headline"] for record in records(stdout)] == ["Ivanovic seals Canberra victory"]
    assert peak < 150


def test_fifos_and_broken_links_in_a_folder_are_not_files(tmp_path):
    (tmp_path / "clean.txt").write_bytes(CLEAN)
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "broken").symlink_to(tmp_path / "nowhere")
    result = newsclean("parse", "-q", str(tmp_path), timeout=20)  # a FIFO must not hang the run
    assert result.returncode == 1
    assert len(records(result.stdout)) == 1
    assert result.stderr.decode().splitlines() == [
        f"newsclean: {tmp_path}/broken: not_a_file: a broken link in a folder",
        f"newsclean: {tmp_path}/pipe: not_a_file: a FIFO, socket or device in a folder",
    ]


def test_process_substitution_is_read():
    command = f"{sys.executable} -m newsclean parse -q <(cat {GOLDEN / 'concat.txt'})"
    result = subprocess.run(["bash", "-c", command], capture_output=True, timeout=20)
    assert result.returncode == 0
    assert len(records(result.stdout)) == 3


DAY_ONLY = b'H\n\nH\n2016-10-25\n\nBody.\n\nstring(2) "[]"\n'


@pytest.mark.parametrize(
    ("dump", "published", "utc", "precision"),
    [
        (CLEAN, "2005-07-01T19:16:38", "2005-07-01T18:16:38Z", "second"),  # summer time
        ((GOLDEN / "dateline_iso.txt").read_bytes(), "2016-10-25T21:36:02",
         "2016-10-25T20:36:02Z", "second"),
        # the dateline's own zone wins
        ((GOLDEN / "dateline_with_zone.txt").read_bytes(), "2016-10-25T21:36:02",
         "2016-10-25T19:36:02Z", "second"),
        (DAY_ONLY, "2016-10-25T00:00:00", "2016-10-24T23:00:00Z", "day"),  # v1 ignored --tz
    ],
    ids=["clean", "iso", "own-zone", "day"],
)  # fmt: skip
def test_tz_gives_published_utc_on_every_dateline(dump, published, utc, precision):
    result = newsclean(
        "parse", "-q", "--tz", "Europe/London", "-", input=dump, env={"TZ": "Asia/Tokyo"}
    )
    [record] = records(result.stdout)
    assert (record["published"], record["published_utc"], record["published_precision"]) == (
        published,
        utc,
        precision,
    )
    without = records(newsclean("parse", "-q", "-", input=dump, env={"TZ": "Asia/Tokyo"}).stdout)
    assert without[0]["published"] == published  # the local time, whatever the zone


@pytest.mark.parametrize(
    "args", [["show", str(GOLDEN / "clean.txt")], ["check", str(GOLDEN / "clean.txt")], ["schema"]]
)
def test_every_command_reports_a_full_disk_in_one_line(args):
    with open("/dev/full", "wb") as full:
        result = subprocess.run(
            [sys.executable, "-m", "newsclean", *args], stdout=full, stderr=subprocess.PIPE
        )
    assert result.returncode == 74
    *rejections, last = result.stderr.decode().splitlines()
    assert last == "newsclean: cannot write to stdout: No space left on device"
    assert all(": not_a_dump: " in line for line in rejections)  # said before the failure


def test_a_closed_stdout_fails_in_one_line_unless_records_go_to_a_file(tmp_path):
    clean = str(GOLDEN / "clean.txt")
    closed = subprocess.run(
        ["bash", "-c", f"{sys.executable} -m newsclean parse -q {clean} >&-"], capture_output=True
    )
    assert closed.returncode == 74
    assert closed.stderr.decode() == "newsclean: cannot write to stdout: it is closed\n"
    out = tmp_path / "out.jsonl"
    to_file = subprocess.run(
        ["bash", "-c", f"{sys.executable} -m newsclean parse -q {clean} -o {out} >&-"],
        capture_output=True,
    )
    assert (to_file.returncode, to_file.stderr) == (0, b"")
    assert len(records(out.read_bytes())) == 1


def test_devices_pipes_and_links_named_by_o_are_written_never_replaced(tmp_path):
    import stat

    clean = str(GOLDEN / "clean.txt")
    result = newsclean(
        "parse", "-q", clean, str(GOLDEN / "empty.txt"), "-o", os.devnull, "--errors", "/dev/stdout"
    )
    assert result.returncode == 1
    assert orjson.loads(result.stdout)["code"] == "empty"
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)
    assert os.path.islink("/dev/stdout")
    target, link = tmp_path / "real.jsonl", tmp_path / "link.jsonl"
    link.symlink_to(target)
    assert newsclean("parse", "-q", clean, "-o", str(link)).returncode == 0
    assert link.is_symlink() and len(records(target.read_bytes())) == 1
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)
    assert newsclean("parse", "-q", clean, "-o", str(fifo)).returncode == 0
    assert len(records(reader.communicate(timeout=20)[0])) == 1
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_a_link_loop_in_a_folder_is_a_read_error_and_the_rest_is_read(tmp_path):
    (tmp_path / "clean.txt").write_bytes(CLEAN)
    (tmp_path / "loop").symlink_to("loop")
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    result = newsclean("parse", "-q", str(tmp_path))
    assert result.returncode == 1
    assert len(records(result.stdout)) == 1
    lines = result.stderr.decode().splitlines()
    assert len(lines) == 3 and all("read_error" in line for line in lines), lines


def test_stdin_gets_the_verdict_a_file_gets_on_its_first_bytes(tmp_path):
    """Dumps, then binary data within the first 8 KiB: no records, as from a file."""
    data = CLEAN + bytes(range(32)) * 20
    path = tmp_path / "mixed.txt"
    path.write_bytes(data)
    as_file = newsclean("parse", str(path))
    as_stream = newsclean("parse", "-", input=data)
    assert (as_file.returncode, as_file.stdout) == (1, b"")
    assert (as_stream.returncode, as_stream.stdout) == (1, b"")
    assert b"not_text" in as_file.stderr and b"not_text" in as_stream.stderr


@pytest.mark.parametrize("sent", ["SIGINT", "SIGTERM"])
def test_a_signal_once_the_run_is_done_changes_nothing(tmp_path, sent):
    """The outputs are in place when the signal comes: the run's own status, no traceback."""
    out = tmp_path / "out.jsonl"
    result = newsclean(
        "parse", "-q", str(GOLDEN / "clean.txt"), "-o", str(out),
        env={"NEWSCLEAN_CRASH_AT": f"done@{sent}"}, preexec_fn=_signals_as_at_a_terminal,
    )  # fmt: skip
    assert (result.returncode, result.stderr) == (0, b"")
    assert len(records(out.read_bytes())) == 1


def test_text_that_is_no_dump_is_not_a_dump_on_stdin_as_in_a_file(tmp_path):
    text = b"Just some notes.\n\nNothing like a dump in here.\n"
    (tmp_path / "notes.txt").write_bytes(text)
    for result in (
        newsclean("parse", str(tmp_path / "notes.txt")),
        newsclean("parse", "-", input=text),
    ):
        assert (result.returncode, result.stdout) == (1, b"")
        assert b": not_a_dump: " in result.stderr
    glued = text + CLEAN  # junk first, then a dump: everything comes out, as from a file
    assert len(records(newsclean("parse", "-q", "-", input=glued).stdout)) == 2


@pytest.mark.slow
def test_memory_follows_bytes_in_flight_not_records_or_files(tmp_path):
    """50,000 tiny dumps in one file, and eight links to one 12 MB dump: memory stays bounded
    (1.1.0 held every record of a file, and a batch of files, whole: 230 and 600 MB)."""
    tiny = tmp_path / "tiny.txt"
    tiny.write_bytes(b"H\n\nH\nTue Oct 25, 2016 21:36:02\n\nB.\n\n\nNULL\n" * 50_000)
    status, _, peak = peak_rss_mib(["parse", "-q", str(tiny), "-o", os.devnull], os.devnull)
    assert status == 0 and peak < 120, peak
    big = tmp_path / "big.txt"
    big.write_bytes(CLEAN.replace(b"\n\n\n", b"\n\n" + b"Para " * 2_400_000 + b"\n\n\n", 1))
    links = tmp_path / "links"
    links.mkdir()
    for index in range(8):
        (links / f"{index}.txt").symlink_to(big)
    status, _, peak = peak_rss_mib(["parse", "-q", str(links), "-o", os.devnull], os.devnull)
    assert status == 0 and peak < 300, peak


def _large_dump(related_items: int, paragraphs: int) -> bytes:
    items = b",".join(
        b'{"id":"%d","sort":"%d","contenttypeid":"21","pic":"/p/%d.jpg","title":"Title %d"}'
        % (n, n, n, n)
        for n in range(related_items)
    )
    body = b"\n\n".join(b"Paragraph %d of a long body." % n for n in range(paragraphs))
    payload = b"[" + items + b"]"
    header = b"H\n\nH\nTue Oct 25, 2016 21:36:02\n\n"
    return header + body + b'\n\nstring(%d) "%s"\n' % (len(payload), payload)


@pytest.mark.slow
@pytest.mark.parametrize(("related_items", "paragraphs"), [(200_000, 1), (1, 500_000)])
def test_memory_of_one_large_dump_is_a_few_times_its_size(tmp_path, related_items, paragraphs):
    """A 16 MB dump of related items or of paragraphs: at most 4.5 times its size beyond a tiny
    run's peak (1.4.0: 12 and 9 times; the README gives the bound)."""
    tiny, large = tmp_path / "tiny.txt", tmp_path / "large.txt"
    tiny.write_bytes(CLEAN)
    large.write_bytes(_large_dump(related_items, paragraphs))
    size_mib = large.stat().st_size / 2**20
    _, _, base = peak_rss_mib(["parse", "-q", str(tiny), "-o", os.devnull], os.devnull)
    status, _, peak = peak_rss_mib(["parse", "-q", str(large), "-o", os.devnull], os.devnull)
    assert status == 0 and size_mib > 14
    assert peak - base < 4.5 * size_mib, (peak, base, size_mib)


@pytest.mark.parametrize(
    "args",
    [["--tz", "Evil/\x1b[31mZone", "x"], ["-o", "/no/\x1b]0;pwned\x07/out.jsonl", "x"],
     ["--files-from", "/no/\x1b[2J"], ["x", "--state", "/no/such/\x1b[5m/state.db"]],
    ids=["--tz", "-o", "--files-from", "--state"],
)  # fmt: skip
def test_usage_errors_never_echo_escape_sequences(args):
    result = invoke("parse", *args)
    assert result.exit_code == 2
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert "\\x1b" in result.stderr


@pytest.mark.parametrize("name", ["clean.txt", "array_payload.txt", "concat.txt"])
def test_a_live_stdin_releases_a_dump_without_a_final_newline_while_the_pipe_is_open(name):
    """Most dumps end without a newline: once the producer pauses, the record comes out, not
    when the next dump's bytes (or the end of the stream) arrive."""
    data = (GOLDEN / name).read_bytes().rstrip(b"\n")
    expected = newsclean("parse", "-q", "-", input=data).stdout
    run = subprocess.Popen(
        [sys.executable, "-m", "newsclean", "parse", "-q", "-"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        run.stdin.write(data)
        run.stdin.flush()  # and the pipe stays open
        got = b""

        def every_record_out() -> bool:
            nonlocal got
            while select.select([run.stdout], [], [], 0)[0]:
                chunk = os.read(run.stdout.fileno(), 65536)
                if not chunk:
                    return True
                got += chunk
            return got.count(b"\n") >= expected.count(b"\n")

        wait_for(every_record_out, "the records while stdin is open")
        assert run.poll() is None  # still reading: the records came out before the end
        assert got == expected
    finally:
        run.kill()
        run.wait()


# A bad value for every option that takes one, of every command. Those that name a file or a
# folder are checked when the run opens them, and say so in the same one line.
BAD_VALUES = {
    "--jobs": "0",
    "--tz": "No/Where",
    "--max-bytes": "5x",
    "--glob": "[",
    "--exclude": "",
    "--shard": "3/2",
    "--min-age": "soon",
    "--log-every": "-1",
    "--log-format": "xml",
    "--index": "z",
    "--shards": "0",
    "--engine": "foo",
    "--max-error-rate": "2",
    "--tries": "0",
    "--format": "xml",
    "--storage-option": "anon",
    "--worker-wait": "-1",
    "--color": "purple",
    "--config": "/nonexistent/newsclean.toml",
    "--output": "/nonexistent/out.jsonl",
    "--errors": "/nonexistent/errors.jsonl",
    "--files-from": "/nonexistent/list",
    "--summary-json": "/nonexistent/run.json",
    "--state": "/nonexistent/state.db",
    "--scheduler": "tcp://nowhere:8786",  # with the local engine: a usage error
}
NAMES_ANYTHING = {"--out"}  # a batch's OUT: a folder or URL it creates


def _value_options():
    """(the command's words, the option) for every option that takes a value, the root's too."""
    import typer.main

    from newsclean.cli.app import COMMANDS, app, command_named

    def options_of(command, words):
        for param in command.params:
            if param.param_type_name == "option" and not (param.is_flag or param.count):
                yield words, max(param.opts, key=len), tuple(param.opts)

    def walk(command, words):
        if hasattr(command, "list_commands"):  # a group (of typer's own copy of click)
            context = command.context_class(command)
            for name in command.list_commands(context):
                yield from walk(command.get_command(context, name), [*words, name])
        else:
            yield from options_of(command, words)

    yield from options_of(typer.main.get_command(app), [])
    for name in COMMANDS:
        yield from walk(command_named(name), [name])


VALUE_OPTIONS = list(_value_options())
# What each command needs beside the bad value to get as far as reading it.
NEEDS = {
    "parse": [str(GOLDEN / "clean.txt")], "check": [str(GOLDEN / "clean.txt")],
    "show": [str(GOLDEN / "clean.txt")], "batch run": [str(GOLDEN / "clean.txt")],
    "batch status": ["/nonexistent/out"], "batch parts": ["/nonexistent/out"], "": ["parse"],
}  # fmt: skip


def test_every_option_that_takes_a_value_has_a_bad_one_tried():
    untried = {option for _, option, _ in VALUE_OPTIONS} - set(BAD_VALUES) - NAMES_ANYTHING
    assert not untried


TRIED = [each for each in VALUE_OPTIONS if each[1] in BAD_VALUES]


@pytest.mark.parametrize(
    ("words", "option", "names"), TRIED, ids=[" ".join([*w, o]) for w, o, _ in TRIED]
)
def test_a_bad_value_is_one_line_that_names_its_option(words, option, names, tmp_path):
    """Cron mail, logs and terminals alike get one line naming the option, exit 2."""
    command = " ".join(words)
    args = [*words, option, BAD_VALUES[option], *NEEDS[command]]
    if command == "batch run":
        args += [] if option == "--shards" else ["--shards", "1"]
        args += [] if option == "--out" else ["-o", str(tmp_path / "out")]
    result = newsclean(*args)
    lines = result.stderr.decode().splitlines()
    assert result.returncode == 2, lines
    assert len(lines) == 1, lines
    # by either of its names: a run's own check of a file may say `-o`
    assert any(lines[0].startswith(f"newsclean: {name} ") for name in names) or any(
        lines[0].startswith(f"newsclean: {name}: ") for name in names
    ), lines


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["parse", "--bogus"], "newsclean: No such option: --bogus"),
        (["batch", "run", "src", "-o", "out"], "newsclean: Missing option '--shards'."),
    ],
)
def test_a_usage_error_is_one_plain_line(args, says):
    result = newsclean(*args)
    assert result.returncode == 2
    lines = result.stderr.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith(says) and lines[0].endswith(" -h)"), lines


def test_counts_of_one_are_singular_and_v_shows_the_version():
    one = newsclean("parse", str(GOLDEN / "clean.txt"))
    assert (
        "newsclean: 1 input, 1 record (0 with warnings), 0 inputs rejected" in one.stderr.decode()
    )
    checked = newsclean("check", str(GOLDEN / "clean.txt"))
    assert checked.stdout.decode().startswith("1 input, 1 record, 0 with warnings")
    version = newsclean("-V")
    assert version.returncode == 0 and version.stdout.decode().startswith("newsclean ")
