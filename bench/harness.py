"""Shared measurements for the benchmarks: fits in fresh processes, gradient timing, sampler overhead, memory.

Each fit is measured in a child process so that "cold" (empty compilation
cache), "warm cache" (fresh process, persistent cache filled) and "repeat"
(same process, program already compiled) are all real. A fit is the fitting
pipeline of ``astrozoo fit`` (:func:`astrozoo.fitting.fit_problem`: the
declared start, the driver, prior and posterior predictive draws); the NUTS
part alone is ``sampling_s`` and the start ``start_s``.
"""

import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time

_CHILD = textwrap.dedent(
    """
    import json, resource, sys, time
    import numpy as np
    import astrozoo
    from astrozoo.fitting import fit_problem
    from astrozoo.inference.diagnostics import convergence
    from astrozoo.problems import get
    from harness import gradient_evaluations

    problem = get(sys.argv[1])
    method = sys.argv[2]
    settings = json.loads(sys.argv[3]) | {"progress": False}
    variables = json.loads(sys.argv[4]) or list(problem.report)
    walls = []
    for seed in (0, 1):
        start = time.perf_counter()
        idata = fit_problem(problem, method, **(settings | {"seed": seed}))
        walls.append(time.perf_counter() - start)
    record = {"wall_first_s": walls[0], "wall_repeat_s": walls[1],
              "sampling_s": idata.attrs.get("wall_seconds"),
              "start_s": float(idata.attrs.get("start_seconds", 0.0))}
    if method == "nuts":
        diag = convergence(idata, [v for v in variables if v in idata.posterior])
        lp = idata.sample_stats["lp"].mean("draw").values
        record |= {"min_ess_bulk": diag.ess_bulk_min, "max_r_hat": diag.r_hat_max,
                   "divergences": diag.divergences, "ess_per_s": diag.ess_bulk_min / walls[1],
                   "ess_variables": [v for v in variables if v in idata.posterior],
                   "chain_mean_lp": lp.tolist(), "chains_in_main_mode": bool(np.ptp(lp) < 5.0)}
        record |= gradient_evaluations(idata)
    record["posterior_mean"] = {v: float(idata.posterior[v].mean()) for v in variables if v in idata.posterior}
    record["posterior_sd"] = {v: float(idata.posterior[v].std()) for v in variables if v in idata.posterior}
    record["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("BENCH" + json.dumps(record))
    """
)


def fit_in_fresh_process(problem: str, method: str, settings: dict, cache_dir: str, variables=()) -> dict:
    """Fit twice in a new Python process; wall times, diagnostics of ``variables`` (default: the problem's
    report variables), posterior means and sds, gradient evaluations and peak RSS."""
    path = os.pathsep.join(filter(None, [os.path.dirname(os.path.abspath(__file__)), os.environ.get("PYTHONPATH")]))
    env = os.environ | {"ASTROZOO_JAX_CACHE": cache_dir, "PYTHONPATH": path}
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, problem, method, json.dumps(settings), json.dumps(list(variables))],
        env=env, capture_output=True, text=True, check=True,
    )
    line = next(l for l in out.stdout.splitlines() if l.startswith("BENCH"))
    return json.loads(line[len("BENCH"):])


def benchmark_problem(problem: str, method: str | None = None, variables=(), **settings) -> dict:
    """Cold (empty cache), warm-cache and repeat wall times, ESS/s, gradient time and count, overhead, memory.

    Keys: problem, method, wall_cold_s, wall_warm_cache_s, wall_warm_s (repeat
    in the same process), compile_s (cold minus repeat), sampling_s, start_s,
    grad_eval_us (see :func:`gradient_time`), grad_evals_* (see
    :func:`gradient_evaluations`), sampler_overhead (see :func:`sampler_overhead`),
    ess_per_s (minimum bulk ESS over ``variables``, default the report
    variables, per second of a repeat fit), min_ess_bulk, max_r_hat,
    divergences, chain_mean_lp, chains_in_main_mode (chain mean log densities
    within 5), posterior_mean, posterior_sd, peak_rss_mb.
    """
    from astrozoo.problems import get

    method = method or get(problem).method
    with tempfile.TemporaryDirectory() as cache:
        cold = fit_in_fresh_process(problem, method, settings, cache, variables)
        warm = fit_in_fresh_process(problem, method, settings, cache, variables)
    record = {
        "problem": problem,
        "method": method,
        "settings": settings,
        "wall_cold_s": cold["wall_first_s"],
        "wall_warm_cache_s": warm["wall_first_s"],
        "wall_warm_s": warm["wall_repeat_s"],
        "compile_s": cold["wall_first_s"] - cold["wall_repeat_s"],
    }
    record |= {k: v for k, v in warm.items() if k not in ("wall_first_s", "wall_repeat_s")}
    if method == "nuts":
        record |= gradient_time(problem)
        record["sampler_overhead"] = sampler_overhead(record)
    record["peak_rss_mb"] = max(cold["peak_rss_mb"], warm["peak_rss_mb"])
    return record


def gradient_evaluations(idata) -> dict:
    """Gradient evaluations (leapfrog steps) of a NUTS fit, warm-up included, and those of the busiest device.

    Sampling: the sum of ``sample_stats.n_steps``; warm-up: the driver's
    ``attrs["warmup_n_steps"]`` (one count per chain). Busiest device: on a
    CPU the chains are split into equal contiguous blocks over the largest
    number of devices that divides the chain count (``chain_method``
    "parallel"), run one after the other on each; the busiest block's total.

    Returns:
        grad_evals (all chains, kept draws only), grad_evals_with_warmup,
        grad_evals_warmup, grad_evals_busiest_device, chain_devices.
    """
    import jax
    import numpy as np

    sampling = idata.sample_stats["n_steps"].sum("draw").values.astype(float)
    warmup = np.asarray(idata.attrs["warmup_n_steps"], float)
    chains = sampling.size
    devices = 1 if jax.default_backend() == "gpu" else max(
        d for d in range(1, min(chains, jax.local_device_count()) + 1) if chains % d == 0)
    per_device = (sampling + warmup).reshape(devices, -1).sum(1)
    return {"grad_evals": int(sampling.sum()), "grad_evals_with_warmup": int(round((sampling + warmup).sum())),
            "grad_evals_warmup": int(round(warmup.sum())),
            "grad_evals_busiest_device": int(round(per_device.max())), "chain_devices": devices}


def sampler_overhead(record: dict) -> float:
    """NUTS wall / (gradient evaluations on the busiest device x time per gradient): 1 is pure gradient work."""
    return record["sampling_s"] / (record["grad_evals_busiest_device"] * record["grad_eval_us"] * 1e-6)


def per_call_us(step, carry, min_seconds: float = 0.2) -> dict:
    """Microseconds per call of ``step(carry) -> carry`` run n times in one compiled loop.

    Method: a ``lax.fori_loop`` with a run-time trip count n, each call taking
    the carry the previous one returned, so XLA can neither fold nor hoist
    the calls. n doubles until a run takes ``min_seconds``; the time per
    call is (t(2n) - t(n)) / n (best of 3 each), which removes the dispatch
    and transfer cost. ``linearity`` = t(2n) / t(n) is 2 for a loop that
    really made 2n calls.
    """
    import jax

    run = jax.jit(lambda c, n: jax.lax.fori_loop(0, n, lambda _, c: step(c), c))

    def seconds(n):
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            jax.block_until_ready(run(carry, n))
            best = min(best, time.perf_counter() - start)
        return best

    n = 8
    seconds(n)  # compile
    while seconds(n) < min_seconds / 2 and n < 1 << 24:
        n *= 2
    single, double = seconds(n), seconds(2 * n)
    return {"us": (double - single) / n * 1e6, "linearity": double / single, "loop_length": n,
            "method": "fori_loop, each call fed by the one before; (t(2n) - t(n)) / n"}


def gradient_time(problem: str) -> dict:
    """Microseconds per value-and-gradient of the problem's potential energy U (-log density), as NUTS uses it.

    Timed by :func:`per_call_us` with the step z -> z + 1e-9 tanh(∇U(z)),
    accumulating U, from the model's initial point.
    """
    import jax
    import jax.numpy as jnp
    from numpyro.infer.util import initialize_model

    from astrozoo.inference.prepared import prepare
    from astrozoo.problems import get

    spec = get(problem)
    call = prepare(spec.model, (), spec.load())
    info, potential, _, _ = initialize_model(jax.random.PRNGKey(0), call.bound, model_kwargs=call.arrays)
    value_and_grad = jax.value_and_grad(potential)

    def step(carry):
        z, total = carry
        u, g = value_and_grad(z)
        return jax.tree.map(lambda a, b: a + 1e-9 * jnp.tanh(b), z, g), total + u

    timing = per_call_us(step, (info.z, jnp.zeros(())))
    return {f"grad_eval_{k}": v for k, v in timing.items()}


def machine() -> dict:
    """Where the numbers were taken."""
    import jax

    return {
        "cpus": os.cpu_count(),
        "load_average_1min": os.getloadavg()[0],
        "backend": jax.default_backend(),
        "devices": jax.local_device_count(),
        "jax": jax.__version__,
    }


def write(records: list, path) -> None:
    """Write ``records`` and the machine description as JSON."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        json.dump({"machine": machine(), "records": records}, f, indent=2)
    print(json.dumps(records, indent=2))
