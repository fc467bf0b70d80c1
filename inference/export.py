"""One exporter for every driver: draws -> arviz.InferenceData.

The model is traced once to learn its structure. Plates become dimensions
(a site inside ``numpyro.plate("stars", n)`` gets a ``stars`` dimension),
observed sites become ``observed_data`` and ``log_likelihood``, and the array
arguments of the model become ``constant_data``.
"""

import functools
from dataclasses import dataclass, field

import arviz as az
import jax
import numpy as np
import numpyro.distributions as dist
import xarray as xr
from numpyro import handlers
from numpyro.infer import util as infer_util

from astrozoo.inference.compiled import split_arguments, with_static
from astrozoo.inference.provenance import stamp


@dataclass(frozen=True)
class ModelStructure:
    """What one trace of a model says about its sites.

    Attributes:
        latent: names of the sampled, unobserved sites.
        deterministic: names of the ``numpyro.deterministic`` sites.
        observed: observed site name -> its observed value.
        dims: site name -> names of its dimensions (without chain and draw).
        sizes: dimension name -> length, for every plate met.
    """

    latent: tuple[str, ...]
    deterministic: tuple[str, ...]
    observed: dict[str, np.ndarray]
    dims: dict[str, list[str]] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)


def _site_dims(site) -> list[str]:
    shape = np.shape(site["value"])
    event_ndim = len(site["fn"].event_shape) if site["type"] == "sample" else 0
    batch_ndim = len(shape) - event_ndim
    by_dim = {frame.dim: frame.name for frame in site["cond_indep_stack"]}
    names = []
    for axis in range(len(shape)):
        plate = by_dim.get(axis - batch_ndim) if axis < batch_ndim else None
        names.append(plate or f"{site['name']}_dim_{axis}")
    return names


def inspect_model(model, *args, **kwargs) -> ModelStructure:
    """Trace ``model(*args, **kwargs)`` once and read off its sites and plates.

    The model runs under ``jax.make_jaxpr``: shapes are worked out but nothing
    is computed or compiled. The arguments stay concrete, so the model's input
    checks run on the real data; their errors propagate as raised.
    """
    trace = {}
    try:
        jax.make_jaxpr(
            lambda: trace.update(handlers.trace(handlers.seed(model, rng_seed=0)).get_trace(*args, **kwargs))
        )()
    except (ValueError, TypeError) as err:  # the model's input checks: shown as raised, without JAX's note
        err.__notes__ = [note for note in getattr(err, "__notes__", []) if "JAX has removed" not in note]
        raise
    latent, deterministic, observed, dims, sizes = [], [], {}, {}, {}
    for name, site in trace.items():
        if site["type"] == "plate":
            sizes[name] = site["args"][0]  # (size, subsample_size)
            continue
        if site["type"] not in ("sample", "deterministic") or isinstance(site.get("fn"), dist.Unit):
            continue  # numpyro.factor terms are neither parameters nor data
        dims[name] = _site_dims(site)
        if site["type"] == "deterministic":
            deterministic.append(name)
        elif site["is_observed"]:
            observed[name] = np.asarray(site["value"])
        else:
            latent.append(name)
    return ModelStructure(tuple(latent), tuple(deterministic), observed, dims, sizes)


def constant_data(named: dict, structure: ModelStructure) -> dict[str, np.ndarray]:
    """The model's array arguments that are not observations, by parameter name.

    An argument counts as an observation when it is named like an observed site.
    """
    return {
        name: np.asarray(value)
        for name, value in named.items()
        if name not in structure.observed and hasattr(value, "shape") and np.ndim(value) > 0
    }


@functools.lru_cache(maxsize=64)
def _log_likelihood_fn(model):
    return jax.jit(lambda samples, arrays: infer_util.log_likelihood(model, samples, batch_ndims=2, **arrays))


def _constant_dims(data: dict[str, np.ndarray], structure: ModelStructure) -> dict[str, list[str]]:
    """Give an argument the dims of the first observed site of the same shape."""
    dims = {}
    for name, value in data.items():
        for site, obs in structure.observed.items():
            if obs.shape == value.shape:
                dims[name] = structure.dims[site]
                break
    return dims


def _as_numpy(tree) -> dict[str, np.ndarray]:
    return {k: np.asarray(v) for k, v in jax.device_get(tree).items()}


def to_inference_data(
    model,
    named: dict,
    posterior: dict,
    sample_stats: dict | None = None,
    *,
    structure: ModelStructure | None = None,
    log_likelihood: dict | None = None,
    map_estimate: dict | None = None,
    attrs: dict | None = None,
) -> az.InferenceData:
    """Build InferenceData from draws shaped ``(chain, draw, ...)``.

    Args:
        model: the NumPyro model function.
        named: every argument the model was fitted with, by name (observations included).
        posterior: site name -> draws, latent and deterministic sites.
        sample_stats: statistic name -> array shaped ``(chain, draw)``.
        structure: the model's structure, if already traced.
        log_likelihood: observed site -> pointwise log-likelihood per draw, if
            already computed (else it is computed here).
        map_estimate: site name -> the MAP value (no chain or draw axes), if
            the driver found one: the ``map_estimate`` group.
        attrs: the fit's attributes, normally
            ``provenance(driver, settings) | {"wall_seconds": wall}`` (see
            :func:`astrozoo.inference.provenance.provenance`).

    Returns:
        InferenceData with ``posterior``, ``sample_stats``, ``log_likelihood``,
        ``observed_data``, ``constant_data`` and ``map_estimate`` where given; its ``attrs`` are ``attrs``
        with the package versions and the creation time added
        (:func:`astrozoo.inference.provenance.stamp`).
    """
    structure = structure or inspect_model(model, **named)
    if log_likelihood is None:
        arrays, static = split_arguments(named)
        latent = {k: posterior[k] for k in structure.latent if k in posterior}
        log_likelihood = _log_likelihood_fn(with_static(model, static))(latent, arrays)
    loglik = _as_numpy(log_likelihood)
    const = constant_data(named, structure)
    dims = dict(structure.dims) | _constant_dims(const, structure)
    coords = {name: np.arange(size) for name, size in structure.sizes.items()}
    idata = az.from_dict(
        posterior=_as_numpy(posterior),
        sample_stats=_as_numpy(sample_stats) if sample_stats else None,
        log_likelihood=loglik or None,
        observed_data=structure.observed or None,
        constant_data=const or None,
        coords=coords,
        dims=dims,
    )
    if map_estimate is not None:
        point = {k: (structure.dims[k], v) for k, v in _as_numpy(map_estimate).items() if k in structure.dims}
        idata.add_groups({"map_estimate": xr.Dataset(point, coords={d: coords[d] for k in point for d in point[k][0]
                                                                   if d in coords})})
    idata.attrs = stamp() | (attrs or {})  # set afterwards: from_dict drops an "arviz_version" attr
    return idata


def to_predictive_data(
    draws: dict, structure: ModelStructure, group: str, observed_group: str, chains: int = 1
) -> az.InferenceData:
    """Split predictive draws into a parameter group and an observable group.

    ``draws`` are flat (sample first); they are reshaped to ``(chains, draws)``.
    Observed sites go to ``observed_group`` (``prior_predictive`` or
    ``posterior_predictive``) and the rest to ``group`` (``prior``), unless
    ``group`` is None.
    """
    draws = {k: v for k, v in _as_numpy(draws).items() if k in structure.dims}
    draws = {k: v.reshape((chains, -1) + v.shape[1:]) for k, v in draws.items()}
    observables = {k: v for k, v in draws.items() if k in structure.observed}
    groups = {observed_group: observables}
    if group is not None:
        groups[group] = {k: v for k, v in draws.items() if k not in structure.observed}
    coords = {name: np.arange(size) for name, size in structure.sizes.items()}
    return az.from_dict(**groups, coords=coords, dims=structure.dims)
