"""Starting points for samplers.

* :func:`best_of_optimisations`: on posteriors with secondary modes, the best of
  many optimisations, where every chain can start.
* :func:`laplace_start`: on unimodal posteriors of a few parameters, the
  Laplace approximation at the mode, which gives both overdispersed starting
  points and a dense inverse mass matrix, so that NUTS needs only a short
  warm-up to tune its step size.
"""

import functools
import sys
import time
import warnings

import jax
import jax.numpy as jnp
import numpy as np
from jax.flatten_util import ravel_pytree
from numpyro import handlers
from numpyro.infer import init_to_sample, init_to_uniform
from numpyro.infer.util import initialize_model, unconstrain_fn

from astrozoo.inference.compiled import (
    bind_arguments,
    exported_program,
    program_fingerprint,
    split_arguments,
    with_static,
)
from astrozoo.inference.diagnostics import ConvergenceWarning


def scored_candidates(model, arrays, rng_key, candidates, init_strategy):
    """Random starting points of ``model`` and their potential energies, vectorised in batches of 16.

    Returns (points, energies, potential, constrain): the flattened
    unconstrained points, shape (candidates, d), drawn by ``init_strategy``;
    −log p at each (+inf where not finite); the potential and the map to
    constrained values (all sites) of one flattened point.
    """
    key_init, key_candidates = jax.random.split(rng_key)
    info, potential_fn, postprocess_fn, _ = initialize_model(
        key_init, model, init_strategy=init_strategy, model_kwargs=arrays
    )
    _, unravel = ravel_pytree(info.z)
    potential = lambda u: potential_fn(unravel(u))  # noqa: E731
    constrain = lambda u: {k: v for k, v in postprocess_fn(unravel(u)).items() if k in info.z}  # noqa: E731

    def candidate(key):
        # The init strategy's values, without initialize_model's search for a valid point.
        seeded = handlers.seed(model, rng_seed=key)
        trace = handlers.trace(handlers.substitute(seeded, substitute_fn=init_strategy)).get_trace(**arrays)
        values = {k: trace[k]["value"] for k in info.z}
        u = ravel_pytree(unconstrain_fn(model, (), arrays, values))[0]
        return u, potential(u)

    # In batches: all candidates at once would hold every candidate's intermediates (GBs for big data).
    points, energies = jax.lax.map(candidate, jax.random.split(key_candidates, candidates), batch_size=16)
    return points, jnp.where(jnp.isfinite(energies), energies, jnp.inf), potential, constrain


@functools.lru_cache(maxsize=32)
def _program(model, candidates, starts, max_steps, learning_rate):
    def run(rng_key, arrays):
        points, energies, potential, constrain = scored_candidates(
            model, arrays, rng_key, candidates, init_to_uniform
        )
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
        return jax.vmap(constrain)(optima[order]), values[order]

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


DECREMENT_TOLERANCE = 1e-8  # the mode is found when gᵀH⁻¹g, the squared distance to it in posterior sd, is below this


def newton_mode(potential, u0, max_steps):
    """Minimise ``potential`` from ``u0`` by Newton steps damped à la Levenberg–Marquardt.

    Each step solves (|H| + λ) δ = −g with the exact Hessian H, in units where
    diag|H| = 1 (so that the damping is blind to the units of each
    parameter); |H| has the absolute eigenvalues of H, so that every step
    descends, also where H is indefinite (saddle-free Newton: Dauphin et al.
    2014, NeurIPS 27). A step that does not raise the potential is taken and λ
    shrinks by 3, otherwise λ grows by 4 (Marquardt 1963, SIAM J. Appl. Math.
    11, 431). The steps stop once the Newton decrement gᵀH⁻¹g (the squared
    distance to the mode in units of the Laplace standard deviations) is below
    :data:`DECREMENT_TOLERANCE`, a test that holds where −log p is only known
    to rounding (quadratures with moving nodes). For posteriors of a few
    parameters, where the Hessian is cheap: every trial point gets its value,
    gradient and Hessian in one evaluation, so that the compiled program holds
    a single copy of the model.

    Returns (u, potential(u), its Hessian, Newton decrement at u, steps taken).
    """

    def decrement(gradient, hessian):
        return jnp.abs(gradient @ jnp.linalg.solve(hessian, gradient))

    def unfinished(carry):
        (_, _, gradient, hessian), _, _, step = carry
        return (step < max_steps) & ~(decrement(gradient, hessian) < DECREMENT_TOLERANCE)

    def newton_step(carry):
        best, trial, damping, step = carry
        (value, gradient), tangent = jax.linearize(jax.value_and_grad(potential), trial)
        hessian = jax.vmap(lambda e: tangent(e)[1])(jnp.eye(trial.size, dtype=trial.dtype))
        candidate = (trial, value, gradient, 0.5 * (hessian + hessian.T))
        better = jnp.isfinite(value) & (value <= best[1]) & jnp.all(jnp.isfinite(gradient))
        best = jax.tree.map(lambda new, old: jnp.where(better, new, old), candidate, best)
        damping = jnp.where(better, damping / 3, damping * 4)
        u, _, gradient, hessian = best
        # In units where diag|H| = 1, step along −(|H| + λ)⁻¹ g, |H| = V|Λ|Vᵀ: a descent
        # direction even where H is indefinite, pushed away from saddles rather than onto them.
        scale = 1 / jnp.sqrt(jnp.maximum(jnp.abs(jnp.diag(hessian)), 1e-12))
        eigenvalues, vectors = jnp.linalg.eigh(scale[:, None] * hessian * scale)
        scaled_step = vectors @ ((vectors.T @ (scale * gradient)) / (jnp.abs(eigenvalues) + damping))
        trial = u - scale * scaled_step
        return best, trial, damping, step + 1

    d = u0.size
    nowhere = (u0, jnp.asarray(jnp.inf, u0.dtype), jnp.full(d, jnp.inf, u0.dtype), jnp.eye(d, dtype=u0.dtype))
    # The first pass evaluates u0 itself (any finite value beats +inf) and makes the first step.
    first = newton_step((nowhere, u0, jnp.asarray(3e-3, u0.dtype), -1))
    (u, value, gradient, hessian), _, _, steps = jax.lax.while_loop(unfinished, newton_step, first)
    return u, value, hessian, decrement(gradient, hessian), steps


@functools.lru_cache(maxsize=32)
def _laplace_program(model, chains, candidates, searches, max_steps, init_strategy):
    def run(rng_key, overdispersion, arrays):
        key_candidates, key_starts = jax.random.split(rng_key)
        points, energies, potential, constrain = scored_candidates(
            model, arrays, key_candidates, candidates, init_strategy
        )
        found = jax.vmap(lambda u: newton_mode(potential, u, max_steps))(points[jnp.argsort(energies)[:searches]])
        values = jnp.where(jnp.isfinite(found[1]), found[1], jnp.inf)
        mode, value, hessian, distance, steps = jax.tree.map(lambda a: a[jnp.argmin(values)], found)
        covariance = jnp.linalg.inv(hessian)
        covariance = 0.5 * (covariance + covariance.T)
        # u = u* + c Lz with L Lᵀ = H⁻¹, z ~ N(0, I): the Laplace Gaussian widened c times.
        noise = jax.random.normal(key_starts, (chains, mode.size))
        starts = mode + overdispersion * noise @ jnp.linalg.cholesky(covariance).T
        starts = jnp.where(jnp.all(jnp.isfinite(starts)), starts, mode)  # H not positive definite: the point itself
        return jax.vmap(constrain)(starts), covariance, value, distance, steps

    return jax.jit(run)


def laplace_start(
    model, *args, chains: int, overdispersion: float = 2.0, candidates: int = 256, searches: int = 4,
    max_steps: int = 100, seed: int = 0, init_strategy=init_to_sample, progress: bool = True, **model_kwargs,
):
    """Chain starting points and a dense inverse mass matrix from the Laplace approximation.

    Damped Newton steps (:func:`newton_mode`, vectorised) from the
    ``searches`` most probable of ``candidates`` points drawn by
    ``init_strategy`` (by default from the prior) find the modes they lead to
    in the unconstrained space; the highest, u*, is kept, and H is the Hessian
    of −log p there. Several searches guard against a secondary optimum (a
    mixture whose component has emptied, say). The chains start at draws from
    N(u*, overdispersion² H⁻¹), so that r_hat can still detect chains that have
    not forgotten their starts, and H⁻¹ serves NUTS as its inverse mass matrix.
    For unimodal posteriors of a few parameters: the Hessian costs d
    gradient evaluations.

    Args:
        model: a NumPyro model function.
        *args, **model_kwargs: the model's arguments, observations included.
        chains: number of starting points.
        overdispersion: how many times wider than the Laplace Gaussian the
            starting points are spread.
        candidates: random points scored.
        searches: Newton searches, from the best-scored candidates.
        max_steps: Newton steps at most.
        seed: random seed.
        init_strategy: NumPyro init strategy that draws the candidates
            (``init_to_sample``: prior draws; needs proper priors).
        progress: print the mode's -log p, the steps and the time taken.

    Returns:
        (init_params, inverse_mass_matrix): site name -> constrained starting
        values with a leading axis of length ``chains``, and H⁻¹, (d, d) over
        the flattened unconstrained latent vector (sites in alphabetical
        order), for ``nuts(..., init_params=..., inverse_mass_matrix=...,
        dense_mass=True)``. H⁻¹ is None when H is not positive definite at the
        point reached (a ConvergenceWarning says so).
    """
    for name, value in (("chains", chains), ("searches", searches)):
        if int(value) < 1:
            raise ValueError(f"{name} must be >= 1, got {value}")
    if int(candidates) < int(searches):
        raise ValueError(f"need candidates >= searches, got candidates={candidates}, searches={searches}")
    if not overdispersion > 0:
        raise ValueError(f"overdispersion must be > 0, got {overdispersion}")
    named = bind_arguments(model, args, model_kwargs)
    arrays, static = split_arguments(named)
    bound = with_static(model, static)
    settings = (int(chains), int(candidates), int(searches), int(max_steps), init_strategy)
    args = (jax.random.PRNGKey(seed), jnp.asarray(float(overdispersion)), arrays)
    run = exported_program(_laplace_program(bound, *settings), args, program_fingerprint(bound, settings), {})
    start = time.perf_counter()
    starts, covariance, value, distance, steps = jax.block_until_ready(run(*args))
    if progress:
        print(
            f"[astrozoo] Laplace start ({int(steps)} Newton steps, {time.perf_counter() - start:.2f} s): "
            f"-log p = {float(value):.3f}, Newton decrement = {float(distance):.1e}",
            file=sys.stderr,
        )
    if not float(distance) < DECREMENT_TOLERANCE:
        warnings.warn(
            f"Newton steps stopped after {int(steps)} steps short of the mode (Newton decrement {float(distance):.1e}); "
            "raise max_steps", ConvergenceWarning, stacklevel=2,
        )
    covariance = np.asarray(covariance)
    if not (np.all(np.isfinite(covariance)) and np.all(np.linalg.eigvalsh(covariance) > 0)):
        warnings.warn(
            "the Hessian at the point reached is not positive definite: no inverse mass matrix, "
            "starting points from the point itself", ConvergenceWarning, stacklevel=2,
        )
        return {k: np.asarray(v) for k, v in starts.items()}, None
    return {k: np.asarray(v) for k, v in starts.items()}, covariance
