"""Where NUTS chains start: the declared starts of the problems.

* ``"prior"``: NumPyro's ``init_to_uniform`` in each chain (nothing to compute).
* ``"prior-median"``: each latent site at the median of 15 prior draws
  (``init_to_median``), for models with many latent variables whose uniform
  start lies far out (a latent distance per star, say).
* ``"best-of-optima"`` (:func:`best_of_optimisations`): on posteriors with
  secondary modes, every chain starts at the best of many Adam optimisations.
* ``"laplace"`` (:func:`laplace_start`): on unimodal posteriors of a few
  parameters, overdispersed draws from the Laplace approximation at the mode,
  whose covariance is also NUTS's dense inverse mass matrix, so that the
  warm-up only tunes the step size.

:func:`chain_starts` turns a declared start into keyword arguments of
:func:`astrozoo.inference.nuts`.
"""

import functools
import logging
import time
import warnings

import jax
import jax.numpy as jnp
import numpy as np
from numpyro.infer import init_to_median, init_to_sample, init_to_uniform

from astrozoo.inference.compiled import exported_program, program_fingerprint
from astrozoo.inference.diagnostics import ConvergenceWarning
from astrozoo.inference.laplace import (
    is_positive_definite,
    laplace_approximation,
    laplace_covariance,
    laplace_draws,
)
from astrozoo.inference.chunked import Phase, run_chunks
from astrozoo.inference.optimize import (
    DECREMENT_TOLERANCE,
    adam_steps,
    finite_or_inf,
    multistart,
    newton,
    potential_and_candidates,
    unconstrained_potential,
)
from astrozoo.inference.prepared import prepare, rng_key
from astrozoo.inference.progress import progress_bar

log = logging.getLogger("astrozoo")

STARTS = ("prior", "prior-median", "best-of-optima", "laplace")


def _latent(structure, values: dict) -> dict:
    return {k: np.asarray(v) for k, v in values.items() if k in structure.latent}


@functools.lru_cache(maxsize=32)
def _optima_programs(model, candidates: int, starts: int, learning_rate: float):
    """Jitted programs of the search: begin (score the candidates, Adam's state at the ``starts``
    best), advance (a traced number of Adam steps of every search) and finish (optima ranked)."""

    def begin(rng_key, arrays):
        points, energies, potential, _ = potential_and_candidates(model, arrays, rng_key, candidates, init_to_uniform)
        init, _ = adam_steps(potential, learning_rate)
        return jax.vmap(init)(points[jnp.argsort(energies)[:starts]])

    def advance(searches, arrays, count):
        _, step = adam_steps(unconstrained_potential(model, arrays)[0], learning_rate)
        return jax.lax.fori_loop(0, count, lambda _, carry: jax.vmap(step)(carry), searches)

    def finish(searches, arrays):
        potential, constrain, _ = unconstrained_potential(model, arrays)
        optima = searches[0]
        values = finite_or_inf(jax.vmap(potential)(optima))
        order = jnp.argsort(values)
        return jax.vmap(constrain)(optima[order]), values[order]

    return jax.jit(begin), jax.jit(advance), jax.jit(finish)


def best_of_optimisations(
    model, *args, candidates: int = 1024, starts: int = 32, max_steps: int = 300, learning_rate: float = 0.05,
    seed: int = 0, progress: bool = True, **model_kwargs,
):
    """The highest-density point found by Adam from the best of many random starting points.

    ``candidates`` points drawn uniformly in the unconstrained space
    (``init_to_uniform``) are scored in one vectorised pass; Adam
    (:func:`~astrozoo.inference.optimize.adam`, ``max_steps`` steps of size
    ``learning_rate``) then runs from the ``starts`` best, vectorised, and the
    optima are ranked by −log p. Starting every chain from the top optimum
    puts them all in the main mode; the spread of the optima shows how
    multimodal the posterior is.

    Args:
        model: a NumPyro model function.
        *args, **model_kwargs: the model's arguments, observations included.
        candidates: random points scored before optimising.
        starts: optimisations run from the best-scored candidates.
        max_steps: Adam steps per optimisation.
        learning_rate: Adam's step size in the unconstrained space.
        seed: random seed.
        progress: show a progress bar of the Adam steps (the optima do not
            depend on it) and log the best −log p found and the time taken.

    Returns:
        (best, optima, energies): the constrained values of the latent sites at
        the best optimum; the same at every optimum, stacked on a leading axis
        in order of increasing −log p; and those −log p values.
    """
    if int(starts) < 1 or int(candidates) < int(starts):
        raise ValueError(f"need 1 <= starts <= candidates, got starts={starts}, candidates={candidates}")
    call = prepare(model, args, model_kwargs)
    begin, advance, finish = _optima_programs(call.bound, int(candidates), int(starts), float(learning_rate))
    start = time.perf_counter()
    searches = begin(rng_key(seed), call.arrays)
    if progress:
        with progress_bar(int(max_steps), desc=f"Adam, {starts} searches", unit="step") as bar:
            searches = run_chunks(lambda c, n: advance(c, call.arrays, n), searches, [Phase(int(max_steps), "")], bar)
    else:
        searches = advance(searches, call.arrays, np.int64(max_steps))
    optima, energies = jax.device_get(finish(searches, call.arrays))
    if progress:
        log.info("best of %d optimisations (%d candidates, %.2f s): -log p = %s", starts, candidates,
                 time.perf_counter() - start, np.array2string(energies[:4], precision=2))
    optima = _latent(call.structure, optima)
    return {k: v[0] for k, v in optima.items()}, optima, energies


@functools.lru_cache(maxsize=32)
def _laplace_program(model, chains, candidates, searches, max_steps, init_strategy, refine):
    def run(rng_key, overdispersion, arrays):
        key_candidates, key_starts = jax.random.split(rng_key)
        points, energies, potential, constrain = potential_and_candidates(
            model, arrays, key_candidates, candidates, init_strategy, refine
        )
        optima, _, steps = multistart(newton, potential, points, energies, searches, max_steps)
        laplace = laplace_approximation(potential, optima[0])
        positive = is_positive_definite(laplace)
        starts = laplace_draws(key_starts, laplace, chains, widen=overdispersion)
        starts = jnp.where(positive, starts, laplace.mode)  # no Gaussian to draw from: the point itself
        return jax.vmap(constrain)(starts), laplace_covariance(laplace), positive, laplace.value, laplace.decrement, steps[0]

    return jax.jit(run)


def laplace_start(
    model, *args, chains: int, overdispersion: float = 2.0, candidates: int = 256, searches: int = 4,
    max_steps: int = 100, seed: int = 0, init_strategy=init_to_sample, refine=None, progress: bool = True,
    **model_kwargs,
):
    """Chain starting points and a dense inverse mass matrix from the Laplace approximation.

    Damped Newton searches (:func:`~astrozoo.inference.optimize.newton`,
    vectorised) from the ``searches`` most probable of ``candidates`` points
    drawn by ``init_strategy`` (by default from the prior) find the modes they
    lead to; the highest, u*, is kept (several searches guard against a
    secondary optimum, such as a mixture whose component has emptied). The
    chains start at draws from N(u*, overdispersion² H⁻¹), so that r_hat can
    still detect chains that have not forgotten their starts, and H⁻¹ serves
    NUTS as its inverse mass matrix.

    Args:
        model: a NumPyro model function.
        *args, **model_kwargs: the model's arguments, observations included.
        chains: number of starting points.
        overdispersion: how many times wider than the Laplace Gaussian the starts are spread.
        candidates: random points scored.
        searches: Newton searches, from the best-scored candidates.
        max_steps: Newton steps at most.
        seed: random seed.
        init_strategy: NumPyro init strategy that draws the candidates
            (``init_to_sample``: prior draws; needs proper priors).
        refine: optional ``refine(values, arrays) -> values`` that moves each
            candidate before it is scored (see
            :func:`~astrozoo.inference.optimize.potential_and_candidates`).
        progress: log the mode's −log p, the steps and the time taken.

    Returns:
        (init_params, inverse_mass_matrix): site name -> constrained starting
        values with a leading axis of length ``chains``, and H⁻¹, (d, d) over
        the flattened unconstrained latent vector (sites in alphabetical
        order). H⁻¹ is None when H is not positive definite at the point
        reached (a ConvergenceWarning says so); the chains then all start there.
    """
    for name, value in (("chains", chains), ("searches", searches)):
        if int(value) < 1:
            raise ValueError(f"{name} must be >= 1, got {value}")
    if int(candidates) < int(searches):
        raise ValueError(f"need candidates >= searches, got candidates={candidates}, searches={searches}")
    if not overdispersion > 0:
        raise ValueError(f"overdispersion must be > 0, got {overdispersion}")
    call = prepare(model, args, model_kwargs)
    settings = (int(chains), int(candidates), int(searches), int(max_steps), init_strategy, refine)
    inputs = (rng_key(seed), jnp.asarray(float(overdispersion)), call.arrays)
    run = exported_program(_laplace_program(call.bound, *settings), inputs,
                           program_fingerprint(call.bound, settings), {})
    start = time.perf_counter()
    starts, covariance, positive, value, decrement, steps = jax.block_until_ready(run(*inputs))
    if progress:
        log.info("Laplace start (%d Newton steps, %.2f s): -log p = %.3f, Newton decrement = %.1e",
                 int(steps), time.perf_counter() - start, float(value), float(decrement))
    if not float(decrement) < DECREMENT_TOLERANCE:
        warnings.warn(f"Newton steps stopped after {int(steps)} steps short of the mode (Newton decrement "
                      f"{float(decrement):.1e}); raise max_steps", ConvergenceWarning, stacklevel=2)
    starts = _latent(call.structure, starts)
    if not bool(positive):
        warnings.warn("the Hessian at the point reached is not positive definite: no inverse mass matrix, "
                      "starting points from the point itself", ConvergenceWarning, stacklevel=2)
        return starts, None
    return starts, np.asarray(covariance)


def chain_starts(start: str, model, *args, chains: int, seed: int = 0, refine=None, progress: bool = True,
                 **model_kwargs) -> dict:
    """Keyword arguments of :func:`~astrozoo.inference.nuts` that start its chains as declared.

    Args:
        start: one of :data:`STARTS`.
        model, *args, **model_kwargs: the model and its arguments, observations included.
        chains: number of chains.
        seed, progress: as for the search.
        refine: for ``"laplace"``, moves each candidate before it is scored
            (:func:`laplace_start`).

    Returns:
        {} for ``"prior"``; ``init_strategy=init_to_median`` for
        ``"prior-median"``; ``init_params`` (every chain at the best optimum)
        for ``"best-of-optima"``; ``init_params``, ``inverse_mass_matrix``,
        ``dense_mass=True`` and ``adapt_mass_matrix=False`` for ``"laplace"``
        (only ``init_params`` when the Hessian is not positive definite).
    """
    if start not in STARTS:
        raise ValueError(f"start must be one of {STARTS}, got {start!r}")
    if start == "prior":
        return {}
    if start == "prior-median":
        return {"init_strategy": init_to_median}
    if start == "best-of-optima":
        best, _, _ = best_of_optimisations(model, *args, seed=seed, progress=progress, **model_kwargs)
        return {"init_params": {k: np.repeat(v[None], chains, axis=0) for k, v in best.items()}}
    init, inverse_mass_matrix = laplace_start(model, *args, chains=chains, seed=seed, refine=refine,
                                              progress=progress, **model_kwargs)
    if inverse_mass_matrix is None:
        return {"init_params": init}
    return {"init_params": init, "inverse_mass_matrix": inverse_mass_matrix, "dense_mass": True,
            "adapt_mass_matrix": False}
