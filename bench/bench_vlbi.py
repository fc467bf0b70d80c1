"""VLBI benchmarks. Targets for vlbi-m87 (EHT 2017 April 11, closure-only thick m-ring, 4 chains):
``astrozoo fit vlbi-m87`` converged in <= 60 s wall on a 2-core CPU, compile included; every chain in the main
mode; r_hat < 1.01 and ess_bulk >= 400 for d, width, |β1| and the brightness position angle; gradient of the log
posterior <= 100 µs in float64; minimum ESS/s over those four >= 130. Also the accuracy of the Bessel kernel."""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time

sys.path.insert(0, os.path.dirname(__file__))

import astrozoo  # noqa: E402,F401
from harness import gradient_time_us, write  # noqa: E402

PARAMS = ["d_uas", "width_uas", "beta_abs", "pa_deg"]

_CHILD = textwrap.dedent(
    """
    import json, resource, sys, time
    import numpy as np
    import astrozoo
    from astrozoo.inference.diagnostics import convergence
    from astrozoo.problems import get

    problem = get(sys.argv[1])
    settings = dict(problem.settings) | {"progress": False}
    params = json.loads(sys.argv[2])
    record = {}
    for label, seed in (("first", 0), ("repeat", 1)):
        start = time.perf_counter()
        idata = problem.fit(problem, "nuts", **(settings | {"seed": seed}))
        record[f"wall_{label}_s"] = time.perf_counter() - start
    diag = convergence(idata, params)
    lp = idata.sample_stats["lp"].mean("draw").values
    record |= {
        "sampling_s": float(idata.attrs["wall_seconds"]),
        "min_ess_bulk": diag.ess_bulk_min, "max_r_hat": diag.r_hat_max, "divergences": diag.divergences,
        "chain_mean_lp": lp.tolist(),
        "chains_in_main_mode": bool(np.ptp(lp) < 5.0),
        "ess_per_s": diag.ess_bulk_min / record["wall_repeat_s"],
        "ess_per_s_sampling": diag.ess_bulk_min / float(idata.attrs["wall_seconds"]),
        "posterior_mean": {k: float(idata.posterior[k].mean()) for k in problem.report},
        "posterior_sd": {k: float(idata.posterior[k].std()) for k in problem.report},
        "reduced_chi2": {k: float(v) for k, v in idata.attrs.items() if "chi2" in k},
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    print("BENCH" + json.dumps(record))
    """
)


def _child(problem: str, params: list, cache: str) -> dict:
    env = os.environ | {"ASTROZOO_JAX_CACHE": cache}
    out = subprocess.run([sys.executable, "-c", _CHILD, problem, json.dumps(params)], env=env, capture_output=True,
                         text=True, check=True)
    return json.loads(next(line for line in out.stdout.splitlines() if line.startswith("BENCH"))[5:])


def cli_wall(cache: str, workdir: str) -> float:
    """Wall seconds of ``astrozoo fit vlbi-m87`` (fit, prior and posterior predictive, netCDF) in a new process."""
    env = os.environ | {"ASTROZOO_JAX_CACHE": cache}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "astrozoo.cli", "fit", "vlbi-m87", "--out", os.path.join(workdir, "m87.nc")],
                   env=env, capture_output=True, check=True)
    return time.perf_counter() - start


def bessel_accuracy() -> dict:
    """Max |J_n − scipy.special.jv| for n <= 8 on 0 <= x <= 100, in float64 and float32."""
    import jax
    import jax.numpy as jnp
    import numpy as np
    from scipy.special import jv

    from astrozoo.models.vlbi.bessel import MAX_ORDER, bessel_j_orders

    x = np.linspace(0.0, 100.0, 100001)
    f = jax.jit(lambda t: bessel_j_orders(MAX_ORDER, t))
    out = {}
    for dtype in (jnp.float64, jnp.float32):
        xd = np.asarray(x, dtype)
        values = np.asarray(f(jnp.asarray(xd)))
        out[f"bessel_max_abs_error_{jnp.dtype(dtype).name}"] = float(
            max(np.max(np.abs(values[n] - jv(n, xd.astype(float)))) for n in range(MAX_ORDER + 1))
        )
    return out


def benchmark(problem: str, params: list, cli: bool = False) -> dict:
    """Cold, warm-cache and repeat fits through the problem's own fitting function (best-of-32 start, NUTS)."""
    with tempfile.TemporaryDirectory() as cache, tempfile.TemporaryDirectory() as work:
        cold = _child(problem, params, cache)
        warm = _child(problem, params, cache)
        cli_s = cli_wall(cache, work) if cli else None
    record = {
        "problem": problem,
        "method": "nuts (best-of-32-optimisations start)",
        "wall_cold_s": cold["wall_first_s"],
        "wall_warm_cache_s": warm["wall_first_s"],
        "wall_warm_s": warm["wall_repeat_s"],
        "compile_s": cold["wall_first_s"] - cold["wall_repeat_s"],
        "cli_fit_wall_warm_cache_s": cli_s,
        "grad_eval_us": gradient_time_us(problem),
    }
    record |= {k: v for k, v in warm.items() if not k.startswith("wall_")}
    record["peak_rss_mb"] = max(cold["peak_rss_mb"], warm["peak_rss_mb"])
    return record


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="bench/results")
    args = parser.parse_args()
    records = [
        benchmark("vlbi-m87", PARAMS, cli=True) | bessel_accuracy(),
        benchmark("vlbi-gaussian-synthetic", ["flux", "fwhm_uas", "x0_uas", "y0_uas"]),
    ]
    write(records, os.path.join(args.out, "vlbi.json"))
