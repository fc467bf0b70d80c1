"""Maximum a posteriori fits and the Laplace approximation around them."""

import functools
import sys
import time
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import xarray as xr
from jax.flatten_util import ravel_pytree
from jax.scipy.optimize import minimize
from numpyro.infer import init_to_uniform
from numpyro.infer.util import initialize_model

from astrozoo.inference.diagnostics import ConvergenceWarning
from astrozoo.inference.export import to_inference_data
from astrozoo.inference.prepared import prepare


GRADIENT_TOLERANCE = 1e-3  # a start has converged when every |∂(-log p)/∂u| is below this


@functools.lru_cache(maxsize=64)
def _program(model, starts, max_steps, draws, laplace, init_strategy):
    def initial_point(rng_key, arrays):
        return initialize_model(rng_key, model, init_strategy=init_strategy, model_kwargs=arrays)

    def run(rng_key, arrays):
        key_starts, key_draws = jax.random.split(rng_key)
        info, potential_fn, postprocess_fn, _ = initial_point(key_starts, arrays)
        _, unravel = ravel_pytree(info.z)
        potential = lambda u: potential_fn(unravel(u))  # noqa: E731
        constrain = lambda u: postprocess_fn(unravel(u))  # noqa: E731

        def optimise(key):
            u0, _ = ravel_pytree(initial_point(key, arrays)[0].z)
            result = minimize(potential, u0, method="BFGS", options={"maxiter": max_steps})
            converged = jnp.max(jnp.abs(jax.grad(potential)(result.x))) < GRADIENT_TOLERANCE
            return result.x, result.fun, converged

        points, values, success = jax.vmap(optimise)(jax.random.split(key_starts, starts))
        u_map = points[jnp.nanargmin(values)]
        if not laplace:
            return constrain(u_map), None, values, success
        chol = jnp.linalg.cholesky(jax.hessian(potential)(u_map))
        # H = L Lᵀ, so u = u* + L⁻ᵀ z with z ~ N(0, I) has covariance H⁻¹.
        z = jax.random.normal(key_draws, (draws, u_map.size))
        u = u_map + jax.scipy.linalg.solve_triangular(chol.T, z.T, lower=False).T
        return constrain(u_map), jax.vmap(constrain)(u), values, success

    return jax.jit(run)


def map_fit(
    model,
    *args,
    laplace: bool = True,
    starts: int = 4,
    max_steps: int = 500,
    draws: int = 1000,
    seed: int = 0,
    init_strategy=init_to_uniform,
    progress: bool = True,
    **model_kwargs,
):
    """Find the posterior mode in unconstrained space, optionally with Laplace draws.

    BFGS runs from ``starts`` random initial points (vectorised) on the
    potential energy -log p(θ, data) of the unconstrained parameters, and the
    best optimum is kept. The Laplace approximation is the Gaussian
    N(u*, H⁻¹), H the Hessian of the potential at the optimum u*, mapped to
    the constrained space draw by draw.

    Args:
        model: a NumPyro model function.
        *args, **model_kwargs: the model's arguments, observations included.
        laplace: add Laplace-approximation draws as the posterior.
        starts: number of optimisations from random starting points.
        max_steps: BFGS iterations per start.
        draws: number of Laplace draws.
        seed: random seed.
        init_strategy: a NumPyro init strategy for the starting points.
        progress: print the optimum and how long it took.

    Returns:
        InferenceData whose ``posterior`` holds one chain of Laplace draws (or
        the single MAP point when ``laplace=False``), with the MAP point also in
        the ``map_estimate`` group, plus ``log_likelihood``, ``observed_data``
        and ``constant_data``.
    """
    if int(starts) < 1 or int(draws) < 1:
        raise ValueError(f"starts and draws must be >= 1, got starts={starts}, draws={draws}")
    call = prepare(model, args, model_kwargs)
    structure, arrays = call.structure, call.arrays
    run = _program(call.bound, int(starts), int(max_steps), int(draws), bool(laplace), init_strategy)
    start = time.perf_counter()
    estimate, laplace_draws, values, success = jax.block_until_ready(run(jax.random.PRNGKey(seed), arrays))
    wall = time.perf_counter() - start
    if progress:
        print(
            f"[astrozoo] MAP ({starts} starts, {wall:.2f} s): best -log p = {float(np.nanmin(values)):.3f}, "
            f"{int(np.sum(success))}/{starts} converged",
            file=sys.stderr,
        )
    if not np.any(success):
        warnings.warn("no BFGS start converged; raise max_steps", ConvergenceWarning, stacklevel=2)
    if laplace_draws is not None and not all(np.isfinite(v).all() for v in laplace_draws.values()):
        warnings.warn(
            "the Hessian at the optimum is not positive definite: the Laplace draws are not usable",
            ConvergenceWarning,
            stacklevel=2,
        )
    point = {k: np.asarray(v)[None, None] for k, v in estimate.items()}
    posterior = point if laplace_draws is None else {k: np.asarray(v)[None] for k, v in laplace_draws.items()}
    idata = to_inference_data(
        model, call.named, posterior, structure=structure,
        attrs={"inference": "laplace" if laplace else "map", "wall_seconds": wall},
    )
    idata.add_groups(
        {"map_estimate": xr.Dataset({k: (structure.dims[k], np.asarray(v)) for k, v in estimate.items()})}
    )
    return idata
