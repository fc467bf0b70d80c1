"""Model comparison by leave-one-out cross-validation (PSIS-LOO; Vehtari, Gelman & Gabry 2017).

A fit's ``log_likelihood`` group holds the pointwise log-likelihood of each
observed site. :func:`loo` pools the points of every observed site (a VLBI fit
leaves out one closure phase or one log closure amplitude at a time) and
estimates the expected log predictive density of a new data point, elpd_loo,
with its standard error, the effective number of parameters p_loo, and the
Pareto k̂ of each point: above 0.7 the importance weights of that point are
unreliable, and its term should be checked (refit without it, or K-fold).

:func:`compare` ranks fits of the same data by elpd_loo (ArviZ's ``compare``,
with stacking weights; Yao et al. 2018). Fits of different data cannot be
compared: their observed data must agree, and a ValueError says which differ.
"""

import hashlib
from typing import NamedTuple

import arviz as az
import numpy as np
import xarray as xr

PARETO_K_LIMIT = 0.7
"""Points with a Pareto k̂ above this have unreliable PSIS-LOO terms (Vehtari et al. 2024)."""


class LooSummary(NamedTuple):
    """PSIS-LOO of one fit.

    Attributes:
        elpd_loo: expected log pointwise predictive density, summed over the points.
        se: its standard error.
        p_loo: effective number of parameters.
        points: number of data points, every observed site pooled.
        bad_k: number of points with Pareto k̂ > :data:`PARETO_K_LIMIT`.
        worst: the (site, index, k̂) of the points with the highest k̂, at most five, highest first.
    """

    elpd_loo: float
    se: float
    p_loo: float
    points: int
    bad_k: int
    worst: tuple


def pooled_log_likelihood(idata) -> tuple[az.InferenceData, list[tuple[str, int]]]:
    """InferenceData with one log-likelihood variable ``"pooled"`` over every observed point, and each
    point's (site, flat index); ValueError if ``idata`` has no ``log_likelihood`` group."""
    if "log_likelihood" not in idata.groups() or not idata.log_likelihood.data_vars:
        raise ValueError("the fit has no log_likelihood group: LOO needs the pointwise log-likelihood of the data")
    parts, labels = [], []
    for site, values in idata.log_likelihood.data_vars.items():
        flat = values.values.reshape(values.sizes["chain"], values.sizes["draw"], -1)
        parts.append(flat)
        labels += [(site, i) for i in range(flat.shape[-1])]
    pooled = np.concatenate(parts, axis=-1)
    data = xr.Dataset({"pooled": (("chain", "draw", "point"), pooled)})
    return az.InferenceData(posterior=idata.posterior, log_likelihood=data), labels


def loo(idata) -> LooSummary:
    """PSIS-LOO of a fit over every observed point (see the module docstring)."""
    pooled, labels = pooled_log_likelihood(idata)
    result = az.loo(pooled, pointwise=True)
    k = np.asarray(result.pareto_k)
    order = np.argsort(k)[::-1][:5]
    worst = tuple((labels[i][0], labels[i][1], float(k[i])) for i in order)
    return LooSummary(float(result.elpd_loo), float(result.se), float(result.p_loo), len(labels),
                      int(np.sum(k > PARETO_K_LIMIT)), worst)


def observed_digest(idata) -> str:
    """The sha256 of the observed data (each variable's name, shape and float64 values, in name order)."""
    if "observed_data" not in idata.groups():
        raise ValueError("the fit has no observed_data group: cannot tell which data it was fitted to")
    digest = hashlib.sha256()
    for name in sorted(idata.observed_data.data_vars):
        values = np.ascontiguousarray(idata.observed_data[name].values, dtype=float)
        digest.update(f"{name}{values.shape}".encode())
        digest.update(values.tobytes())
    return digest.hexdigest()


def compare(fits: dict) -> "az.ELPDData":
    """Rank fits of the same data by PSIS-LOO, with stacking weights.

    Args:
        fits: name -> InferenceData, at least two, each with ``log_likelihood``
            and ``observed_data`` groups.

    Returns:
        ArviZ's comparison table (a pandas DataFrame, best first): rank,
        elpd_loo, p_loo, elpd_diff, weight (stacking), se, dse, warning.

    Raises:
        ValueError: fewer than two fits, a fit without a log-likelihood, or
            fits of different data (named).
    """
    if len(fits) < 2:
        raise ValueError(f"compare needs at least two fits, got {len(fits)}")
    digests = {name: observed_digest(idata) for name, idata in fits.items()}
    if len(set(digests.values())) > 1:
        groups = {}
        for name, digest in digests.items():
            groups.setdefault(digest, []).append(name)
        described = "; ".join(", ".join(names) for names in groups.values())
        raise ValueError(f"the fits are of different data (same data within each group: {described}); "
                         f"LOO compares models of the same data only")
    pooled = {name: pooled_log_likelihood(idata)[0] for name, idata in fits.items()}
    return az.compare(pooled, ic="loo", method="stacking", var_name="pooled")
