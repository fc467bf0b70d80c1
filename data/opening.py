"""Opening data files with errors that name the file and what is wrong with it.

:func:`file_bytes` reads a file (gunzipping a gzip stream) and says when it is missing, a
directory, empty or a gzip stream cut short. :func:`open_fits` then checks a FITS file
against the sizes its own headers declare before astropy parses it, so a file cut short is
reported as truncated, not by whatever fails downstream.

A FITS file is a sequence of HDUs: a header of 80-byte cards ending with an END card, in
2880-byte blocks, then the data, |BITPIX| / 8 × GCOUNT × (PCOUNT + NAXIS1 × … × NAXISn)
bytes (NAXIS1 left out for random groups, where it is 0; none when NAXIS = 0), padded to a
whole block: a FITS file is a whole number of blocks, so one that ends inside a header, its
data or their padding is cut short. Bytes after the last HDU that do not start an extension
header are ignored, as by astropy.
"""

import gzip
import io
import math
import zlib
from pathlib import Path

BLOCK, CARD = 2880, 80
_END = b"END" + b" " * (CARD - 3)


def file_bytes(path, kind: str) -> bytes:
    """The bytes of the file at ``path``, decompressed when it is gzipped.

    Args:
        path: the file.
        kind: what the file should be, for messages ("uvfits file", "gaia table").

    Raises:
        FileNotFoundError: nothing at ``path``.
        ValueError: ``path`` is a directory, the file is empty, or its gzip stream is cut short or corrupt.
    """
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"{kind} {path} is a directory, not a file")
    if not path.exists():
        raise FileNotFoundError(f"{kind} {path} does not exist")
    raw = path.read_bytes()
    if not raw:
        raise ValueError(f"{kind} {path} is empty (0 bytes)")
    if raw[:2] != b"\x1f\x8b":
        return raw
    try:
        return gzip.decompress(raw)
    except EOFError:
        raise ValueError(f"{kind} {path} is truncated: its gzip stream ends before the end-of-stream marker") from None
    except (gzip.BadGzipFile, zlib.error) as err:
        raise ValueError(f"{kind} {path} is a corrupt gzip file: {err}") from None


def is_fits(raw: bytes) -> bool:
    """Whether ``raw`` starts as a FITS file does (the card ``SIMPLE  =``)."""
    return raw.startswith(b"SIMPLE  =")


def open_fits(path, kind: str, expected: str, raw: bytes | None = None):
    """The HDUs of a FITS file (gzipped or not), read into memory once its sizes are checked.

    Args:
        path: the file.
        kind: what the file should be, for messages ("uvfits file").
        expected: what a right file holds, for the message when it is not FITS.
        raw: the file's bytes from :func:`file_bytes`, if read already.

    Returns:
        an ``astropy.io.fits.HDUList`` (a context manager) over the file's bytes.

    Raises:
        FileNotFoundError: nothing at ``path``.
        ValueError: see :func:`file_bytes`; the file is not FITS, is truncated (a header
            without its END card, or shorter than the data and padding its headers declare),
            or astropy cannot parse it.
    """
    from astropy.io import fits

    raw = file_bytes(path, kind) if raw is None else raw
    if not is_fits(raw):
        raise ValueError(f"{kind} {path} is not a FITS file (expected {expected})")
    check_sizes(raw, f"{kind} {path}")
    try:
        return fits.open(io.BytesIO(raw), lazy_load_hdus=False)
    except (OSError, ValueError, KeyError, IndexError, TypeError) as err:
        raise ValueError(f"{kind} {path} is corrupt FITS: {type(err).__name__}: {err}") from None


def check_sizes(raw: bytes, name: str) -> None:
    """ValueError ("``name`` is truncated: ...") unless every HDU's header, data and padding lie within ``raw``."""
    offset, index = 0, 0
    while offset < len(raw) and (index == 0 or raw.startswith(b"XTENSION", offset)):
        end = _end_of_header(raw, offset)
        if end is None:
            raise ValueError(f"{name} is truncated: the header of HDU {index} (at byte {offset}) "
                             f"has no END card before the file ends at byte {len(raw)}")
        data_start = offset + _padded(end - offset)
        size = _data_size(raw[offset:end], f"{name}: HDU {index}")
        if data_start + _padded(size) > len(raw):
            raise ValueError(f"{name} is truncated: HDU {index} declares {size} bytes of data from byte {data_start}, "
                             f"ending with its padding at byte {data_start + _padded(size)}, but the file has "
                             f"{len(raw)} bytes")
        offset, index = data_start + _padded(size), index + 1


def _padded(size: int) -> int:
    return math.ceil(size / BLOCK) * BLOCK


def _end_of_header(raw: bytes, offset: int) -> int | None:
    """The byte just after the END card of the header starting at ``offset``; None if there is none."""
    at = raw.find(_END, offset)
    while at >= 0 and (at - offset) % CARD:
        at = raw.find(_END, at + 1)
    return None if at < 0 else at + CARD


def _data_size(header_bytes: bytes, name: str) -> int:
    """The data bytes a header declares (see the module docstring)."""
    from astropy.io import fits

    try:
        header = fits.Header.fromstring(header_bytes.decode("ascii"))
        naxis = int(header["NAXIS"])
        dims = [int(header[f"NAXIS{i}"]) for i in range(1, naxis + 1)]
        bits = abs(int(header["BITPIX"]))
        if bits not in (8, 16, 32, 64) or min(dims, default=0) < 0:
            raise ValueError(f"BITPIX = {header['BITPIX']} or NAXISn = {dims} out of range")
        groups = bool(header.get("GROUPS", False)) and dims[:1] == [0]
        count = math.prod(dims[1:] if groups else dims)
        return 0 if naxis == 0 else bits // 8 * int(header.get("GCOUNT", 1)) * (int(header.get("PCOUNT", 0)) + count)
    except (UnicodeDecodeError, KeyError, ValueError, TypeError) as err:
        raise ValueError(f"{name} has a corrupt header: {type(err).__name__}: {err}") from None
