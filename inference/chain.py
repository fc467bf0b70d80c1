"""One NUTS chain in three traced pieces: begin, advance, finish.

:func:`begin` finds the starting point and initialises the sampler state,
:func:`advance` runs NUTS transitions (Hoffman & Gelman 2014, with NumPyro's
windowed step-size and mass-matrix adaptation during the first
``settings.warmup`` of them) and records each draw, :func:`finish` maps the
draws to the constrained space and computes the pointwise log-likelihood.
:func:`one_chain` chains the three in one traced function: the NUTS driver
compiles it as one program when it shows no progress bar, and SBC and
catalogue fits run it inside theirs; with a bar the driver compiles the three
as separate programs and runs :func:`advance` in chunks.
"""

import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp
from numpyro.infer.hmc import hmc
from numpyro.infer.util import ParamInfo, constrain_fn, initialize_model, log_likelihood, potential_energy, unconstrain_fn

from astrozoo.inference.chunked import Recording, record, recording


class NutsSettings(NamedTuple):
    """The settings of one NUTS chain (hashable: a key of compiled programs).

    Attributes:
        warmup: adaptation transitions, discarded (>= 0).
        draws: kept transitions (>= 1).
        target_accept: target mean acceptance probability of the step-size
            adaptation (dual averaging), in (0, 1).
        dense_mass: adapt a dense (True) or diagonal (False) mass matrix.
        max_tree_depth: largest tree depth, at most 2**depth - 1 leapfrog steps (>= 1).
        adapt_mass_matrix: adapt the mass matrix during warm-up (the step size
            is always adapted); False keeps the starting inverse mass matrix.
    """

    warmup: int = 1000
    draws: int = 1000
    target_accept: float = 0.8
    dense_mass: bool = False
    max_tree_depth: int = 10
    adapt_mass_matrix: bool = True

    def checked(self) -> "NutsSettings":
        """These settings as plain Python numbers; ValueError naming any out-of-range setting."""
        if int(self.warmup) < 0:
            raise ValueError(f"warmup must be >= 0, got {self.warmup}")
        if int(self.draws) < 1:
            raise ValueError(f"draws must be >= 1, got {self.draws}")
        if not 0 < float(self.target_accept) < 1:
            raise ValueError(f"target_accept must be in (0, 1), got {self.target_accept}")
        if int(self.max_tree_depth) < 1:
            raise ValueError(f"max_tree_depth must be >= 1, got {self.max_tree_depth}")
        return NutsSettings(
            int(self.warmup), int(self.draws), float(self.target_accept), bool(self.dense_mass),
            int(self.max_tree_depth), bool(self.adapt_mass_matrix),
        )


def _kernel(model, settings: NutsSettings, arrays: dict, position, rng_key, inverse_mass_matrix=None):
    """(NUTS state at ``position``, transition function) for ``model`` given its array arguments."""
    init_kernel, sample_kernel = hmc(functools.partial(potential_energy, model, (), arrays), algo="NUTS")
    state = init_kernel(
        position,
        num_warmup=settings.warmup,
        target_accept_prob=settings.target_accept,
        dense_mass=settings.dense_mass,
        inverse_mass_matrix=inverse_mass_matrix,
        adapt_mass_matrix=settings.adapt_mass_matrix,
        max_tree_depth=settings.max_tree_depth,
        rng_key=rng_key,
    )
    return state, sample_kernel


def _record(state):
    """What is kept of a transition: the unconstrained position and the sample statistics."""
    stats = {
        "diverging": state.diverging,
        "energy": state.energy,
        "n_steps": state.num_steps,
        "step_size": state.adapt_state.step_size,
        "acceptance_rate": state.accept_prob,
        "lp": -state.potential_energy,
    }
    return state.z, stats


def begin(model, settings: NutsSettings, init_strategy, start: dict, arrays: dict) -> Recording:
    """One chain before its first transition: a :class:`~astrozoo.inference.chunked.Recording` whose
    state is (NUTS state, warm-up gradient evaluations so far) and whose buffer has a slot per kept draw.

    Args:
        model: a NumPyro model whose non-array arguments are fixed.
        settings: the chain's settings.
        init_strategy: a NumPyro init strategy for the starting point.
        start: ``rng_key``, and optionally ``init`` (constrained values of latent
            sites, which replace the init strategy's point for those sites) and
            ``inverse_mass_matrix`` (of the flattened unconstrained latent vector,
            sites in alphabetical order).
        arrays: the model's array arguments.
    """
    key_init, key_run = jax.random.split(start["rng_key"])
    z = initialize_model(key_init, model, init_strategy=init_strategy, model_kwargs=arrays)[0].z
    if "init" in start:
        given = {k: v for k, v in start["init"].items() if k in z}
        z = z | unconstrain_fn(model, (), arrays, given)
    state, _ = _kernel(model, settings, arrays, z, key_run, start.get("inverse_mass_matrix"))
    return recording((state, jnp.zeros((), jnp.result_type(int))), _record(state), settings.draws)


def advance(model, settings: NutsSettings, chain: Recording, arrays: dict, count) -> Recording:
    """``chain`` after ``count`` more NUTS transitions (a Python or traced integer).

    Each transition's unconstrained position and sample statistics are
    recorded (:func:`~astrozoo.inference.chunked.record`), those of warm-up
    overwriting the first slot; the leapfrog steps of warm-up transitions are
    counted in the state.
    """
    state, _ = chain.state
    here = ParamInfo(state.z, state.potential_energy, state.z_grad)
    _, transition = _kernel(model, settings, arrays, here, state.rng_key, state.adapt_state.inverse_mass_matrix)

    def step(carry):
        s, warmup_steps = carry
        s = transition(s)
        in_warmup = s.i <= settings.warmup  # s.i counts the transitions done, this one included
        return (s, warmup_steps + jnp.where(in_warmup, s.num_steps, 0).astype(warmup_steps.dtype)), _record(s)

    return record(step, chain, count, first=settings.warmup)


def finish(model, chain: Recording, arrays: dict, with_log_likelihood: bool = True):
    """(Constrained draws with deterministic sites, sample stats, pointwise log-likelihood or None) of a
    finished chain. The sample stats are per draw, except ``warmup_n_steps``: the chain's leapfrog
    steps (gradient evaluations) in warm-up."""
    z, stats = chain.records
    samples = jax.vmap(functools.partial(constrain_fn, model, (), arrays, return_deterministic=True))(z)
    stats = stats | {"warmup_n_steps": chain.state[1]}
    if not with_log_likelihood:
        return samples, stats, None
    return samples, stats, log_likelihood(model, samples, batch_ndims=1, **arrays)


def one_chain(model, settings: NutsSettings, init_strategy, with_log_likelihood: bool = True):
    """A function (start, arrays) -> (constrained draws, sample stats, pointwise log-likelihood) for one chain.

    ``start`` is as in :func:`begin`, the outputs as in :func:`finish`. The
    warm-up transitions and the ``settings.draws`` kept ones run in one loop;
    the log-likelihood is None when ``with_log_likelihood`` is False.
    """
    settings = settings.checked()

    def run(start, arrays):
        chain = begin(model, settings, init_strategy, start, arrays)
        chain = advance(model, settings, chain, arrays, settings.warmup + settings.draws)
        return finish(model, chain, arrays, with_log_likelihood)

    return run
