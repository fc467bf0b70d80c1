"""Galaxy SED benchmarks (issue targets, on a 2-core CPU):

- forward photometry (14 bands) <= 200 µs per galaxy, its gradient <= 3x the forward call;
- vmap-batched forward >= 5,000 galaxies/s;
- single-galaxy NUTS (sed-mock) converged (r_hat < 1.01, ess_bulk >= 400) in <= 30 s;
- catalogue MAP + Laplace (sed-catalog-mock, 1,000 galaxies) >= 50 galaxies/s;
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
from harness import benchmark_problem, gradient_time, per_call_us, write  # noqa: E402

from astrozoo.data.sed import synthetic  # noqa: E402
from astrozoo.fitting import fit_problem  # noqa: E402
from astrozoo.models.sed import forward  # noqa: E402
from astrozoo.problems import get  # noqa: E402

PARAMS = ("log_stellar_mass", "log_sfr", "av", "age_gyr", "tau_gyr", "log_z_sun")


def forward_timings(batch=10_000):
    phot = forward.cached_photometer(synthetic.DEFAULT_FILTERS, forward.z_nodes_for(None, synthetic.CATALOG_Z_RANGE))

    def maggies(theta):
        z, log_mass, log_z_sun, age, tau, av = (theta[i] for i in range(6))
        flux, _ = forward.photometry(phot, z, log_mass, log_z_sun + np.log10(0.02), "delayed-tau",
                                     {"age_gyr": age, "tau_gyr": tau}, "calzetti", {"av": av})
        return flux

    theta = jnp.array([0.1, 10.5, 0.0, 8.0, 2.0, 0.5])
    gradient = jax.grad(lambda t: jnp.sum(jnp.log(maggies(t))))
    forward_us = per_call_us(lambda t: t + 1e-12 * jnp.sum(maggies(t)), theta)["us"]
    grad_us = per_call_us(lambda t: t + 1e-12 * jnp.tanh(gradient(t)), theta)["us"]
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
            "potential_gradient_us_sed_mock": gradient_time("sed-mock")["grad_eval_us"]}


def catalogue():
    """``astrozoo fit sed-catalog-mock``'s pipeline twice in this process; MAP errors against the mock's truths."""
    problem = get("sed-catalog-mock")
    _, truth = synthetic.mock_catalog()
    walls = []
    for seed in (0, 1):
        start = time.perf_counter()
        idata = fit_problem(problem, progress=False, seed=seed)
        walls.append(time.perf_counter() - start)
    estimate, draws = idata.map_estimate, idata.posterior
    n = estimate.sizes[next(iter(estimate["av"].dims))]
    error = estimate["log_stellar_mass"].values - truth["log_stellar_mass"]
    sd = draws["log_stellar_mass"].std(("chain", "draw")).values
    return {"galaxies": n, "wall_first_s": walls[0], "wall_repeat_s": walls[1],
            "map_laplace_s": float(idata.attrs["wall_seconds"]),
            "galaxies_per_s": n / float(idata.attrs["wall_seconds"]),
            "converged_fraction": 1.0 - len(idata.attrs["unconverged_objects"]) / n,
            "log_stellar_mass_error_median_abs": float(np.median(np.abs(error))),
            "log_stellar_mass_within_3sd": float(np.mean(np.abs(error) < 3 * sd)),
            "av_error_median_abs": float(np.median(np.abs(estimate["av"].values - truth["av"]))),
            "log_sfr_error_median_abs": float(np.median(np.abs(estimate["log_sfr"].values - truth["log_sfr"])))}


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="bench/results")
    args = parser.parse_args()
    nuts = benchmark_problem("sed-mock", variables=PARAMS)
    records = [{"benchmark": "forward"} | forward_timings(),
               {"benchmark": "nuts"} | nuts | {"converged": nuts["max_r_hat"] < 1.01 and nuts["min_ess_bulk"] >= 400},
               {"benchmark": "catalogue"} | catalogue()]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for record in records:
        record["peak_rss_mb_process"] = peak
    write(records, os.path.join(args.out, "sed.json"))
