"""Files: checksums, writability checks and atomic writes. A leaf module (imports nothing from astrozoo)."""

import contextlib
import hashlib
import os
import re
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


def check_writable(path, folder: bool = False) -> Path:
    """``path`` as a :class:`~pathlib.Path`, once a file (or, with ``folder``, a folder) could be written there.

    Missing parent folders are fine when the nearest existing one takes new
    files; that is tried by creating and removing an empty file in it (which
    also catches read-only file systems, for root too). Nothing else is created.

    Raises:
        ValueError: ``path`` is empty.
        IsADirectoryError: a file is wanted and ``path`` is a folder.
        NotADirectoryError: ``path``, or the nearest existing parent, is a file where a folder is needed.
        PermissionError: the nearest existing folder does not take new files (the reason is given).
    """
    if not str(path):
        raise ValueError("the output path is empty")
    path = Path(path)
    if path.is_dir() and not folder:
        raise IsADirectoryError(f"{path} is a folder; give a file name")
    if folder and path.exists() and not path.is_dir():
        raise NotADirectoryError(f"{path} is a file; give a folder")
    start = path if folder else path.parent
    existing = next(p for p in (start, *start.parents) if p.exists())
    if not existing.is_dir():
        raise NotADirectoryError(f"cannot write {path}: {existing} is a file, not a folder")
    probe = existing / f".astrozoo-probe.{secrets.token_hex(8)}"
    try:
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except OSError as err:
        raise PermissionError(f"cannot write {path}: {existing} does not take new files ({err.strerror})") from None
    probe.unlink()
    return path


def partial_path(path: Path) -> Path:
    """A fresh temporary name beside ``path``: ``.<name>.<16 hex digits>.part``.

    The first 8 hex digits are the writing process's id (see :func:`stale_parts`), the other 8 random.
    """
    return path.with_name(f".{path.name}.{os.getpid():08x}{secrets.token_hex(4)}.part")


def _running(pid: int) -> bool:
    """Whether process ``pid`` exists on this machine (always True where that cannot be asked safely)."""
    if os.name != "posix" or pid in (0, os.getpid()):
        return True
    try:
        os.kill(pid, 0)  # signal 0: no signal is sent, only the existence is checked
    except (ProcessLookupError, OverflowError):
        return False
    except PermissionError:  # another user's process
        return True
    return True


def stale_parts(path: Path) -> list[Path]:
    """Temporary files of earlier writes of ``path`` whose process has ended without removing them (killed).

    Only names of exactly the :func:`partial_path` pattern beside ``path`` count,
    and only when the process id they carry no longer runs here (a write still
    going on in another process is left alone).
    """
    pattern = re.compile(rf"\.{re.escape(path.name)}\.([0-9a-f]{{8}})[0-9a-f]{{8}}\.part")
    found = []
    for entry in os.scandir(path.parent):
        match = pattern.fullmatch(entry.name)
        if match and entry.is_file(follow_symlinks=False) and not _running(int(match[1], 16)):
            found.append(Path(entry.path))
    return found


@contextlib.contextmanager
def atomic_write(path) -> Iterator[Path]:
    """Write a file all at once or not at all.

    Yields the path of an empty temporary file beside ``path`` (see
    :func:`partial_path`) for the caller to write, by name, with any library.
    When the block ends normally the temporary file is flushed to disk and
    renamed over ``path`` (``os.replace``, atomic on one file system), so
    readers see either the old file or the complete new one. On any exception,
    ``KeyboardInterrupt`` included, the temporary file is removed, ``path`` is
    left as it was and the exception propagates. A process killed outright
    (SIGKILL, power loss) leaves its temporary file behind; the next write of
    ``path`` removes it (:func:`stale_parts`).

    The temporary file is created with mode 0o666 filtered by the process's
    umask, as ``open`` would create ``path`` itself (0o644 under umask 022),
    not the 0o600 of :func:`tempfile.mkstemp`. Writers that reopen it by name
    with truncation keep that mode.

    Args:
        path: the file to write; missing parent folders are created.
            It is checked first (:func:`check_writable`), so an error names
            ``path``, not the temporary file.

    Yields:
        The temporary path to write to.
    """
    path = check_writable(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in stale_parts(path):
        stale.unlink(missing_ok=True)
    part = partial_path(path)
    try:
        os.close(os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        yield part
        with open(part, "rb") as f:
            os.fsync(f.fileno())
        os.replace(part, path)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
