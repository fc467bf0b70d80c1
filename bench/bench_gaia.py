"""Gaia M67 benchmarks. Targets for gaia-m67 (distances integrated out, its default settings):
`astrozoo fit gaia-m67` converged (r_hat < 1.01, ess_bulk >= 400 for D, sigma, L, Q) in <= 30 s
wall on 2 cores; ESS/s >= 10x that of the latent-distance formulation (gaia-m67-latent) run
with the same settings; peak RSS <= 2 GB. Gradient-evaluation times of both are reported.

The latent-distance fit is expensive (minutes): it runs once, in a fresh process, with a
warm compilation cache; --no-latent skips it.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))

import astrozoo  # noqa: E402,F401
from harness import benchmark_problem, gradient_time_us, write  # noqa: E402

from astrozoo.problems import get  # noqa: E402

REPORT = ["D", "sigma", "L", "Q"]

_ONE_FIT = """
import json, resource, sys, time
import astrozoo
from astrozoo.inference import nuts
from astrozoo.inference.diagnostics import convergence
from astrozoo.problems import get

problem = get(sys.argv[1])
settings = dict(problem.settings) | {"progress": False}
start = time.perf_counter()
idata = nuts(problem.model, **problem.load(), **settings)
wall = time.perf_counter() - start
diag = convergence(idata, %r)
print("BENCH" + json.dumps({
    "wall_s": wall, "sampling_s": float(idata.attrs["wall_seconds"]), "min_ess_bulk": diag.ess_bulk_min,
    "max_r_hat": diag.r_hat_max, "divergences": diag.divergences,
    "grad_evals": int(idata.sample_stats.n_steps.sum()),
    "ess_per_s": diag.ess_bulk_min / float(idata.attrs["wall_seconds"]),
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
""" % (REPORT,)


def one_fit(problem: str, cache: str) -> dict:
    """One fit with the problem's settings, in a fresh process sharing ``cache``; ESS/s per second of sampling."""
    env = os.environ | {"ASTROZOO_JAX_CACHE": cache}
    out = subprocess.run([sys.executable, "-c", _ONE_FIT, problem], env=env, capture_output=True, text=True,
                         check=True)
    line = next(l for l in out.stdout.splitlines() if l.startswith("BENCH"))
    return json.loads(line[len("BENCH"):]) | {"problem": problem, "settings": dict(get(problem).settings)}


def cli_fit(problem: str, cache: str) -> dict:
    """Wall time and peak RSS of ``astrozoo fit`` (fit, prior and posterior predictive, write) in a new process."""
    env = os.environ | {"ASTROZOO_JAX_CACHE": cache}
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "astrozoo.cli", "fit", problem, "--out", os.path.join(out, "fit.nc")],
                       env=env, check=True, capture_output=True)
        wall = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"cli_fit_wall_s": wall, "cli_peak_rss_mb": rss}


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="bench/results")
    parser.add_argument("--no-latent", action="store_true", help="skip the (slow) latent-distance fit")
    args = parser.parse_args()
    load_start = os.getloadavg()[0]
    fast = benchmark_problem("gaia-m67")
    with tempfile.TemporaryDirectory() as cache:
        one_fit("gaia-m67", cache)  # fill the cache: the CLI run below is warm
        fast |= {f"{k}_warm_cache": v for k, v in cli_fit("gaia-m67", cache).items()}
    records = [fast | {"converged": fast["max_r_hat"] < 1.01 and fast["min_ess_bulk"] >= 400}]
    if not args.no_latent:
        with tempfile.TemporaryDirectory() as cache:
            latent = one_fit("gaia-m67-latent", cache)
        latent["grad_eval_us"] = gradient_time_us("gaia-m67-latent")
        records.append(latent)
        records.append({
            "comparison": "gaia-m67 / gaia-m67-latent",
            "ess_per_s_ratio": fast["ess_per_s"] / latent["ess_per_s"],
            "grad_eval_ratio": fast["grad_eval_us"] / latent["grad_eval_us"],
        })
    records.append({"load_average_1min_at_start": load_start, "load_average_1min_at_end": os.getloadavg()[0]})
    write(records, os.path.join(args.out, "gaia.json"))
