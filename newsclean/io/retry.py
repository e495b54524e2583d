"""Retrying storage calls: a network blip, a timeout, throttling or expiring credentials is never
a verdict on a file. A call that fails is tried again with a doubling delay; when every try has
failed, `Unavailable` ends the work it was part of, uncommitted, for an engine or `--resume` to
run again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from ..exits import ExitStatus, NewscleanError

T = TypeVar("T")

# Answers, not failures: the store was reached and said so. Trying again cannot change them.
ANSWERS = (FileNotFoundError, FileExistsError, IsADirectoryError, NotADirectoryError)


class Unavailable(NewscleanError):
    """A store or an input could not be reached after every try (or is misconfigured)."""

    status = ExitStatus.UNAVAILABLE


@dataclass(frozen=True, slots=True)
class Retry:
    """How often a failed storage call is tried, and the delay before the second try (doubled
    before each one after)."""

    tries: int = 5
    delay: float = 1.0


DEFAULT_RETRY = Retry()


def retried(call: Callable[[], T], what: str, policy: Retry) -> T:
    """`call()`, tried up to `policy.tries` times; Unavailable when every try failed.

    Every exception but an answer (`ANSWERS`) and our own (a missing package, an interrupt) is
    taken for a failure of the store: storage libraries raise their own types (botocore's EndpointConnectionError, aiohttp's
    errors, ...), not only OSError, and a misconfigured store (an unknown storage option) fails
    in a TypeError. This is no catch-all around our own code: `call` is one storage call.
    """
    failures = 0
    while True:
        try:
            return call()
        except (*ANSWERS, NewscleanError):  # ours are verdicts too: a missing package, a signal
            raise
        except Exception as error:
            failures += 1
            if failures >= policy.tries:
                raise Unavailable(f"{what}: {describe(error)} (tried {failures} times)") from error
        time.sleep(policy.delay * 2 ** (failures - 1))


def describe(error: BaseException) -> str:
    """An error as one line: its type, and its message when it has one."""
    message = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {message}" if message else type(error).__name__
