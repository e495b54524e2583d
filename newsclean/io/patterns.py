"""`--glob` and `--exclude`: which files a folder's walk takes.

A pattern is matched against the path below the folder given (`2016/10/a.txt` under `dump/`):
`*` and `?` stay within one folder's name, `**` crosses folders (`**/` also matches no folder at
all), `[abc]` and `[!abc]` are character classes. A pattern without a `/` matches a file's name
at any depth, as ripgrep's `-g` and rsync's patterns do: `*.txt`, `.tmp`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from ..exits import UsageError


def _translate(pattern: str) -> str:
    """The regular expression of a glob pattern; UsageError when it is malformed."""
    out, at = [], 0
    while at < len(pattern):
        char = pattern[at]
        if pattern.startswith("**/", at):
            out.append("(?:.*/)?")
            at += 3
        elif pattern.startswith("**", at):
            out.append(".*")
            at += 2
        elif char == "*":
            out.append("[^/]*")
            at += 1
        elif char == "?":
            out.append("[^/]")
            at += 1
        elif char == "[":
            end = pattern.find("]", at + 2 if pattern[at + 1 : at + 2] in ("!", "]") else at + 1)
            if end < 0:
                raise UsageError(f"{pattern!r}: a [ without its ]")
            members = pattern[at + 1 : end]
            negated = members.startswith("!")
            members = members[1:] if negated else members
            out.append(("[^" if negated else "[") + members.replace("\\", "\\\\") + "]")
            at = end + 1
        else:
            out.append(re.escape(char))
            at += 1
    return "".join(out)


class _Pattern(NamedTuple):
    regex: re.Pattern[str]
    whole_path: bool  # it names folders (it holds a `/`): matched against the whole path

    def matches(self, relative: str, name: str) -> bool:
        return self.regex.fullmatch(relative if self.whole_path else name) is not None


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
    try:
        regex = re.compile(_translate(pattern.removeprefix("/")), re.DOTALL)
    except re.error as error:
        raise UsageError(f"{pattern!r}: not a glob pattern ({error})") from None
    return _Pattern(regex, "/" in pattern)
