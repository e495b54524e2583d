"""`newsclean state show` and `state prune`: what a state file knows, and forgetting the gone."""

from __future__ import annotations

from ..exits import ExitStatus
from ..io.environment import Environment
from ..io.sinks import Present, deliver
from ..io.state import State


def run_state_show(
    path: str, env: Environment | None = None, present: Present | None = None
) -> ExitStatus:
    """The state's inputs by outcome and its runs, as JSON on stdout unless `present` draws them."""
    env = env or Environment()
    with State.snapshot(path) as state:
        summary = state.summary()
    deliver(summary, env.stdout, present)
    return ExitStatus.OK


def run_state_prune(path: str) -> int:
    """Forget the inputs that no longer exist; how many were forgotten."""
    with State.open(path, create=False) as state:
        return state.prune()
