"""`--glob` and `--exclude`: which files a folder's walk takes.

A pattern is matched against the path below the folder given (`2016/10/a.txt` under `dump/`):
`*` and `?` stay within one folder's name, `**` as a whole segment crosses folders (`**/` also
matches no folder at all; elsewhere, as in `a**`, it is `*`), `[abc]`, `[a-z]` and `[!abc]` are
character classes (POSIX classes such as `[:alpha:]` are refused). A pattern without a `/`
matches a file's name at any depth, as ripgrep's `-g` and rsync's patterns do: `*.txt`, `.tmp`.
Matching takes time linear in the path's length for every pattern.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from ..exits import UsageError

GLOBSTAR = "**"


def _segment_regex(segment: str) -> str:
    """The regular expression of one folder's or file's name pattern, matched in linear time:
    each `*` before a fixed-width chunk becomes an atomic, lazy group `(?>.*?chunk)` (as the
    standard library's fnmatch does), so no pattern backtracks exponentially
    (`*a*a*a*a*a*a*b` on a name of forty `a`s). UsageError when it is malformed."""
    chunks: list[list[str]] = [[]]  # the fixed-width pieces between runs of `*`
    at = 0
    while at < len(segment):
        char = segment[at]
        if char == "*":
            chunks.append([])
            while at < len(segment) and segment[at] == "*":
                at += 1
            continue
        if char == "[":
            piece, at = _class(segment, at)
        else:
            piece, at = ("." if char == "?" else re.escape(char)), at + 1
        chunks[-1].append(piece)
    head, *rest = ("".join(chunk) for chunk in chunks)
    if not rest:
        return head
    *middle, last = rest
    return head + "".join(f"(?>.*?{chunk})" for chunk in middle) + ".*" + last


def _class(segment: str, at: int) -> tuple[str, int]:
    """The character class starting at `segment[at]` (`[abc]`, `[!a-z]`, `[]x]`), and where the
    pattern goes on after it."""
    start = at + 2 if segment[at + 1 : at + 2] in ("!", "]") else at + 1
    if segment[at + 1 : at + 3] == "!]":
        start = at + 3
    end = segment.find("]", start)
    if end < 0:
        raise UsageError(f"{segment!r}: a [ without its ]")
    members = segment[at + 1 : end]
    if "[:" in members:
        raise UsageError(
            f"{segment!r}: POSIX classes such as [:alpha:] are not supported: name the"
            " characters ([a-zA-Z])"
        )
    negated = members.startswith("!")
    members = members[1:] if negated else members
    escaped = "".join(char if char == "-" else re.escape(char) for char in members)
    return ("[^" if negated else "[") + escaped + "]", end + 1


class _Pattern(NamedTuple):
    """A compiled pattern: one regular expression per segment (`GLOBSTAR` for a whole `**`)."""

    segments: tuple[re.Pattern[str] | str, ...]
    whole_path: bool  # it names folders (it holds a `/`): matched against the whole path

    def matches(self, relative: str, name: str) -> bool:
        if not self.whole_path:
            return self.segments[0].fullmatch(name) is not None  # type: ignore[union-attr]
        return _segments_match(self.segments, relative.split("/"))


def _segments_match(segments: tuple[re.Pattern[str] | str, ...], parts: list[str]) -> bool:
    """Whether `parts` (a path's folders and name) match `segments`: a `**` takes any number
    of folders (at least one name when it ends the pattern, as in `tmp/**`). The set of
    positions reached makes this linear in the pattern times the path, whatever the pattern."""
    reached = {0}
    for index, segment in enumerate(segments):
        if segment == GLOBSTAR:
            last = index == len(segments) - 1
            reached = set(range(min(reached) + last, len(parts) + 1))
        else:
            reached = {
                at + 1
                for at in reached
                if at < len(parts) and segment.fullmatch(parts[at])  # type: ignore[union-attr]
            }
        if not reached:
            return False
    return len(parts) in reached


@dataclass(frozen=True, slots=True)
class FileFilter:
    """Files a walk takes: those matching any `globs` (all, when none are given) and no
    `excludes`."""

    globs: tuple[_Pattern, ...] = ()
    excludes: tuple[_Pattern, ...] = ()

    @classmethod
    def of(cls, globs: Sequence[str] = (), excludes: Sequence[str] = ()) -> FileFilter | None:
        """The filter of the patterns given, or None when there are none."""
        if not globs and not excludes:
            return None
        return cls(tuple(map(_compiled, globs)), tuple(map(_compiled, excludes)))

    def takes(self, relative: str) -> bool:
        """Whether the file at `relative` (below the folder walked, `/`-separated) is taken."""
        name = relative.rsplit("/", 1)[-1]
        if self.globs and not any(glob.matches(relative, name) for glob in self.globs):
            return False
        return not any(exclude.matches(relative, name) for exclude in self.excludes)


def _compiled(pattern: str) -> _Pattern:
    if not pattern:
        raise UsageError("an empty pattern")
    segments: list[re.Pattern[str] | str] = []
    whole_path = "/" in pattern
    for segment in pattern.removeprefix("/").split("/"):
        if segment == GLOBSTAR and whole_path:
            if segments[-1:] != [GLOBSTAR]:  # `**/**` is one `**`
                segments.append(GLOBSTAR)
            continue
        try:
            segments.append(re.compile(_segment_regex(segment), re.DOTALL))
        except re.error as error:
            raise UsageError(f"{pattern!r}: not a glob pattern ({error})") from None
    return _Pattern(tuple(segments), whole_path)
