"""VLBI benchmarks. Targets for vlbi-m87 (EHT 2017 April 11, closure-only thick m-ring, 4 chains):
``astrozoo fit vlbi-m87`` converged in <= 60 s wall on a 2-core CPU, compile included; every chain in the main
mode; r_hat < 1.01 and ess_bulk >= 400 for d, width, |β1|, the brightness position angle and the systematic
error fraction f_sys; gradient of the log posterior <= 100 µs in float64; minimum ESS/s over those five >= 130.
Also the accuracy of the Bessel kernel."""

import argparse
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))

from harness import benchmark_problem, write  # noqa: E402

PARAMS = ["d_uas", "width_uas", "beta_abs", "pa_deg", "f_sys"]


def cli_wall(problem: str) -> float:
    """Wall seconds of ``astrozoo fit PROBLEM`` (start, NUTS, prior and posterior predictive, netCDF) in a new
    process, with a compilation cache filled by a first run."""
    with tempfile.TemporaryDirectory() as cache, tempfile.TemporaryDirectory() as work:
        env = os.environ | {"ASTROZOO_JAX_CACHE": cache}
        command = [sys.executable, "-m", "astrozoo.cli", "--quiet", "fit", problem, "--out", os.path.join(work, "f.nc")]
        subprocess.run(command, env=env, capture_output=True, check=True)
        start = time.perf_counter()
        subprocess.run(command, env=env, capture_output=True, check=True)
        return time.perf_counter() - start


def bessel_accuracy() -> dict:
    """Max |J_n − scipy.special.jv| for n <= 8 on 0 <= x <= 100, in float64 and float32."""
    import astrozoo  # noqa: F401  (float64 before JAX starts)
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


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="bench/results")
    args = parser.parse_args()
    records = [
        benchmark_problem("vlbi-m87", variables=PARAMS) | {"cli_fit_wall_warm_cache_s": cli_wall("vlbi-m87")}
        | bessel_accuracy(),
        benchmark_problem("vlbi-gaussian-synthetic"),
    ]
    write(records, os.path.join(args.out, "vlbi.json"))
