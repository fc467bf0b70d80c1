"""Files: checksums and atomic writes. A leaf module (imports nothing from astrozoo)."""

import contextlib
import hashlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path


def sha256sum(path: Path) -> str:
    """The hex sha256 digest of the file at ``path``, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def partial_path(path: Path) -> Path:
    """A fresh temporary name beside ``path``: ``.<name>.<16 hex digits>.part``."""
    return path.with_name(f".{path.name}.{secrets.token_hex(8)}.part")


@contextlib.contextmanager
def atomic_write(path) -> Iterator[Path]:
    """Write a file all at once or not at all.

    Yields the path of an empty temporary file beside ``path`` (see
    :func:`partial_path`) for the caller to write, by name, with any library.
    When the block ends normally the temporary file is flushed to disk and
    renamed over ``path`` (``os.replace``, atomic on one file system), so
    readers see either the old file or the complete new one. On any exception,
    ``KeyboardInterrupt`` included, the temporary file is removed, ``path`` is
    left as it was and the exception propagates.

    The temporary file is created with mode 0o666 filtered by the process's
    umask, as ``open`` would create ``path`` itself (0o644 under umask 022),
    not the 0o600 of :func:`tempfile.mkstemp`. Writers that reopen it by name
    with truncation keep that mode.

    Args:
        path: the file to write; missing parent folders are created.

    Yields:
        The temporary path to write to.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    part = partial_path(path)
    os.close(os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    try:
        yield part
        with open(part, "rb") as f:
            os.fsync(f.fileno())
        os.replace(part, path)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
