"""Simulation-based calibration (Talts et al. 2018, arXiv:1804.06788).

For each replication a parameter set θ* is drawn from the prior and a data set
from the model given θ*; NUTS then samples the posterior given that data set.
If the inference is right, the rank of θ* among L (thinned) posterior draws is
uniform on {0, ..., L}. One compiled program simulates every data set; a
second fits a block of replications, split over the host's devices (one after
the other on each CPU device, vectorised on a GPU), and is called block after
block while a progress bar advances.
"""

import functools
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np
from numpyro.infer import Predictive, init_to_uniform
from scipy import stats

from astrozoo.inference.chain import NutsSettings, one_chain
from astrozoo.inference.chunked import Phase, run_chunks
from astrozoo.inference.mcmc import over_devices
from astrozoo.inference.prepared import prepare, rng_key
from astrozoo.inference.progress import progress_bar


@dataclass(frozen=True)
class SBCResult:
    """Ranks of the true values and their uniformity test.

    Attributes:
        ranks: parameter -> ranks, shape (replications,) + the parameter's shape.
        n_draws: L, the number of thinned posterior draws; ranks lie in 0..L.
        p_values: parameter -> p-value of a χ² test of uniform ranks (each
            component of a vector parameter tested, the smallest reported).
        bins: number of equal-width rank bins used by the χ² test.
        divergences: number of divergent transitions over all replications.
    """

    ranks: dict
    n_draws: int
    p_values: dict
    bins: int
    divergences: int

    def uniform(self, alpha: float = 0.001) -> bool:
        """True when no parameter's ranks reject uniformity at level alpha (Bonferroni over parameters)."""
        return min(self.p_values.values()) > alpha / len(self.p_values)


def rank_uniformity_pvalue(ranks: np.ndarray, n_draws: int, bins: int) -> float:
    """χ² test that integer ranks in 0..n_draws are uniform, in ``bins`` equal bins.

    Needs (n_draws + 1) divisible by ``bins`` so that every bin spans the same
    number of rank values.
    """
    if (n_draws + 1) % bins:
        raise ValueError(f"bins={bins} must divide n_draws + 1 = {n_draws + 1}")
    counts = np.bincount(np.asarray(ranks) * bins // (n_draws + 1), minlength=bins)
    return float(stats.chisquare(counts).pvalue)


@functools.lru_cache(maxsize=16)
def _simulator(model, replications: int, simulated: tuple, truths: tuple):
    """A program rng_key, arrays -> (fit keys, simulated data sets, true values), one of each per replication."""

    def simulate(rng_key, arrays):
        key_prior, key_fit = jax.random.split(rng_key)
        truth = Predictive(model, num_samples=replications)(key_prior, **arrays)
        keys = jax.random.split(key_fit, replications)
        return keys, {s: truth[s] for s in simulated}, {p: truth[p] for p in truths}

    return jax.jit(simulate)


def _block_size(replications: int) -> int:
    """Replications fitted per program call: one per device on a CPU, about a tenth on a GPU (dividing evenly)."""
    devices = max(d for d in range(1, min(replications, jax.local_device_count()) + 1) if replications % d == 0)
    per_device = replications // devices
    if jax.default_backend() != "gpu":
        return devices
    return devices * max(k for k in range(1, max(1, per_device // 10) + 1) if per_device % k == 0)


@functools.lru_cache(maxsize=16)
def _fitter(model, block: int, settings: NutsSettings, thin: int, params: tuple, starts: tuple):
    """A program (keys, data sets, truths), arrays -> (ranks, divergences) for ``block`` replications."""
    chain = one_chain(model, settings, init_to_uniform, with_log_likelihood=False)

    def replicate(per_rep, shared):
        # Ranks and divergences per replication, so that the devices never wait on
        # each other: replications take very different times, and a cross-device
        # reduction would leave the first device to finish waiting (and timing out).
        key, data, true = per_rep
        start = {"rng_key": key} | ({"init": {s: true[s] for s in starts}} if starts else {})
        samples, sample_stats, _ = chain(start, shared | data)
        ranks = {p: jnp.sum(samples[p][::thin] < true[p], axis=0) for p in params}
        return ranks, jnp.sum(sample_stats["diverging"])

    # On a GPU the replications of a device run in lock-step (vmap); on a CPU one after
    # the other, so that one replication's deep trees do not hold up the rest.
    if jax.default_backend() == "gpu":
        each = jax.vmap(replicate, in_axes=((0, 0, 0), None))
    else:
        each = lambda per_rep, shared: jax.lax.map(lambda r: replicate(r, shared), per_rep)  # noqa: E731
    mapped, shardings = over_devices(each, block)
    return jax.jit(mapped, **shardings)


def sbc(
    model,
    *args,
    params,
    replications: int = 100,
    warmup: int = 500,
    draws: int = 99,
    thin: int = 5,
    target_accept: float = 0.8,
    bins: int = 10,
    seed: int = 0,
    start_at_truth: bool = False,
    progress: bool = True,
    **model_kwargs,
) -> SBCResult:
    """Simulation-based calibration of ``model``'s NUTS posterior for ``params``.

    Args:
        model: a NumPyro model function.
        *args, **model_kwargs: its arguments with the observations set to None
            (e.g. ``y=None``); the sites left unobserved that way are simulated.
        params: names of the latent sites whose ranks are tested.
        replications: number of simulated data sets.
        warmup: NUTS warm-up steps per replication.
        draws: L, thinned posterior draws kept per replication.
        thin: keep every ``thin``-th of ``draws * thin`` draws, to make them
            nearly independent.
        target_accept: NUTS target acceptance probability.
        bins: rank bins of the χ² uniformity test; must divide ``draws + 1``.
        seed: random seed.
        start_at_truth: start each replication's chain at its true parameters
            instead of a random point. The truth is itself a draw from the
            posterior given its data, so this leaves calibration intact while
            sparing a multimodal posterior the search for its main mode: it
            tests the model and NUTS's exploration of that mode, not the
            search (which the problem's own initialisation has to do).
        progress: show a progress bar of the replications (it advances by a
            block of one replication per device on a CPU).

    Returns:
        SBCResult with the ranks and per-parameter p-values.
    """
    call = prepare(model, args, model_kwargs, simulate=True)
    named, structure = call.named, call.structure
    simulated = tuple(s for s in structure.latent if s in named and named[s] is None)
    if not simulated:
        raise ValueError("pass the model's observations as None (e.g. y=None) so that SBC can simulate them")
    unknown = [p for p in params if p not in structure.latent or p in simulated]
    if unknown:
        raise ValueError(f"params {unknown} are not latent sites of the model")
    if (draws + 1) % bins:
        raise ValueError(f"bins={bins} must divide draws + 1 = {draws + 1}")
    starts = tuple(s for s in structure.latent if s not in simulated) if start_at_truth else ()
    settings = NutsSettings(warmup, draws * thin, target_accept).checked()
    simulate = _simulator(call.bound, int(replications), simulated, tuple(sorted(set(params) | set(starts))))
    per_rep = jax.device_get(simulate(rng_key(seed), call.arrays))
    block = _block_size(int(replications))
    fit = _fitter(call.bound, block, settings, int(thin), tuple(params), starts)
    def fit_block(done, size):  # (replications fitted, their results by block) after one more block
        i, blocks = done
        return i + block, blocks + [fit(jax.tree.map(lambda a: a[i:i + int(size)], per_rep), call.arrays)]

    with progress_bar(replications, desc="SBC", unit="replication", enabled=progress) as bar:
        _, blocks = run_chunks(fit_block, (0, []), [Phase(int(replications), "fitting")], bar, fixed=block)
    blocks = jax.device_get(blocks)
    ranks, divergences = jax.tree.map(lambda *parts: np.concatenate(parts), *blocks)  # per replication
    ranks = {p: np.asarray(r) for p, r in ranks.items()}
    p_values = {
        p: min(rank_uniformity_pvalue(col, draws, bins) for col in r.reshape(len(r), -1).T)
        for p, r in ranks.items()
    }
    return SBCResult(ranks, draws, p_values, bins, int(np.sum(divergences)))
