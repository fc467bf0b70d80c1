"""Files: checksums. A leaf module (imports nothing from astrozoo)."""

import hashlib
from pathlib import Path


def sha256sum(path: Path) -> str:
    """The hex sha256 digest of the file at ``path``, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
