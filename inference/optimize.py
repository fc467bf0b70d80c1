"""Optimisation of a model's potential, −log p(θ, data), over its unconstrained parameters.

Every driver that optimises uses this module:

* :func:`unconstrained_potential`: the potential as a function of the
  flattened unconstrained vector u;
* :func:`potential_and_candidates`: the potential as a function of the
  flattened unconstrained vector u, and candidate starting points drawn by a
  NumPyro init strategy with their potentials (the multi-start search's first
  stage, vectorised);
* three local optimisers, each ``f(potential, u0, max_steps) -> (u, value, steps)``:
  :func:`adam` (fixed steps; robust far from a mode, one gradient per step;
  :func:`adam_steps` gives its steps one at a time, for a loop run in chunks),
  :func:`lbfgs` (many parameters) and :func:`newton` (few parameters, exact
  Hessian, quadratic convergence);
* :func:`multistart`: one optimiser run (vectorised) from the best candidates,
  the optima ranked by potential.

All of it is traced: the drivers jit it together with their own steps.
"""

import jax
import jax.numpy as jnp
import optax
from jax.flatten_util import ravel_pytree
from numpyro import handlers
from numpyro.infer import init_to_uniform
from numpyro.infer.util import initialize_model, unconstrain_fn

DECREMENT_TOLERANCE = 1e-8
"""Newton stops once gᵀH⁻¹g, the squared distance to the mode in posterior sd, is below this."""

GRADIENT_TOLERANCE = 1e-3
"""L-BFGS stops, and an optimum counts as converged, once every |∂(−log p)/∂u| is below this."""


def unconstrained_potential(model, arrays, init_strategy=init_to_uniform):
    """(potential, constrain, sites): −log p of ``model`` as a function of the flattened unconstrained
    vector u, the map from u to the constrained values of every latent and deterministic site, and
    the latent sites' unconstrained values at a point of ``init_strategy`` (their structure)."""
    info, potential_fn, postprocess_fn, _ = initialize_model(
        jax.random.PRNGKey(0), model, init_strategy=init_strategy, model_kwargs=arrays
    )
    _, unravel = ravel_pytree(info.z)
    return (lambda u: potential_fn(unravel(u))), (lambda u: postprocess_fn(unravel(u))), info.z


def potential_and_candidates(model, arrays, rng_key, candidates: int, init_strategy, refine=None):
    """The potential of ``model`` and ``candidates`` starting points scored by it.

    Candidates are the values ``init_strategy`` gives each latent site
    (``init_to_sample``: prior draws; ``init_to_uniform``: uniform in (−2, 2)
    unconstrained), without NumPyro's search for a valid point; they are
    scored in batches of 16, so that big data sets do not hold every
    candidate's intermediates at once. ``refine``, if given, moves each
    candidate before it is scored: ``refine(values, arrays) -> values``, on
    the constrained values of every latent and deterministic site (a model's
    own knowledge, such as :func:`astrozoo.models.sed.model.profile_flux_scale`).

    Returns:
        (points, energies, potential, constrain): the flattened unconstrained
        points, shape (candidates, d); −log p at each (+inf where not finite);
        the potential and the map to constrained values (:func:`unconstrained_potential`).
    """
    potential, constrain, sites = unconstrained_potential(model, arrays, init_strategy)

    def candidate(key):
        seeded = handlers.seed(model, rng_seed=key)
        trace = handlers.trace(handlers.substitute(seeded, substitute_fn=init_strategy)).get_trace(**arrays)
        u = ravel_pytree(unconstrain_fn(model, (), arrays, {k: trace[k]["value"] for k in sites}))[0]
        if refine is not None:
            values = refine(constrain(u), arrays)
            u = ravel_pytree(unconstrain_fn(model, (), arrays, {k: values[k] for k in sites}))[0]
        return u, potential(u)

    _, key_candidates = jax.random.split(rng_key)
    points, energies = jax.lax.map(candidate, jax.random.split(key_candidates, candidates), batch_size=16)
    return points, finite_or_inf(energies), potential, constrain


def finite_or_inf(value):
    """``value``, with +inf where it is not finite (a potential that cannot win a ranking)."""
    return jnp.where(jnp.isfinite(value), value, jnp.inf)


def adam_steps(potential, learning_rate: float = 0.05):
    """(init, step) of Adam (Kingma & Ba 2015, optax) on ``potential``: the state (u, optimiser state)
    at u0, and one step of it; a non-finite gradient counts as zero."""
    optimiser = optax.adam(learning_rate)

    def step(carry):
        u, state = carry
        gradient = jax.grad(potential)(u)
        updates, state = optimiser.update(jnp.where(jnp.isfinite(gradient), gradient, 0.0), state, u)
        return optax.apply_updates(u, updates), state

    return (lambda u0: (u0, optimiser.init(u0))), step


def adam(potential, u0, max_steps: int, learning_rate: float = 0.05):
    """Adam (:func:`adam_steps`) for exactly ``max_steps`` steps."""
    init, step = adam_steps(potential, learning_rate)
    u, _ = jax.lax.fori_loop(0, max_steps, lambda _, carry: step(carry), init(u0))
    return u, finite_or_inf(potential(u)), jnp.asarray(max_steps)


def lbfgs(potential, u0, max_steps: int):
    """L-BFGS with a zoom line search (Nocedal & Wright 2006, §7.2; optax), until every
    |gradient| < :data:`GRADIENT_TOLERANCE` or ``max_steps``."""
    optimiser = optax.lbfgs()
    value_and_grad = optax.value_and_grad_from_state(potential)

    def unfinished(carry):
        _, state, step = carry
        gradient = optax.tree.get(state, "grad")
        return (step < max_steps) & ~(jnp.max(jnp.abs(gradient)) < GRADIENT_TOLERANCE)

    def step(carry):
        u, state, count = carry
        value, gradient = value_and_grad(u, state=state)
        updates, state = optimiser.update(gradient, state, u, value=value, grad=gradient, value_fn=potential)
        return optax.apply_updates(u, updates), state, count + 1

    u, _, steps = jax.lax.while_loop(unfinished, step, step((u0, optimiser.init(u0), 0)))
    return u, finite_or_inf(potential(u)), steps


def newton(potential, u0, max_steps: int):
    """Minimise ``potential`` by Newton steps damped à la Levenberg–Marquardt, saddle-free.

    Each step solves (|H| + λ) δ = −g with the exact Hessian H, in units where
    diag|H| = 1 (so the damping is blind to each parameter's units); |H| has
    the absolute eigenvalues of H, so that every step descends, also where H
    is indefinite (Dauphin et al. 2014, NeurIPS 27). A step that does not
    raise the potential is taken and λ shrinks by 3, otherwise λ grows by 4
    (Marquardt 1963, SIAM J. Appl. Math. 11, 431). The steps stop once the
    Newton decrement gᵀH⁻¹g is below :data:`DECREMENT_TOLERANCE`, a test that
    holds where −log p is only known to rounding (quadratures with moving
    nodes). For a few parameters: each trial point gets value, gradient and
    Hessian in one evaluation (d Jacobian-vector products of the gradient).

    Returns:
        (u, potential(u), steps taken).
    """

    def unfinished(carry):
        (_, _, gradient, hessian), _, _, step = carry
        return (step < max_steps) & ~(newton_decrement(gradient, hessian) < DECREMENT_TOLERANCE)

    def newton_step(carry):
        best, trial, damping, step = carry
        value, gradient, hessian = value_gradient_hessian(potential, trial)
        candidate = (trial, value, gradient, hessian)
        better = jnp.isfinite(value) & (value <= best[1]) & jnp.all(jnp.isfinite(gradient))
        best = jax.tree.map(lambda new, old: jnp.where(better, new, old), candidate, best)
        damping = jnp.where(better, damping / 3, damping * 4)
        u, _, gradient, hessian = best
        scale = 1 / jnp.sqrt(jnp.maximum(jnp.abs(jnp.diag(hessian)), 1e-12))
        eigenvalues, vectors = jnp.linalg.eigh(scale[:, None] * hessian * scale)
        scaled_step = vectors @ ((vectors.T @ (scale * gradient)) / (jnp.abs(eigenvalues) + damping))
        return best, u - scale * scaled_step, damping, step + 1

    d = u0.size
    nowhere = (u0, jnp.asarray(jnp.inf, u0.dtype), jnp.full(d, jnp.inf, u0.dtype), jnp.eye(d, dtype=u0.dtype))
    # The first pass evaluates u0 itself (any finite value beats +inf) and makes the first step.
    first = newton_step((nowhere, u0, jnp.asarray(3e-3, u0.dtype), -1))
    (u, value, _, _), _, _, steps = jax.lax.while_loop(unfinished, newton_step, first)
    return u, value, steps


def newton_decrement(gradient, hessian):
    """gᵀH⁻¹g: the squared distance to the mode of the local quadratic, in its standard deviations."""
    return jnp.abs(gradient @ jnp.linalg.solve(hessian, gradient))


def value_gradient_hessian(potential, u):
    """Potential, gradient and (symmetrised) Hessian at ``u``: one linearisation, d Jacobian-vector products."""
    (value, gradient), tangent = jax.linearize(jax.value_and_grad(potential), u)
    hessian = jax.vmap(lambda e: tangent(e)[1])(jnp.eye(u.size, dtype=u.dtype))
    return value, gradient, 0.5 * (hessian + hessian.T)


OPTIMISERS = {"adam": adam, "lbfgs": lbfgs, "newton": newton}


def multistart(optimiser, potential, points, energies, searches: int, max_steps: int):
    """Run ``optimiser`` (vectorised) from the ``searches`` lowest-energy ``points``.

    Returns:
        (optima, values, steps), ranked by increasing potential.
    """
    chosen = points[jnp.argsort(energies)[:searches]]
    optima, values, steps = jax.vmap(lambda u: optimiser(potential, u, max_steps))(chosen)
    order = jnp.argsort(values)
    return optima[order], values[order], steps[order]
