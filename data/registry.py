"""The registry of named public datasets, fetched with pooch into a cache.

Each :class:`Dataset` names one file by its canonical address and sha256. To
find it, :func:`fetch` looks first in ``$ASTROZOO_DATA_DIR/<path>`` (a local
mirror; no network is touched when the file is there), then in the download
cache (``$ASTROZOO_CACHE``, default the user's cache directory), and only then
downloads from the canonical address. Every file is checked against its sha256.
Inside :func:`recording`, every file :func:`fetch` returns is noted, so a fit
can record which data files it used.
"""

import contextlib
import contextvars
import importlib
import pkgutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pooch

from astrozoo.files import sha256sum
from astrozoo.runtime import data_cache_dir, data_dir


class DataUnavailableError(OSError):
    """A registered file is neither on disk nor downloadable."""


@dataclass(frozen=True)
class Dataset:
    """One public data file.

    Attributes:
        name: the registry key, e.g. ``"gaia-m67"``.
        path: where the file sits below a data directory, e.g. ``"m67/m67.fits.gz"``.
        url: its canonical address.
        sha256: the hex digest of its bytes.
        citation: what to cite when using it.
        licence: its licence or credit line.
        size: its length in bytes, if known: a shorter file is reported as truncated.
    """

    name: str
    path: str
    url: str
    sha256: str
    citation: str
    licence: str = ""
    size: int | None = None


DATASETS: dict[str, Dataset] = {}


def register(dataset: Dataset) -> Dataset:
    """Add ``dataset`` to the registry; a name can be registered once."""
    if dataset.name in DATASETS and DATASETS[dataset.name] != dataset:
        raise ValueError(f"dataset {dataset.name!r} is already registered differently")
    DATASETS[dataset.name] = dataset
    return dataset


def registered() -> dict[str, Dataset]:
    """Name -> Dataset for every dataset the zoo knows.

    Each field's reader modules (``astrozoo.data.<field>.<module>``) register
    their datasets when imported; this imports them all.
    """
    import astrozoo.data

    for module in pkgutil.walk_packages(astrozoo.data.__path__, "astrozoo.data."):
        if not module.name.endswith(".synthetic"):
            importlib.import_module(module.name)
    return DATASETS


_RECORDS: contextvars.ContextVar[tuple[list[dict], ...]] = contextvars.ContextVar("records", default=())


@contextlib.contextmanager
def recording() -> Iterator[list[dict]]:
    """Note every file :func:`fetch` returns inside the ``with`` block.

    Yields a list that fills, in order of first use, with one dict per file:
    ``{"name", "path", "sha256", "url"}`` (registry key, local path, hex
    digest of its verified bytes, canonical address). A file fetched twice is
    listed once. Recordings nest: an inner block's files also go to the outer
    ones. The record is per thread and per asyncio task (a context variable).

    Example::

        with registry.recording() as files:
            data = problem.load()
    """
    files: list[dict] = []
    token = _RECORDS.set(_RECORDS.get() + (files,))
    try:
        yield files
    finally:
        _RECORDS.reset(token)


def _verified(dataset: Dataset, path: Path) -> Path:
    """``path``, once its bytes match ``dataset.sha256``; noted in every open :func:`recording`."""
    actual = sha256sum(path)
    if actual != dataset.sha256:
        length = path.stat().st_size
        cut = f" is truncated ({length} of {dataset.size} bytes):" if dataset.size and length < dataset.size else ""
        raise DataUnavailableError(
            f"dataset {dataset.name!r}: {path}{cut} has sha256 {actual}, expected {dataset.sha256}; "
            "replace it with the registered file or delete it"
        )
    entry = {"name": dataset.name, "path": str(path), "sha256": actual, "url": dataset.url}
    for files in _RECORDS.get():
        if entry not in files:
            files.append(entry)
    return path


def fetch(name: str) -> Path:
    """The local path of the registered file ``name``, downloading it if need be.

    The file is checked against its sha256 every time, and noted in every
    open :func:`recording`.

    Raises:
        KeyError: ``name`` is not registered (by any reader module: see :func:`registered`).
        DataUnavailableError: the file is not on disk and cannot be downloaded,
            or its checksum is wrong. The message names the dataset, the paths
            looked at and the address.
    """
    if name not in DATASETS and name not in registered():
        raise KeyError(f"unknown dataset {name!r}; registered: {', '.join(sorted(DATASETS))}")
    dataset = DATASETS[name]
    looked = []
    mirror = data_dir()  # ValueError if it names no folder: a mistyped mirror must not fall back to the network
    if mirror is not None:
        local = mirror / dataset.path
        if local.is_file():
            return _verified(dataset, local)
        looked.append(str(local))
    cached = data_cache_dir() / dataset.path
    if cached.is_file():
        return _verified(dataset, cached)
    looked.append(str(cached))
    try:
        fetched = pooch.retrieve(
            dataset.url,
            known_hash=f"sha256:{dataset.sha256}",
            fname=Path(dataset.path).name,
            path=cached.parent,
            progressbar=False,
        )
    except Exception as err:  # network, HTTP or checksum failure
        raise DataUnavailableError(
            f"dataset {dataset.name!r} is not available: looked at {' and '.join(looked)}, "
            f"and downloading {dataset.url} failed ({type(err).__name__}: {err}). "
            "Set ASTROZOO_DATA_DIR to a folder holding "
            f"{dataset.path}, or connect to the network."
        ) from err
    return _verified(dataset, Path(fetched))
