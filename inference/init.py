"""Starting points for samplers on multimodal posteriors: the best of several optimisations."""

import functools
import sys
import time

import jax
import jax.numpy as jnp
import numpy as np
from jax.flatten_util import ravel_pytree
from numpyro.infer import init_to_uniform
from numpyro.infer.util import initialize_model

from astrozoo.inference.compiled import bind_arguments, split_arguments, with_static


@functools.lru_cache(maxsize=32)
def _program(model, candidates, starts, max_steps, learning_rate):
    def run(rng_key, arrays):
        key_init, key_candidates = jax.random.split(rng_key)
        info, potential_fn, postprocess_fn, _ = initialize_model(
            key_init, model, init_strategy=init_to_uniform, model_kwargs=arrays
        )
        _, unravel = ravel_pytree(info.z)
        potential = lambda u: potential_fn(unravel(u))  # noqa: E731

        def candidate(key):
            z = initialize_model(key, model, init_strategy=init_to_uniform, model_kwargs=arrays)[0].z
            u = ravel_pytree(z)[0]
            return u, potential(u)

        points, energies = jax.vmap(candidate)(jax.random.split(key_candidates, candidates))
        energies = jnp.where(jnp.isfinite(energies), energies, jnp.inf)
        best = jnp.argsort(energies)[:starts]

        def optimise(u0):
            # Adam (Kingma & Ba 2015) for a fixed number of steps: one gradient per step, a small program.
            def step(i, carry):
                u, m, v = carry
                g = jax.grad(potential)(u)
                g = jnp.where(jnp.isfinite(g), g, 0.0)
                m = 0.9 * m + 0.1 * g
                v = 0.999 * v + 0.001 * g**2
                t = i + 1.0
                u = u - learning_rate * (m / (1 - 0.9**t)) / (jnp.sqrt(v / (1 - 0.999**t)) + 1e-8)
                return u, m, v

            zeros = jnp.zeros_like(u0)
            u, _, _ = jax.lax.fori_loop(0, max_steps, step, (u0, zeros, zeros))
            value = potential(u)
            return u, jnp.where(jnp.isfinite(value), value, jnp.inf)

        optima, values = jax.vmap(optimise)(points[best])
        order = jnp.argsort(values)
        constrained = jax.vmap(lambda u: postprocess_fn(unravel(u)))(optima[order])
        return {k: v for k, v in constrained.items() if k in info.z}, values[order]

    return jax.jit(run)


def best_of_optimisations(
    model, *args, candidates: int = 1024, starts: int = 32, max_steps: int = 300, learning_rate: float = 0.05,
    seed: int = 0, progress: bool = True, **model_kwargs,
):
    """The highest-density point found by Adam from the best of many random starting points.

    ``candidates`` points are drawn uniformly in the unconstrained space
    (NumPyro's ``init_to_uniform``) and their log densities evaluated in one
    vectorised pass; Adam then minimises -log p (vectorised, ``max_steps``
    steps of size ``learning_rate`` in the unconstrained space) from the
    ``starts`` best of them, and the optima are ranked by -log p. On a posterior with secondary
    modes, starting every chain from the top optimum puts all of them in the
    main mode; the spread of the optima shows how multimodal the posterior is.

    Args:
        model: a NumPyro model function.
        *args, **model_kwargs: the model's arguments, observations included.
        candidates: random points scored before optimising.
        starts: optimisations run from the best-scored candidates.
        max_steps: Adam steps per optimisation.
        learning_rate: Adam's step size in the unconstrained space.
        seed: random seed.
        progress: print the best -log p found and the time taken.

    Returns:
        (best, optima, energies): the constrained values of the latent sites at
        the best optimum; the same at every optimum, stacked on a leading axis
        in order of increasing -log p; and those -log p values. Tile ``best``
        over chains for ``nuts(..., init_params=...)``.
    """
    if int(starts) < 1 or int(candidates) < int(starts):
        raise ValueError(f"need 1 <= starts <= candidates, got starts={starts}, candidates={candidates}")
    named = bind_arguments(model, args, model_kwargs)
    arrays, static = split_arguments(named)
    run = _program(with_static(model, static), int(candidates), int(starts), int(max_steps), float(learning_rate))
    start = time.perf_counter()
    optima, energies = jax.block_until_ready(run(jax.random.PRNGKey(seed), arrays))
    energies = np.asarray(energies)
    if progress:
        print(
            f"[astrozoo] best of {starts} optimisations ({candidates} candidates, {time.perf_counter() - start:.2f} s): "
            f"-log p = {np.array2string(energies, precision=2)}",
            file=sys.stderr,
        )
    optima = {k: np.asarray(v) for k, v in optima.items()}
    return {k: v[0] for k, v in optima.items()}, optima, energies
