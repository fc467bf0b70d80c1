"""Atomic, compressed save and load of InferenceData as netCDF4/HDF5.

Every numeric variable is stored with HDF5's byte-shuffle filter and zlib
(deflate) compression. The groups of draws other than the posterior (prior
draws, pointwise log-likelihoods, posterior and prior predictive draws:
:data:`DERIVED_GROUPS`), which can all be drawn again from the posterior, the
data and the recorded seed, are stored as float32, which keeps 24
significant bits (relative rounding ≤ 2⁻²⁴ ≈ 6 × 10⁻⁸). On ``gaia-m67``
(1600 draws × 4263 stars) that moves the PSIS-LOO ELPD by 6 × 10⁻⁸ (its
standard error is 75) and no Pareto k̂ by more than 0.011, less than a
10⁻⁹ relative jitter of the float64 values moves it (0.027). Every other
group, the posterior first, keeps its own dtype (float64). :func:`load` returns the derived groups as float64 again,
equal to the saved values rounded to float32.

Measured (same InferenceData, best of two on a busy 2-core machine): ArviZ's
own ``to_netcdf`` (zlib without shuffle, float64) writes ``gaia-m67`` as
119.5 MB in 11.0 s and ``sed-catalog-mock`` as 108.6 MB in 13.8 s;
:func:`save` writes 50.5 MB in 5.9 s and 53.8 MB in 9.8 s.
"""

from pathlib import Path

import arviz as az
import numpy as np
import xarray as xr

from astrozoo.files import atomic_write

DERIVED_GROUPS = ("prior", "log_likelihood", "posterior_predictive", "prior_predictive")
"""Groups stored at float32 precision: Monte Carlo draws other than the posterior, and the log-likelihood."""

COMPRESSION = {"zlib": True, "complevel": 4, "shuffle": True}
"""netCDF4 encoding of every numeric variable: byte shuffle, then deflate at level 4."""

ENGINE = "h5netcdf"


def encoding(group: str, data: xr.Dataset) -> dict[str, dict]:
    """The netCDF encoding of each variable of ``data``, the InferenceData group ``group``.

    Numeric arrays get :data:`COMPRESSION`; float64 data variables of
    :data:`DERIVED_GROUPS` are also narrowed to float32. Coordinates and
    scalars keep their dtype, and scalars are not compressed (HDF5 cannot
    filter them).
    """
    spec = {}
    for name, variable in data.variables.items():
        if variable.dtype.kind not in "biuf" or variable.ndim == 0:
            continue
        spec[name] = dict(COMPRESSION)
        if group in DERIVED_GROUPS and name in data.data_vars and variable.dtype == np.float64:
            spec[name]["dtype"] = "float32"
    return spec


def save(idata: az.InferenceData, path) -> Path:
    """Write ``idata`` to ``path`` (netCDF4/HDF5), compressed, atomically.

    The file is written as a temporary ``.<name>.<16 hex>.part`` beside
    ``path`` and renamed over it only when complete
    (:func:`astrozoo.files.atomic_write`): a failed or interrupted save leaves
    no partial file, and an older file at ``path`` intact; a temporary file
    left by a killed process is removed by the next save to ``path``. The file gets the
    mode the user's umask gives (0o644 under umask 022). The layout is
    ArviZ's (root attributes, one netCDF group per InferenceData group), so
    ``arviz.from_netcdf`` reads it too.

    Returns:
        ``path`` as a :class:`~pathlib.Path`.

    Raises:
        TypeError: ``idata`` is not an InferenceData.
        ValueError: ``idata`` has no posterior group (:func:`load` would refuse the file).
        OSError: ``path`` cannot be written (:func:`astrozoo.files.check_writable`
            says why, naming ``path``), checked before anything is written.
    """
    if not isinstance(idata, az.InferenceData):
        raise TypeError(f"idata must be an arviz.InferenceData, got {type(idata).__name__}")
    if "posterior" not in idata.groups():
        raise ValueError(f"idata has no posterior group (groups: {', '.join(idata.groups()) or 'none'}); "
                         "a fit file holds one")
    with atomic_write(path) as part:
        xr.Dataset(attrs=idata.attrs).to_netcdf(part, mode="w", engine=ENGINE)
        for group in idata.groups():
            data = idata[group]
            data.to_netcdf(part, mode="a", group=group, engine=ENGINE, encoding=encoding(group, data))
    return Path(path)


def load(path) -> az.InferenceData:
    """Read InferenceData written by :func:`save`, fully into memory.

    Float32 variables of :data:`DERIVED_GROUPS` come back as float64 (the
    stored values, exactly), so arithmetic on them runs in double precision.

    Raises:
        FileNotFoundError: no file at ``path``.
        IsADirectoryError: ``path`` is a folder.
        ValueError: the file is truncated (an interrupted copy), damaged, or
            not an astrozoo fit (InferenceData netCDF with a posterior group);
            the message names ``path``.
    """
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder, not an InferenceData file")
    if not path.is_file():
        raise FileNotFoundError(f"no InferenceData file at {path}")
    try:
        idata = az.from_netcdf(path, engine=ENGINE)
        idata.load()  # detach from the file so it can be overwritten or deleted
    except PermissionError:
        raise
    except OSError as err:
        if "truncated" in str(err):
            raise ValueError(f"{path} is truncated (an interrupted copy or download?): {err}") from None
        raise ValueError(f"{path} is not an astrozoo fit (InferenceData netCDF), or it is damaged: {err}") from None
    if "posterior" not in idata.groups():
        found = ", ".join(idata.groups()) or "none"
        raise ValueError(f"{path} is not an astrozoo fit (InferenceData netCDF): it has no posterior group "
                         f"(groups: {found})")
    for group in DERIVED_GROUPS:
        if group in idata.groups():
            data = idata[group]
            narrowed = [name for name, v in data.data_vars.items() if v.dtype == np.float32]
            idata[group] = data.assign({name: data[name].astype(np.float64) for name in narrowed})
    return idata
