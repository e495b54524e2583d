"""Tar archives as inputs: each regular member read as a file, from the archive's bytes.

An input whose bytes (decompressed: `.tar.gz`, `.tgz`, `.tar.bz2`, `.tar.xz`, by their magic) are
a POSIX or GNU tar is read member by member, in the archive's order, named `ARCHIVE!MEMBER`.
Nothing is written to disk, so a member's name (`../x`, an absolute path) is only a name; links,
folders and devices hold no dump of their own and are passed over. A member larger than
`--max-bytes` (a sparse one may claim 10 GB in a few bytes) is `too_large` without being read;
a compressed member is decompressed within the same bound.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

from ..core.record import DECOMPRESS_ERROR, EMPTY, TOO_LARGE, Rejection
from .paths import shown_path
from .read import decompressed

SEPARATOR = "!"  # between an archive's name and its member's, in `source.path`


def is_tar(data: bytes) -> bool:
    """Whether `data` is a POSIX (ustar, pax) or GNU tar archive."""
    return data[257:262] == b"ustar"


def members(archive: str, data: bytes, max_bytes: int) -> Iterator[tuple[str, bytes | Rejection]]:
    """Each regular member of the tar `data` as (`ARCHIVE!MEMBER`, its bytes or why it has
    none); an archive that cannot be read further ends with a rejection of its own."""
    import tarfile  # only for inputs that are archives

    seen = False
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tar:
            for member in tar:
                if not member.isreg():
                    continue
                seen = True
                name = f"{archive}{SEPARATOR}{shown_path(member.name)}"
                if member.size > max_bytes:
                    yield name, Rejection(name, TOO_LARGE, f"larger than {max_bytes} bytes")
                    continue
                extracted = tar.extractfile(member)
                assert extracted is not None  # a regular member has its bytes
                yield name, decompressed(extracted.read(), name, max_bytes)
    except (tarfile.TarError, EOFError, OSError) as error:
        yield archive, Rejection(archive, DECOMPRESS_ERROR, f"a damaged tar archive: {error}")
        return
    if not seen:
        yield archive, Rejection(archive, EMPTY, "a tar archive without files")
