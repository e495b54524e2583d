"""`newsclean state show` and `state prune`: what a state file knows, and forgetting the gone."""

from __future__ import annotations

from typing import Any

from ..io.state import State


def run_state_show(path: str) -> dict[str, Any]:
    """The state's inputs by outcome, and its runs."""
    with State.snapshot(path) as state:
        return state.summary()


def run_state_prune(path: str) -> int:
    """Forget the inputs that no longer exist; how many were forgotten."""
    with State.open(path, create=False) as state:
        return state.prune()
