"""Stochastic variational inference with NumPyro's automatic guides."""

import functools
import sys
import time

import jax
import numpy as np
import xarray as xr
from numpyro.infer import SVI, Predictive, Trace_ELBO
from numpyro.infer.autoguide import AutoLowRankMultivariateNormal, AutoMultivariateNormal, AutoNormal
from numpyro.optim import Adam

from astrozoo.inference.export import to_inference_data
from astrozoo.inference.prepared import prepare

GUIDES = {
    "normal": AutoNormal,
    "mvn": AutoMultivariateNormal,
    "lowrank": AutoLowRankMultivariateNormal,
}


@functools.lru_cache(maxsize=64)
def _program(model, guide_name, steps, learning_rate, draws, sites):
    guide = GUIDES[guide_name](model)
    optimiser = SVI(model, guide, Adam(learning_rate), Trace_ELBO())

    def run(rng_key, arrays):
        key_init, key_draws = jax.random.split(rng_key)
        state = optimiser.init(key_init, **arrays)
        state, losses = jax.lax.scan(
            lambda s, _: optimiser.update(s, **arrays), state, length=steps
        )
        params = optimiser.get_params(state)
        draws_ = Predictive(model, guide=guide, params=params, num_samples=draws, return_sites=list(sites))(
            key_draws, **arrays
        )
        return draws_, losses

    return jax.jit(run)


def svi(
    model,
    *args,
    guide: str = "normal",
    steps: int = 5000,
    learning_rate: float = 0.01,
    draws: int = 1000,
    seed: int = 0,
    progress: bool = True,
    **model_kwargs,
):
    """Fit an automatic variational guide by maximising the ELBO with Adam.

    Args:
        model: a NumPyro model function.
        *args, **model_kwargs: the model's arguments, observations included.
        guide: "normal" (mean field), "mvn" (full-rank) or "lowrank" Gaussian in
            the unconstrained space.
        steps: optimisation steps.
        learning_rate: Adam step size.
        draws: posterior draws taken from the fitted guide.
        seed: random seed.
        progress: print what is being run and how long it took.

    Returns:
        InferenceData with one chain of guide draws in ``posterior`` (latent and
        deterministic sites), ``log_likelihood``, ``observed_data``,
        ``constant_data`` and the loss history (negative ELBO per step) as
        ``optimization.loss``.
    """
    if guide not in GUIDES:
        raise ValueError(f"guide must be one of {tuple(GUIDES)}, got {guide!r}")
    for name, value in (("steps", steps), ("draws", draws)):
        if int(value) < 1:
            raise ValueError(f"{name} must be >= 1, got {value}")
    if not learning_rate > 0:
        raise ValueError(f"learning_rate must be > 0, got {learning_rate}")
    call = prepare(model, args, model_kwargs)
    structure, arrays = call.structure, call.arrays
    sites = structure.latent + structure.deterministic
    run = _program(call.bound, guide, int(steps), float(learning_rate), int(draws), sites)
    start = time.perf_counter()
    draws_, losses = jax.block_until_ready(run(jax.random.PRNGKey(seed), arrays))
    wall = time.perf_counter() - start
    if progress:
        print(f"[astrozoo] SVI ({guide}, {steps} steps, {wall:.2f} s): final loss {float(losses[-1]):.3f}", file=sys.stderr)
    posterior = {k: np.asarray(v)[None] for k, v in draws_.items()}
    idata = to_inference_data(
        model, call.named, posterior, structure=structure, attrs={"inference": f"svi-{guide}", "wall_seconds": wall}
    )
    idata.add_groups({"optimization": xr.Dataset({"loss": ("step", np.asarray(losses))})})
    return idata
