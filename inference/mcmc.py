"""NUTS: every chain's warm-up and sampling in one compiled program."""

import functools
import sys
import time

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec
from numpyro.infer import init_to_uniform
from numpyro.infer.hmc import hmc
from numpyro.infer.util import initialize_model, log_likelihood, unconstrain_fn

from astrozoo.inference.compiled import exported_program, program_fingerprint
from astrozoo.inference.diagnostics import report_convergence
from astrozoo.inference.export import to_inference_data
from astrozoo.inference.prepared import prepare
from astrozoo.runtime import default_chain_method

CHAIN_METHODS = ("parallel", "sequential", "vectorized")


def one_chain(
    model, warmup, draws, target_accept, dense_mass, max_tree_depth, init_strategy, with_log_likelihood=True,
    adapt_mass_matrix=True,
):
    """A function (start, arrays) -> (constrained draws, sample stats, pointwise log-likelihood) for one chain.

    ``start`` is a dict: ``rng_key``, and optionally ``init`` (constrained values
    of latent sites, which replace the init strategy's starting point for those
    sites) and ``inverse_mass_matrix`` (the starting inverse mass matrix of the
    flattened unconstrained latent vector, sites in alphabetical order). The
    log-likelihood of every observed site at every draw is computed in the
    same program (None when ``with_log_likelihood`` is False).
    """

    def run(start, arrays):
        key_init, key_run = jax.random.split(start["rng_key"])
        params, potential_fn, postprocess_fn, _ = initialize_model(
            key_init, model, init_strategy=init_strategy, model_kwargs=arrays
        )
        z = params.z
        if "init" in start:
            given = {k: v for k, v in start["init"].items() if k in z}
            z = z | unconstrain_fn(model, (), arrays, given)
        init_kernel, sample_kernel = hmc(potential_fn, algo="NUTS")
        state = init_kernel(
            z,
            num_warmup=warmup,
            target_accept_prob=target_accept,
            dense_mass=dense_mass,
            inverse_mass_matrix=start.get("inverse_mass_matrix"),
            adapt_mass_matrix=adapt_mass_matrix,
            max_tree_depth=max_tree_depth,
            rng_key=key_run,
        )
        stats_of = lambda s: {  # noqa: E731
            "diverging": s.diverging,
            "energy": s.energy,
            "n_steps": s.num_steps,
            "step_size": s.adapt_state.step_size,
            "acceptance_rate": s.accept_prob,
            "lp": -s.potential_energy,
        }
        record = (state.z, stats_of(state))
        buffer = jax.tree.map(lambda leaf: jnp.zeros((draws,) + jnp.shape(leaf), jnp.result_type(leaf)), record)

        def step(i, carry):
            # One traced transition serves warm-up and sampling: warm-up steps
            # write to slot 0, which the first kept draw overwrites.
            s, buf = carry
            s = sample_kernel(s)
            slot = jnp.maximum(i - warmup, 0)
            buf = jax.tree.map(lambda b, leaf: b.at[slot].set(leaf), buf, (s.z, stats_of(s)))
            return s, buf

        _, (z, stats) = jax.lax.fori_loop(0, warmup + draws, step, (state, buffer))
        samples = jax.vmap(postprocess_fn)(z)
        if not with_log_likelihood:
            return samples, stats, None
        return samples, stats, log_likelihood(model, samples, batch_ndims=1, **arrays)

    return run


def over_devices(fn, n):
    """Map ``fn(starts, arrays)`` over the leading axis of ``starts``, split evenly over CPU devices.

    Each device gets an equal block of starts (as many devices as divide ``n``)
    and runs ``fn`` on its block; ``arrays`` are replicated. Returns the mapped
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


@functools.lru_cache(maxsize=64)
def _compiled(
    model, chains, warmup, draws, target_accept, dense_mass, max_tree_depth, chain_method, init_strategy,
    adapt_mass_matrix,
):
    """The jitted program running every chain, and the shardings it was jitted with."""
    one = one_chain(
        model, warmup, draws, target_accept, dense_mass, max_tree_depth, init_strategy,
        adapt_mass_matrix=adapt_mass_matrix,
    )
    in_turn = lambda starts, arrays: jax.lax.map(lambda s: one(s, arrays), starts)  # noqa: E731
    if chain_method == "vectorized":
        return jax.jit(jax.vmap(one, in_axes=(0, None))), {}
    if chain_method == "sequential":
        return jax.jit(in_turn), {}
    mapped, shardings = over_devices(in_turn, chains)  # parallel: blocks of chains per device
    return jax.jit(mapped, **shardings), shardings


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
    run in one compiled XLA program. The program is cached by model, settings
    and data shapes: a second fit with new data of the same shapes does not
    compile again, and the persistent compilation cache serves it to a fresh
    process.

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
            optima of :func:`astrozoo.inference.init.best_of_optimisations`).
            They are data of the compiled program, not part of it: new values
            do not recompile. Latent sites left out start from ``init_strategy``.
        inverse_mass_matrix: optional starting inverse mass matrix of the
            flattened unconstrained latent vector (sites in alphabetical order,
            each flattened): a (d, d) positive-definite matrix with
            ``dense_mass=True`` or a (d,) positive vector without, e.g. the
            Laplace covariance of :func:`astrozoo.inference.init.laplace_start`.
            Data of the compiled program, like ``init_params``.
        adapt_mass_matrix: adapt the mass matrix during warm-up (the step size
            is always adapted); False keeps ``inverse_mass_matrix`` throughout.
        progress: print what is being run and how long it took.

    Returns:
        arviz.InferenceData with posterior, sample_stats, log_likelihood,
        observed_data and constant_data.
    """
    chain_method = chain_method or default_chain_method(chains)
    if chain_method not in CHAIN_METHODS:
        raise ValueError(f"chain_method must be one of {CHAIN_METHODS}, got {chain_method!r}")
    for name, value in (("chains", chains), ("draws", draws)):
        if int(value) < 1:
            raise ValueError(f"{name} must be >= 1, got {value}")
    if int(warmup) < 0:
        raise ValueError(f"warmup must be >= 0, got {warmup}")
    if not adapt_mass_matrix and inverse_mass_matrix is None:
        raise ValueError("adapt_mass_matrix=False needs an inverse_mass_matrix to keep")
    call = prepare(model, args, model_kwargs)
    structure, arrays, bound = call.structure, call.arrays, call.bound
    starts = {"rng_key": jax.random.split(jax.random.PRNGKey(seed), chains)}
    init = _chain_values(init_params, chains, structure.latent)
    if init is not None:
        starts["init"] = init
    if inverse_mass_matrix is not None:
        matrix = _checked_inverse_mass_matrix(inverse_mass_matrix, bool(dense_mass), _unconstrained_size(bound, arrays))
        starts["inverse_mass_matrix"] = jnp.broadcast_to(matrix, (chains,) + matrix.shape)
    settings = (int(chains), int(warmup), int(draws), float(target_accept), bool(dense_mass),
                int(max_tree_depth), chain_method, init_strategy, bool(adapt_mass_matrix))
    jitted, shardings = _compiled(bound, *settings)
    run = exported_program(jitted, (starts, arrays), program_fingerprint(bound, settings), shardings)
    if progress:
        print(
            f"[astrozoo] NUTS: {chains} chain(s) x ({warmup} warm-up + {draws} draws), "
            f"{chain_method} on {jax.default_backend()}",
            file=sys.stderr,
        )
    start = time.perf_counter()
    samples, stats, pointwise = jax.block_until_ready(run(starts, arrays))
    wall = time.perf_counter() - start
    stats["tree_depth"] = jnp.ceil(jnp.log2(stats["n_steps"] + 1)).astype(int)
    idata = to_inference_data(
        model, call.named, samples, stats, structure=structure, log_likelihood=pointwise,
        attrs={"inference": "nuts", "wall_seconds": wall},
    )
    report_convergence(idata, structure.latent, label=f"NUTS ({wall:.2f} s)")
    return idata
