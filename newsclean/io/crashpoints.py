"""Named crash points, for the test suite: a run whose environment names a step kills itself
there with SIGKILL, so that every step of a commit is tested for a kill on any machine, at any
speed, without timing.

    NEWSCLEAN_CRASH_AT=state-committing newsclean parse in/ --state s.db -o out.jsonl
    NEWSCLEAN_CRASH_AT=written:3 ...      after the third outcome is written
    NEWSCLEAN_CRASH_AT=done@SIGINT ...    another signal than SIGKILL, at the step `done`

Nothing else reads the variable; unset, each point costs one dictionary look-up.
"""

from __future__ import annotations

import os
import signal

VARIABLE = "NEWSCLEAN_CRASH_AT"


def crash_point(step: str, count: int | None = None) -> None:
    """SIGKILL this process when the environment names `step` (or `step:count`); another signal
    when it names one after `@`."""
    wanted = os.environ.get(VARIABLE)
    if wanted is None:
        return
    where, _, name = wanted.partition("@")
    if where in (step, f"{step}:{count}"):
        os.kill(os.getpid(), signal.Signals[name] if name else signal.SIGKILL)
