"""A file's fingerprint: what `--state` keeps of an input to know it again."""

from __future__ import annotations

import hashlib
import os
from typing import NamedTuple


class Fingerprint(NamedTuple):
    """An input's size and mtime as the file system told them, and the sha256 of its bytes (None
    where the state has not hashed it)."""

    size: int
    mtime_ns: int
    sha256: str | None

    @classmethod
    def of(cls, status: os.stat_result, data: bytes) -> Fingerprint:
        return cls(status.st_size, status.st_mtime_ns, hashlib.sha256(data).hexdigest())

    def same_file(self, status: os.stat_result) -> bool:
        """Whether `status` has this size and mtime: the file is taken as unchanged, unread."""
        return (status.st_size, status.st_mtime_ns) == (self.size, self.mtime_ns)
