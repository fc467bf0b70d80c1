"""Gaia M67 benchmarks. Targets for gaia-m67 (distances integrated out, its default settings):
`astrozoo fit gaia-m67` converged (r_hat < 1.01, ess_bulk >= 400 for D, sigma, L, Q) in <= 30 s
wall on 2 cores; ESS/s >= 10x that of the latent-distance formulation (gaia-m67-latent) run
with the same settings; peak RSS <= 2 GB. Gradient-evaluation times of both are reported.

gaia-m67 is timed whole: its Laplace start and NUTS. The latent-distance fit runs once, in a
fresh process, with the same chains, warm-up and draws, NumPyro's usual adaptation and
a start at the prior median (a Laplace start means nothing for 4,267 parameters with a
two-component prior on each distance); --no-latent skips it. --latent-reference also runs it with the
NumPyro introduction's settings, 2 x (2,000 + 4,000), which take minutes.
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
from harness import benchmark_problem, gradient_time, write  # noqa: E402

from astrozoo.problems import get  # noqa: E402

REPORT = ["D", "sigma", "L", "Q"]

_ONE_FIT = """
import json, resource, sys, time
import astrozoo
from astrozoo.inference import nuts
from astrozoo.inference.diagnostics import convergence
from astrozoo.problems import get

problem = get(sys.argv[1])
settings = dict(problem.settings) | json.loads(sys.argv[2]) | {"progress": False}
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


def one_fit(problem: str, cache: str, **settings) -> dict:
    """One plain NUTS fit with the problem's settings (updated by ``settings``), in a fresh process sharing ``cache``.

    ESS/s is per second of sampling.
    """
    env = os.environ | {"ASTROZOO_JAX_CACHE": cache}
    out = subprocess.run([sys.executable, "-c", _ONE_FIT, problem, json.dumps(settings)], env=env,
                         capture_output=True, text=True, check=True)
    line = next(l for l in out.stdout.splitlines() if l.startswith("BENCH"))
    used = dict(get(problem).settings) | settings
    return json.loads(line[len("BENCH"):]) | {
        "problem": problem, "settings": {k: getattr(v, "__name__", v) for k, v in used.items()}
    }


def cli_fit(problem: str, cache: str) -> dict:
    """Wall time of ``astrozoo fit`` (fit, prior and posterior predictive, write) in a new process.

    Peak RSS is the largest of any child process so far.
    """
    env = os.environ | {"ASTROZOO_JAX_CACHE": cache}
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "astrozoo.cli", "--quiet", "fit", problem, "--out", os.path.join(out, "fit.nc")],
                       env=env, check=True, capture_output=True)
        wall = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"cli_fit_wall_s": wall, "cli_peak_rss_mb": rss}


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="bench/results")
    parser.add_argument("--no-latent", action="store_true", help="skip the (slow) latent-distance fit")
    parser.add_argument("--latent-reference", action="store_true",
                        help="also fit the latent-distance model with 2 x (2000 + 4000), the introduction's settings")
    args = parser.parse_args()
    load_start = os.getloadavg()[0]
    fast = benchmark_problem("gaia-m67")
    with tempfile.TemporaryDirectory() as cache:
        fast |= {f"{k}_cold": v for k, v in cli_fit("gaia-m67", cache).items()}
        fast |= {f"{k}_warm_cache": v for k, v in cli_fit("gaia-m67", cache).items()}
    records = [fast | {"converged": fast["max_r_hat"] < 1.01 and fast["min_ess_bulk"] >= 400}]
    if not args.no_latent:
        latent_grad_us = gradient_time("gaia-m67-latent")["grad_eval_us"]
        runs = [{}] + ([{"chains": 2, "warmup": 2000, "draws": 4000}] if args.latent_reference else [])
        for settings in runs:
            with tempfile.TemporaryDirectory() as cache:
                latent = one_fit("gaia-m67-latent", cache, **settings) | {"grad_eval_us": latent_grad_us}
            records.append(latent)
            records.append({
                "comparison": f"gaia-m67 / gaia-m67-latent {latent['settings']}",
                "ess_per_s_ratio": fast["ess_per_s"] / latent["ess_per_s"],
                "grad_eval_ratio": fast["grad_eval_us"] / latent["grad_eval_us"],
            })
    records.append({"load_average_1min_at_start": load_start, "load_average_1min_at_end": os.getloadavg()[0]})
    write(records, os.path.join(args.out, "gaia.json"))
