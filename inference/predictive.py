"""Prior and posterior predictive simulation, as InferenceData groups."""

import dataclasses
import functools

import jax
from numpyro.infer import Predictive

from astrozoo.inference.export import to_predictive_data
from astrozoo.inference.prepared import prepare, rng_key


@functools.lru_cache(maxsize=64)
def _prior_sampler(model, draws):
    return jax.jit(lambda key, arrays: Predictive(model, num_samples=draws)(key, **arrays))


@functools.lru_cache(maxsize=64)
def _posterior_sampler(model, sites):
    return jax.jit(
        lambda key, samples, arrays: Predictive(model, posterior_samples=samples, return_sites=list(sites))(
            key, **arrays
        )
    )


def _simulation_call(model, args, kwargs):
    """The prepared call, its structure with the sites whose observation argument is None as the observables."""
    call = prepare(model, args, kwargs, simulate=True)
    structure, named = call.structure, call.named
    simulated = {s: None for s in structure.latent if s in named and named[s] is None}
    if not simulated:
        raise ValueError(
            f"{getattr(model, '__name__', 'the model')} has no site to simulate: pass its observation "
            "arguments as None (e.g. y=None)"
        )
    latent = tuple(s for s in structure.latent if s not in simulated)
    return dataclasses.replace(call, structure=dataclasses.replace(structure, latent=latent, observed=simulated))


def prior_predictive(model, *args, draws: int = 500, seed: int = 0, idata=None, **model_kwargs):
    """Draw parameters and data sets from the prior.

    Call the model without its observations (``y=None``); the sites whose
    observation argument is None are the simulated data.

    Args:
        model: a NumPyro model function.
        *args, **model_kwargs: the model's arguments without observations.
        draws: number of prior draws.
        seed: random seed.
        idata: an InferenceData to add the groups to (returned), or None for a new one.

    Returns:
        InferenceData with ``prior`` (parameters and deterministics) and
        ``prior_predictive`` (simulated observations).
    """
    if int(draws) < 1:
        raise ValueError(f"draws must be >= 1, got {draws}")
    key = rng_key(seed)
    call = _simulation_call(model, args, model_kwargs)
    draws_ = _prior_sampler(call.bound, int(draws))(key, call.arrays)
    out = to_predictive_data(draws_, call.structure, "prior", "prior_predictive")
    if idata is None:
        return out
    idata.extend(out)
    return idata


def posterior_predictive(idata, model, *args, seed: int = 0, **model_kwargs):
    """Simulate replicated data sets, one per posterior draw.

    Args:
        idata: InferenceData with a ``posterior`` group from a fit of ``model``.
        model: the NumPyro model function.
        *args, **model_kwargs: the model's arguments without observations.
        seed: random seed.

    Returns:
        ``idata``, with a ``posterior_predictive`` group added (or replaced).
    """
    if "posterior" not in idata.groups():
        raise ValueError("idata has no posterior group: pass the InferenceData of a fit of the model")
    key = rng_key(seed)
    call = _simulation_call(model, args, model_kwargs)
    structure = call.structure
    latent = list(structure.latent)
    missing = [s for s in latent if s not in idata.posterior]
    if missing:
        raise ValueError(f"idata's posterior lacks the latent site(s) {missing} of the model: is it a fit of "
                         f"{getattr(model, '__name__', 'this model')}?")
    chains, n_draws = idata.posterior.sizes["chain"], idata.posterior.sizes["draw"]
    samples = {
        k: idata.posterior[k].values.reshape((chains * n_draws,) + idata.posterior[k].shape[2:]) for k in latent
    }
    sampler = _posterior_sampler(call.bound, tuple(structure.observed))
    draws_ = sampler(key, samples, call.arrays)
    out = to_predictive_data(draws_, structure, None, "posterior_predictive", chains=chains)
    if "posterior_predictive" in idata.groups():
        del idata.posterior_predictive
    idata.extend(out)
    return idata
