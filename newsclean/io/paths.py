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


def url_filesystem(url: str, options: dict[str, Any] | None = None) -> tuple[Any, str]:
    """The fsspec filesystem of `url` (a local path too) and the path in it; `options` (the
    driver's: endpoint URL, profile, anonymous access...) apply to URLs only. UsageError when a
    scheme's driver is missing."""
    import fsspec  # a dependency, imported only by what reads URLs or runs batches

    try:
        return fsspec.core.url_to_fs(url, **((options or {}) if is_url(url) else {}))
    except ImportError as error:  # the driver of the URL's scheme (s3fs, gcsfs, ...)
        extra = " (for s3://: pip install 'newsclean[s3]')" if url.startswith("s3") else ""
        raise UsageError(f"{url}: {error}{extra}") from None
    except ValueError as error:  # a scheme fsspec does not know
        if "Protocol not known" not in str(error):
            raise
        raise UsageError(f"{url}: {error}") from None
