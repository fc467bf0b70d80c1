"""NUTS: all chains' warm-up and sampling in one compiled program, or in three with a progress bar.

Without a bar, one fused program runs every chain (:func:`~astrozoo.inference.chain.one_chain`).
With one, a program starts every chain (:func:`~astrozoo.inference.chain.begin`), a
second advances every chain by a chunk of transitions
(:func:`~astrozoo.inference.chain.advance`, the same compiled program for every
chunk) and a third finishes (constrained draws and pointwise log-likelihood).
Between chunks a progress bar advances; the result does not depend on the
chunking or on the bar.
"""

import functools
import logging
import time

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec
from numpyro.infer import init_to_uniform
from numpyro.infer.hmc import HMCState
from numpyro.infer.hmc_util import HMCAdaptState
from numpyro.infer.util import initialize_model

from astrozoo.inference.chain import NutsSettings, advance, begin, finish, one_chain
from astrozoo.inference.chunked import Phase, Recording, run_chunks
from astrozoo.inference.compiled import exported_program, program_fingerprint
from astrozoo.inference.diagnostics import report_convergence
from astrozoo.inference.export import to_inference_data
from astrozoo.inference.prepared import prepare, rng_key
from astrozoo.inference.provenance import provenance
from astrozoo.inference.progress import progress_bar
from astrozoo.runtime import default_chain_method

__all__ = ["CHAIN_METHODS", "NutsSettings", "nuts", "one_chain", "over_devices"]

CHAIN_METHODS = ("parallel", "sequential", "vectorized")
log = logging.getLogger("astrozoo")

# The sampler state passes between exported programs: jax.export must know its types.
for _state_type in (HMCState, HMCAdaptState, Recording):
    jax.export.register_namedtuple_serialization(
        _state_type, serialized_name=f"{_state_type.__module__}.{_state_type.__name__}")


def over_devices(fn, n):
    """Map ``fn(per_item, shared)`` over the leading axis of ``per_item``, split evenly over CPU devices.

    Each device gets an equal block of items (as many devices as divide ``n``)
    and runs ``fn`` on its block; ``shared`` is replicated. Returns the mapped
    function and the shardings of its inputs and outputs (keyword arguments of
    ``jax.jit``).
    """
    n_dev = max(d for d in range(1, min(n, jax.local_device_count()) + 1) if n % d == 0)
    mesh = Mesh(np.array(jax.local_devices()[:n_dev]), ("batch",))
    split, replicated = NamedSharding(mesh, PartitionSpec("batch")), NamedSharding(mesh, PartitionSpec())
    mapped = jax.shard_map(
        fn, mesh=mesh, in_specs=(PartitionSpec("batch"), PartitionSpec()),
        out_specs=PartitionSpec("batch"), check_vma=False,
    )
    return mapped, {"in_shardings": (split, replicated), "out_shardings": split}


def _over_chains(fn, chains: int, chain_method: str):
    """``fn(per_chain, shared)`` jitted over a leading chain axis, and the shardings it was jitted with."""
    in_turn = lambda per_chain, shared: jax.lax.map(lambda one: fn(one, shared), per_chain)  # noqa: E731
    if chain_method == "vectorized":
        return jax.jit(jax.vmap(fn, in_axes=(0, None))), {}
    if chain_method == "sequential":
        return jax.jit(in_turn), {}
    mapped, shardings = over_devices(in_turn, chains)  # parallel: blocks of chains per device
    return jax.jit(mapped, **shardings), shardings


@functools.lru_cache(maxsize=64)
def _programs(model, chains: int, settings: NutsSettings, chain_method: str, init_strategy):
    """The jitted begin, advance (by a traced number of transitions) and finish programs, with their
    shardings, and ``whole``: all three fused, for runs without a bar."""
    pieces = {
        "whole": one_chain(model, settings, init_strategy),
        "begin": lambda start, arrays: begin(model, settings, init_strategy, start, arrays),
        "advance": lambda chain, shared: advance(model, settings, chain, *shared),
        "finish": lambda chain, arrays: finish(model, chain, arrays),
    }
    return {name: _over_chains(piece, chains, chain_method) for name, piece in pieces.items()}


def _run(bound, chains: int, settings: NutsSettings, chain_method: str, init_strategy, starts, arrays, progress):
    """(constrained draws, sample stats, pointwise log-likelihood) of every chain; the bar shows the transitions.

    With a bar the transitions run in chunks (begin, advance, finish); without one, in a single fused
    program. Both give the same draws bit for bit (tests/inference/test_progress.py). The sample stats
    include ``warmup_n_steps``, one count per chain (see :func:`~astrozoo.inference.chain.finish`).
    """
    programs = _programs(bound, chains, settings, chain_method, init_strategy)

    def program(name, args):
        jitted, shardings = programs[name]
        key = (f"nuts-{name}", chains, settings, chain_method, init_strategy)
        return exported_program(jitted, args, program_fingerprint(bound, key), shardings)

    if not progress:  # one program: no host round trips between chunks
        return program("whole", (starts, arrays))(starts, arrays)
    chain = program("begin", (starts, arrays))(starts, arrays)
    step = program("advance", (chain, (arrays, np.int64(0))))
    phases = [Phase(settings.warmup, "warm-up"), Phase(settings.draws, "sampling")]
    with progress_bar(
        settings.warmup + settings.draws, desc=f"NUTS, {chains} chain(s)", unit="step", enabled=progress
    ) as bar:
        chain = run_chunks(lambda c, n: step(c, (arrays, n)), chain, phases, bar)
    return program("finish", (chain, arrays))(chain, arrays)


def _chain_values(init_params, chains, latent):
    """``init_params`` as float arrays with a leading chain axis; ValueError naming a bad entry."""
    if init_params is None:
        return None
    unknown = sorted(set(init_params) - set(latent))
    if unknown:
        raise ValueError(f"init_params names site(s) {unknown} that are not latent sites of the model {tuple(latent)}")
    values = {}
    for name, value in init_params.items():
        value = jnp.asarray(value, dtype=jnp.result_type(float))
        if value.ndim == 0 or value.shape[0] != chains:
            raise ValueError(f"init_params[{name!r}] must have a leading axis of length chains={chains}, got shape {value.shape}")
        if not bool(jnp.all(jnp.isfinite(value))):
            raise ValueError(f"init_params[{name!r}] has non-finite values")
        values[name] = value
    return values


def _unconstrained_size(model, arrays) -> int:
    """Length of the flattened unconstrained latent vector of ``model`` (traced, not compiled)."""
    z = jax.eval_shape(
        lambda a: initialize_model(jax.random.PRNGKey(0), model, init_strategy=init_to_uniform, model_kwargs=a)[0].z,
        arrays,
    )
    return int(sum(np.prod(leaf.shape, dtype=int) for leaf in jax.tree.leaves(z)))


def _checked_inverse_mass_matrix(matrix, dense_mass: bool, size: int):
    """``matrix`` as a float array; ValueError unless it is a valid inverse mass matrix of ``size`` parameters."""
    matrix = np.asarray(matrix, dtype=float)
    shape = (size, size) if dense_mass else (size,)
    if matrix.shape != shape:
        kind = "a dense (d, d) matrix with dense_mass=True" if dense_mass else "a (d,) vector with dense_mass=False"
        raise ValueError(f"inverse_mass_matrix must be {kind}, d={size}: expected shape {shape}, got {matrix.shape}")
    if not np.all(np.isfinite(matrix)):
        raise ValueError("inverse_mass_matrix has non-finite entries")
    if dense_mass:
        if not np.allclose(matrix, matrix.T, rtol=1e-10, atol=0.0):
            raise ValueError("inverse_mass_matrix must be symmetric")
        if np.any(np.linalg.eigvalsh(matrix) <= 0):
            raise ValueError("inverse_mass_matrix must be positive definite")
    elif np.any(matrix <= 0):
        raise ValueError("inverse_mass_matrix must be positive")
    return jnp.asarray(matrix)


def nuts(
    model,
    *args,
    chains: int = 4,
    warmup: int = 1000,
    draws: int = 1000,
    seed: int = 0,
    target_accept: float = 0.8,
    dense_mass: bool = False,
    max_tree_depth: int = 10,
    chain_method: str | None = None,
    init_strategy=init_to_uniform,
    init_params: dict | None = None,
    inverse_mass_matrix=None,
    adapt_mass_matrix: bool = True,
    progress: bool = True,
    **model_kwargs,
):
    """Sample a NumPyro model with the No-U-Turn Sampler.

    Warm-up (step size and mass-matrix adaptation) and sampling of all chains
    run as one compiled XLA program, or with ``progress`` as three (start,
    advance by a chunk of transitions, finish); the programs are cached by model, settings and data
    shapes: a second fit with new data of the same shapes does not compile
    again, and the persistent compilation cache serves them to a fresh
    process. The log line "NUTS: ..." goes to the ``astrozoo`` logger.

    Args:
        model: a NumPyro model function.
        *args, **model_kwargs: the model's arguments, observations included.
            Arrays are traced; other arguments (numbers, strings) are static.
        chains: number of independent chains.
        warmup: adaptation steps per chain, discarded.
        draws: kept draws per chain.
        seed: random seed.
        target_accept: target mean acceptance probability of the step-size adaptation.
        dense_mass: adapt a dense (True) or diagonal (False) mass matrix.
        max_tree_depth: largest NUTS tree depth (at most 2**depth - 1 leapfrog steps).
        chain_method: "parallel" (chains split evenly over the host's devices,
            one device per core, and run in turn on each), "sequential" or
            "vectorized". Default: vectorized on a GPU, parallel on a CPU with
            more than one core, else sequential.
        init_strategy: a NumPyro init strategy for the starting point of each chain.
        init_params: optional starting values per chain: site name -> array of
            constrained values with a leading axis of length ``chains`` (e.g. the
            optima of :func:`astrozoo.inference.starts.best_of_optimisations`).
            They are data of the compiled program, not part of it: new values
            do not recompile. Latent sites left out start from ``init_strategy``.
        inverse_mass_matrix: optional starting inverse mass matrix of the
            flattened unconstrained latent vector (sites in alphabetical order,
            each flattened): a (d, d) positive-definite matrix with
            ``dense_mass=True`` or a (d,) positive vector without, e.g. the
            Laplace covariance of :func:`astrozoo.inference.starts.laplace_start`.
            Data of the compiled program, like ``init_params``.
        adapt_mass_matrix: adapt the mass matrix during warm-up (the step size
            is always adapted); False keeps ``inverse_mass_matrix`` throughout.
        progress: show a progress bar of the transitions, one bar for all
            chains: it advances when every chain has finished a chunk of
            transitions, about every half second. The draws do not depend on it.

    Returns:
        arviz.InferenceData with posterior, sample_stats, log_likelihood,
        observed_data and constant_data.
    """
    chain_method = chain_method or default_chain_method(chains)
    if chain_method not in CHAIN_METHODS:
        raise ValueError(f"chain_method must be one of {CHAIN_METHODS}, got {chain_method!r}")
    if int(chains) < 1:
        raise ValueError(f"chains must be >= 1, got {chains}")
    settings = NutsSettings(warmup, draws, target_accept, dense_mass, max_tree_depth, adapt_mass_matrix).checked()
    if not adapt_mass_matrix and inverse_mass_matrix is None:
        raise ValueError("adapt_mass_matrix=False needs an inverse_mass_matrix to keep")
    call = prepare(model, args, model_kwargs)
    structure, arrays, bound = call.structure, call.arrays, call.bound
    starts = {"rng_key": jax.random.split(rng_key(seed), chains)}
    init = _chain_values(init_params, chains, structure.latent)
    if init is not None:
        starts["init"] = init
    if inverse_mass_matrix is not None:
        matrix = _checked_inverse_mass_matrix(inverse_mass_matrix, settings.dense_mass, _unconstrained_size(bound, arrays))
        starts["inverse_mass_matrix"] = jnp.broadcast_to(matrix, (chains,) + matrix.shape)
    log.info(
        "NUTS: %d chain(s) x (%d warm-up + %d draws), %s on %s",
        chains, settings.warmup, settings.draws, chain_method, jax.default_backend(),
    )
    start = time.perf_counter()
    samples, stats, pointwise = jax.block_until_ready(
        _run(bound, int(chains), settings, chain_method, init_strategy, starts, arrays, progress))
    wall = time.perf_counter() - start  # the programs run asynchronously: waited for above
    warmup_steps = np.asarray(stats.pop("warmup_n_steps")).tolist()
    stats["tree_depth"] = np.ceil(np.log2(stats["n_steps"] + 1)).astype(int)
    idata = to_inference_data(
        model, call.named, samples, stats, structure=structure, log_likelihood=pointwise,
        attrs=provenance("nuts", settings._asdict() | {
            "chains": int(chains), "seed": seed, "chain_method": chain_method, "init_strategy": init_strategy,
            "init_params": init_params, "inverse_mass_matrix": inverse_mass_matrix,
        }) | {"wall_seconds": wall, "warmup_n_steps": warmup_steps},
    )
    report_convergence(idata, structure.latent, label=f"NUTS ({wall:.2f} s)")
    return idata
