"""Input names: standard input, URLs read through fsspec, and paths shown as JSON can hold them."""

from __future__ import annotations

from typing import Any

from ..exits import UsageError

STDIN = "-"


def shown_path(path: str) -> str:
    """A path as text that JSON can hold: undecodable bytes of a name become `\\xNN`."""
    if path.isascii():
        return path
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return path


def is_url(path: str) -> bool:
    """`s3://...`, `gs://...`, `memory://...`: read through fsspec."""
    if "://" not in path:  # most paths: no need to look closer
        return False
    scheme = path.partition("://")[0]
    return scheme.replace("+", "").isalnum()


def url_filesystem(url: str) -> tuple[Any, str]:
    """The fsspec filesystem of `url` (a local path too); UsageError when a package is missing."""
    try:
        import fsspec

        return fsspec.core.url_to_fs(url)
    except ImportError as error:
        raise UsageError(
            f"{url}: needs fsspec (pip install 'newsclean[batch]') ({error})"
        ) from None
