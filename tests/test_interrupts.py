"""Interrupts to runs with worker processes: every run ends, with its status, and leaves nothing
half-written, wherever in its output the interrupt lands.

A worker killed while it wrote its result once left part of a message in the pool's result pipe,
and the run waited for the rest forever (about 1 run in 6, SIGINT, SIGTERM or a broken pipe).
The loops here signal runs at points drawn over their output; each must end within BOUND
seconds. A bound is no timing assumption about newsclean's speed: a run that ends does so in
well under a second here, and one that hangs never ends.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys

import pytest

from helpers import TESTS, newsclean, wait_for

SAMPLE = sorted((TESTS / "corpus_sample" / "dump").iterdir())
BOUND = 10
COMMAND = [sys.executable, "-m", "newsclean", "parse", "-q", "-j", "2"]


@pytest.fixture(scope="module")
def inbox(tmp_path_factory):
    """Enough dumps that each worker's results are larger than a pipe holds at once."""
    folder = tmp_path_factory.mktemp("interrupts") / "in"
    folder.mkdir()
    contents = [path.read_bytes() for path in SAMPLE]
    for index in range(4000):
        (folder / f"{index:05d}.txt").write_bytes(contents[index % len(contents)])
    return folder


def _temporary(out) -> list:
    return [path for path in out.iterdir() if path.name.endswith(".tmp")]


def _status_after(run: subprocess.Popen, stop) -> int:
    """Call `stop`, then the run's exit status, which must come within BOUND seconds and after
    no traceback."""
    try:
        stop()
        run.wait(timeout=BOUND)
        assert b"Traceback" not in run.stderr.read()
        return run.returncode
    finally:
        run.kill()
        run.wait()


def _signalled(inbox, out, number: int, after: int) -> int:
    """A run writing to `out`/clean.jsonl, sent `number` once its temporary file holds `after`
    bytes (or once it ended, if it ended first); its exit status."""
    run = subprocess.Popen(
        [*COMMAND, str(inbox), "-o", str(out / "clean.jsonl")], stderr=subprocess.PIPE
    )

    def stop() -> None:
        wait_for(
            lambda: (
                run.poll() is not None
                or sum(path.stat().st_size for path in _temporary(out) if path.exists()) >= after
            ),
            "the run's output",
        )
        run.send_signal(number)

    return _status_after(run, stop)


def _piped(inbox, after: int) -> int:
    """A run on stdout whose reader goes away after `after` bytes; its exit status."""
    run = subprocess.Popen([*COMMAND, str(inbox)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def stop() -> None:
        got = 0
        while got < after and (chunk := run.stdout.read1(65536)):
            got += len(chunk)
        run.stdout.close()

    return _status_after(run, stop)


@pytest.mark.slow
def test_interrupts_at_many_points_of_the_output_always_end_the_run(inbox, tmp_path):
    randomly = random.Random(28)
    for attempt in range(24):  # with the old pool, 1 run in 6 hung: 24 miss it 1 time in 80
        out = tmp_path / str(attempt)
        out.mkdir()
        after = randomly.randrange(16_000, 2_000_000)
        how = attempt % 3
        if how == 2:
            status = _piped(inbox, after)
            assert status in (0, 141), (attempt, after, status)
            continue
        number = (signal.SIGINT, signal.SIGTERM)[how]
        status = _signalled(inbox, out, number, after)
        assert status in (0, 128 + number), (attempt, after, status)
        assert not _temporary(out), attempt
        assert (out / "clean.jsonl").exists() == (status == 0)


def _begun(run, out, parts: int):
    """Evidence that a batch has begun and committed `parts` parts (or ended)."""

    def seen() -> bool:
        if run.poll() is not None:
            return True
        return (out / "_run.json").exists() and len(list((out / "data").glob("*"))) >= parts

    return seen


@pytest.mark.slow
def test_interrupts_to_a_local_batch_always_end_it_and_a_resume_completes(inbox, tmp_path):
    randomly = random.Random(24)
    for attempt in range(8):
        out = tmp_path / str(attempt)
        number = (signal.SIGINT, signal.SIGTERM)[attempt % 2]
        command = [sys.executable, "-m", "newsclean", "batch", str(inbox), "-o", str(out)]
        command += ["--shards", "8", "-j", "2"]
        run = subprocess.Popen(command, stderr=subprocess.PIPE)
        begun = _begun(run, out, parts=randomly.randrange(0, 6))

        def stop(begun=begun, run=run, number=number) -> None:
            wait_for(begun, "the batch's parts")
            run.send_signal(number)

        status = _status_after(run, stop)
        assert status in (0, 128 + number), (attempt, status)
    resumed = subprocess.run([*command, "--resume"], capture_output=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr


@pytest.mark.parametrize("command", [["parse", "-"], ["--version"]])
def test_an_interrupt_while_the_command_loads_is_one_line(command):
    result = newsclean(*command, input=b"", env={"NEWSCLEAN_CRASH_AT": "starting@SIGINT"})
    assert (result.returncode, result.stderr) == (130, b"newsclean: interrupted\n")
