"""Galaxy SED benchmarks (issue targets, on a 2-core CPU):

- forward photometry (14 bands) <= 200 µs per galaxy, its gradient <= 3x the forward call;
- vmap-batched forward >= 5,000 galaxies/s;
- single-galaxy NUTS (sed-mock) converged (r_hat < 1.01, ess_bulk >= 400) in <= 30 s;
- catalogue MAP + Laplace >= 50 galaxies/s;
- peak memory.
"""

import argparse
import os
import resource
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))

import astrozoo  # noqa: E402,F401
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
from harness import gradient_time_us, write  # noqa: E402

from astrozoo.data import synthetic_sed  # noqa: E402
from astrozoo.inference.diagnostics import convergence  # noqa: E402
from astrozoo.models import sed  # noqa: E402
from astrozoo.models.sed import forward  # noqa: E402
from astrozoo.problems import get  # noqa: E402
from astrozoo.problems import sed as sed_problems  # noqa: E402

PARAMS = ("log_stellar_mass", "log_sfr", "av", "age_gyr", "tau_gyr", "log_z_sun")


def _loop_us(fn, theta, repeats):
    """µs per call of fn(theta) -> array, in a compiled loop where each call feeds the next."""

    @jax.jit
    def loop(t):
        return jax.lax.fori_loop(0, repeats, lambda _, t: t + 1e-12 * jnp.sum(fn(t)), t)

    jax.block_until_ready(loop(theta))
    start = time.perf_counter()
    jax.block_until_ready(loop(theta))
    return (time.perf_counter() - start) / repeats * 1e6


def forward_timings(repeats=2000, batch=10_000):
    phot = forward.cached_photometer(synthetic_sed.DEFAULT_FILTERS, forward.z_nodes_for(None, synthetic_sed.CATALOG_Z_RANGE))

    def maggies(theta):
        z, log_mass, log_z_sun, age, tau, av = (theta[i] for i in range(6))
        flux, _ = forward.photometry(phot, z, log_mass, log_z_sun + np.log10(0.02), "delayed-tau",
                                     {"age_gyr": age, "tau_gyr": tau}, "calzetti", {"av": av})
        return flux

    theta = jnp.array([0.1, 10.5, 0.0, 8.0, 2.0, 0.5])
    forward_us = _loop_us(maggies, theta, repeats)
    grad_us = _loop_us(jax.grad(lambda t: jnp.sum(jnp.log(maggies(t)))), theta, repeats)
    rng = np.random.default_rng(0)
    thetas = jnp.asarray(np.column_stack([rng.uniform(0.02, 0.33, batch), rng.uniform(9, 11.5, batch),
                                          rng.uniform(-1, 0.3, batch), rng.uniform(1, 12, batch),
                                          rng.uniform(0.3, 10, batch), rng.uniform(0, 1.5, batch)]))
    batched = jax.jit(jax.vmap(maggies))
    jax.block_until_ready(batched(thetas))
    start = time.perf_counter()
    jax.block_until_ready(batched(thetas))
    per_s = batch / (time.perf_counter() - start)
    return {"bands": len(phot.bands), "wavelengths": int(phot.wave_aa.size), "age_bins": int(phot.edges_yr.size - 1),
            "forward_us": forward_us, "gradient_us": grad_us, "gradient_over_forward": grad_us / forward_us,
            "vmap_forward_galaxies_per_s": per_s, "vmap_batch": batch,
            "potential_gradient_us_sed_mock": gradient_time_us("sed-mock", repeats=500)}


def single_galaxy_nuts():
    problem = get("sed-mock")
    settings = dict(problem.settings) | {"progress": False}
    walls, idata = [], None
    for seed in (0, 1):
        start = time.perf_counter()
        idata = sed_problems.fit_mock(problem, "nuts", **(settings | {"seed": seed}))
        walls.append(time.perf_counter() - start)
    diag = convergence(idata, [v for v in PARAMS if v in idata.posterior])
    return {"problem": "sed-mock", "settings": {k: v for k, v in settings.items() if k != "progress"},
            "wall_first_s": walls[0], "wall_repeat_s": walls[1], "sampling_s": float(idata.attrs["wall_seconds"]),
            "max_r_hat": diag.r_hat_max, "min_ess_bulk": diag.ess_bulk_min, "divergences": diag.divergences,
            "ess_per_s": diag.ess_bulk_min / walls[1],
            "converged": bool(diag.r_hat_max < 1.01 and diag.ess_bulk_min >= 400)}


def catalogue(n=1000):
    data, truth = synthetic_sed.mock_catalog(n)
    static = {"filters": synthetic_sed.DEFAULT_FILTERS, "z_range": synthetic_sed.CATALOG_Z_RANGE}
    runs = []
    for seed in (0, 1):
        start = time.perf_counter()
        (estimate, samples, _, _, converged), _ = sed_problems.map_laplace_catalog(
            sed.photometry, data["flux"], data["flux_err"], data["redshift"], seed=seed, progress=False, **static)
        runs.append(time.perf_counter() - start)
    error = estimate["log_stellar_mass"] - truth["log_stellar_mass"]
    return {"galaxies": n, "wall_first_s": runs[0], "wall_repeat_s": runs[1], "galaxies_per_s": n / runs[1],
            "converged_fraction": float(np.mean(converged)),
            "log_stellar_mass_error_median_abs": float(np.median(np.abs(error))),
            "log_stellar_mass_within_3sd": float(np.mean(np.abs(error) < 3 * samples["log_stellar_mass"].std(1))),
            "av_error_median_abs": float(np.median(np.abs(estimate["av"] - truth["av"]))),
            "log_sfr_error_median_abs": float(np.median(np.abs(estimate["log_sfr"] - truth["log_sfr"])))}


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="bench/results")
    parser.add_argument("--galaxies", type=int, default=1000)
    args = parser.parse_args()
    records = [{"benchmark": "forward"} | forward_timings(),
               {"benchmark": "nuts"} | single_galaxy_nuts(),
               {"benchmark": "catalogue"} | catalogue(args.galaxies)]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for record in records:
        record["peak_rss_mb_process"] = peak
    write(records, os.path.join(args.out, "sed.json"))
