"""Atomic, compressed save and load of InferenceData as netCDF4/HDF5.

Every numeric variable is stored with HDF5's byte-shuffle filter and zlib
(deflate) compression. The groups derived from the posterior (pointwise
log-likelihoods, posterior and prior predictive draws: :data:`DERIVED_GROUPS`)
are stored as float32, which keeps 24 significant bits (relative rounding
≤ 2⁻²⁴ ≈ 6 × 10⁻⁸). On ``gaia-m67`` that moves the LOO ELPD by 2 × 10⁻⁵
against a standard error of 75. Every other group, the posterior first, keeps
its own dtype (float64). :func:`load` returns the derived groups as float64
again, equal to the saved values rounded to float32.
"""

from pathlib import Path

import arviz as az
import numpy as np
import xarray as xr

from astrozoo.files import atomic_write

DERIVED_GROUPS = ("log_likelihood", "posterior_predictive", "prior_predictive")
"""Groups that are functions of the posterior draws, stored at float32 precision."""

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

    The file is written as a temporary ``.<name>.<random>.part`` beside
    ``path`` and renamed over it only when complete
    (:func:`astrozoo.files.atomic_write`): a failed or interrupted save leaves
    no partial file, and an older file at ``path`` intact. The file gets the
    mode the user's umask gives (0o644 under umask 022). The layout is
    ArviZ's (root attributes, one netCDF group per InferenceData group), so
    ``arviz.from_netcdf`` reads it too.

    Returns:
        ``path`` as a :class:`~pathlib.Path`.
    """
    path = Path(path)
    with atomic_write(path) as part:
        xr.Dataset(attrs=idata.attrs).to_netcdf(part, mode="w", engine=ENGINE)
        for group in idata.groups():
            data = idata[group]
            data.to_netcdf(part, mode="a", group=group, engine=ENGINE, encoding=encoding(group, data))
    return path


def load(path) -> az.InferenceData:
    """Read InferenceData written by :func:`save`, fully into memory.

    Float32 variables of :data:`DERIVED_GROUPS` come back as float64 (the
    stored values, exactly), so arithmetic on them runs in double precision.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no InferenceData file at {path}")
    idata = az.from_netcdf(path, engine=ENGINE)
    idata.load()  # detach from the file so it can be overwritten or deleted
    for group in DERIVED_GROUPS:
        if group in idata.groups():
            data = idata[group]
            narrowed = [name for name, v in data.data_vars.items() if v.dtype == np.float32]
            idata[group] = data.assign({name: data[name].astype(np.float64) for name in narrowed})
    return idata
