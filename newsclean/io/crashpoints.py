"""Named crash points, for the test suite: a run whose environment names a step kills itself
there with SIGKILL, so that every step of a commit is tested for a kill on any machine, at any
speed, without timing.

    NEWSCLEAN_CRASH_AT=state-committing newsclean parse in/ --state s.db -o out.jsonl
    NEWSCLEAN_CRASH_AT=written:3 ...      after the third outcome is written
    NEWSCLEAN_CRASH_AT=done@SIGINT ...    another signal than SIGKILL, at the step `done`
    NEWSCLEAN_CRASH_AT=shard-file:2@group:SIGTERM   to the whole process group, as SLURM's
                                          scancel or systemd do (from a worker process too)

Nothing else reads the variable; unset, each point costs one dictionary look-up.
"""

from __future__ import annotations

import os
import signal

VARIABLE = "NEWSCLEAN_CRASH_AT"


def crash_point(step: str, count: int | None = None) -> None:
    """SIGKILL this process when the environment names `step` (or `step:count`); another signal
    when it names one after `@`; to the process group when that is `group:SIGNAL`."""
    wanted = os.environ.get(VARIABLE)
    if wanted is None:
        return
    where, _, signal_name = wanted.partition("@")
    if where not in (step, f"{step}:{count}"):
        return
    to_group = signal_name.startswith("group:")
    signal_name = signal_name.removeprefix("group:")
    number = signal.Signals[signal_name] if signal_name else signal.SIGKILL
    if to_group:
        os.killpg(os.getpgrp(), number)
    else:
        os.kill(os.getpid(), number)
