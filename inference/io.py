"""Atomic save and load of InferenceData as netCDF."""

import os
import tempfile
from pathlib import Path

import arviz as az


def save(idata: az.InferenceData, path) -> Path:
    """Write ``idata`` to ``path`` (netCDF4/HDF5) atomically.

    The data go to a temporary file beside ``path``, which is renamed over
    ``path`` only once complete, so an interrupted save never leaves a
    truncated file (an older file at ``path`` stays intact).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    os.close(fd)
    try:
        idata.to_netcdf(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def load(path) -> az.InferenceData:
    """Read InferenceData written by :func:`save`, fully into memory."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no InferenceData file at {path}")
    idata = az.from_netcdf(path)
    idata.load()  # detach from the file so it can be overwritten or deleted
    return idata
