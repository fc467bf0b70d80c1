"""Shared measurements for the benchmarks: fits in fresh processes, gradient timing, memory.

Each fit is measured in a child process so that "cold" (empty compilation
cache), "warm cache" (fresh process, persistent cache filled) and "repeat"
(same process, program already compiled) are all real.
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
    import astrozoo
    from astrozoo.fitting import driver_settings
    from astrozoo.inference import nuts, svi, map_fit
    from astrozoo.inference.diagnostics import convergence
    from astrozoo.problems import get

    problem = get(sys.argv[1])
    method = sys.argv[2]
    settings = driver_settings(problem, method, json.loads(sys.argv[3])) | {"progress": False}
    if problem.fit is not None:  # the problem's own fitting (e.g. a start found by optimisation), timed whole
        fit = lambda s: problem.fit(problem, method, **s)
    else:
        driver = {"nuts": nuts, "svi": svi, "map": map_fit}[method]
        data = problem.load()
        fit = lambda s: driver(problem.model, **data, **s)
    walls = []
    for seed in (0, 1):
        start = time.perf_counter()
        idata = fit(settings | {"seed": seed})
        walls.append(time.perf_counter() - start)
    record = {"wall_first_s": walls[0], "wall_repeat_s": walls[1],
              "sampling_s": float(idata.attrs["wall_seconds"])}
    if method == "nuts":
        diag = convergence(idata, [v for v in problem.report if v in idata.posterior])
        record |= {"min_ess_bulk": diag.ess_bulk_min, "max_r_hat": diag.r_hat_max,
                   "divergences": diag.divergences,
                   "grad_evals": int(idata.sample_stats.n_steps.sum()),
                   "ess_per_s": diag.ess_bulk_min / walls[1]}
    record["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("BENCH" + json.dumps(record))
    """
)


def fit_in_fresh_process(problem: str, method: str, settings: dict, cache_dir: str) -> dict:
    """Fit twice in a new Python process; wall times, diagnostics and peak RSS."""
    env = os.environ | {"ASTROZOO_JAX_CACHE": cache_dir}
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, problem, method, json.dumps(settings)],
        env=env, capture_output=True, text=True, check=True,
    )
    line = next(l for l in out.stdout.splitlines() if l.startswith("BENCH"))
    return json.loads(line[len("BENCH"):])


def benchmark_problem(problem: str, method: str = "nuts", **settings) -> dict:
    """Cold (empty cache), warm-cache and repeat wall times, ESS/s, gradient time, memory.

    The fit is the problem's own ``Problem.fit`` where it has one, else the
    plain driver; wall times cover all of it.

    Keys: problem, method, wall_cold_s, wall_warm_cache_s, wall_warm_s (repeat
    in the same process), compile_s (cold minus repeat), grad_evals (NUTS
    leapfrog steps after warm-up, all chains), grad_eval_us, ess_per_s (minimum
    bulk ESS over the report variables per second of a repeat fit),
    min_ess_bulk, max_r_hat, peak_rss_mb.
    """
    with tempfile.TemporaryDirectory() as cache:
        cold = fit_in_fresh_process(problem, method, settings, cache)
        warm = fit_in_fresh_process(problem, method, settings, cache)
    record = {
        "problem": problem,
        "method": method,
        "settings": settings,
        "wall_cold_s": cold["wall_first_s"],
        "wall_warm_cache_s": warm["wall_first_s"],
        "wall_warm_s": warm["wall_repeat_s"],
        "compile_s": cold["wall_first_s"] - cold["wall_repeat_s"],
        "grad_eval_us": gradient_time_us(problem),
    }
    record |= {k: v for k, v in warm.items() if k not in ("wall_first_s", "wall_repeat_s")}
    record["peak_rss_mb"] = max(cold["peak_rss_mb"], warm["peak_rss_mb"])
    return record


def gradient_time_us(problem: str, repeats: int = 2000) -> float:
    """Microseconds per gradient of the problem's potential energy (-log density).

    The gradients run in a compiled loop, each step feeding the next, as inside
    NUTS; Python dispatch is not counted.
    """
    import jax
    from numpyro.infer.util import initialize_model

    from astrozoo.inference.compiled import bind_arguments, split_arguments, with_static
    from astrozoo.problems import get

    spec = get(problem)
    named = bind_arguments(spec.model, (), spec.load())
    arrays, static = split_arguments(named)
    info, potential, _, _ = initialize_model(
        jax.random.PRNGKey(0), with_static(spec.model, static), model_kwargs=arrays
    )
    grad = jax.grad(potential)

    @jax.jit
    def loop(z):
        step = lambda _, z: jax.tree.map(lambda a, g: a - 1e-12 * g, z, grad(z))  # noqa: E731
        return jax.lax.fori_loop(0, repeats, step, z)

    jax.block_until_ready(loop(info.z))
    start = time.perf_counter()
    jax.block_until_ready(loop(info.z))
    return (time.perf_counter() - start) / repeats * 1e6


def machine() -> dict:
    """Where the numbers were taken."""
    import jax

    return {
        "cpus": os.cpu_count(),
        "load_average_1min": os.getloadavg()[0],
        "backend": jax.default_backend(),
        "jax": jax.__version__,
    }


def write(records: list, path) -> None:
    """Write ``records`` and the machine description as JSON."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        json.dump({"machine": machine(), "records": records}, f, indent=2)
    print(json.dumps(records, indent=2))
