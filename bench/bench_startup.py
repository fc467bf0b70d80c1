"""Start-up benchmarks. Targets: ``astrozoo --help`` and ``astrozoo list`` <= 0.5 s each (process wall);
``astrozoo fit line-outliers-synthetic`` <= 0.75x the process wall of the same fit as a plain NumPyro script
(bench/plain_numpyro_line_outliers.py), the two run alternately, side by side.

Every number is the wall of a new process (``python -m astrozoo.cli ...``), the median of ``--repeats``.
The astrozoo fit is timed with an empty compilation cache (cold) and with the cache its first run filled
(warm cache); the plain script has no persistent cache, as a user's script. ``list_imports`` names the
heavy packages ``astrozoo list`` imports (from ``python -X importtime``) with their cumulative import time.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))

from harness import write  # noqa: E402

PLAIN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "plain_numpyro_line_outliers.py")
PROBLEM = "line-outliers-synthetic"
HEAVY = ("jax", "jaxlib", "numpyro", "arviz", "xarray", "astropy", "scipy", "matplotlib", "pandas", "h5py", "optax")


def wall(command: list, env: dict | None = None) -> tuple[float, str]:
    """(Wall seconds, stdout) of ``command`` in a new process; CalledProcessError if it fails."""
    start = time.perf_counter()
    out = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    return time.perf_counter() - start, out.stdout


def cli(*args) -> list:
    return [sys.executable, "-m", "astrozoo.cli", *args]


def heavy_imports(*args) -> dict:
    """Package -> cumulative import seconds, for the HEAVY packages the command imports."""
    out = subprocess.run([sys.executable, "-X", "importtime", "-m", "astrozoo.cli", *args], capture_output=True,
                         text=True, check=True)
    found = {}
    for line in out.stderr.splitlines():
        parts = [p.strip() for p in line.split("|")]
        if len(parts) == 3 and parts[2] in HEAVY:
            found[parts[2]] = int(parts[1]) * 1e-6
    return found


def startup(repeats: int) -> dict:
    """Median process walls of ``astrozoo --help`` and ``astrozoo list``."""
    record = {}
    for label, args in (("help", ["--help"]), ("list", ["list"])):
        walls = [wall(cli(*args))[0] for _ in range(repeats)]
        record |= {f"{label}_wall_s": statistics.median(walls), f"{label}_walls_s": walls}
    record["list_imports_s"] = heavy_imports("list")
    record["help_imports_s"] = heavy_imports("--help")
    return record


def fit_versus_plain(repeats: int) -> dict:
    """Process walls of the astrozoo fit (cold, warm cache) and of the plain NumPyro script, run alternately."""
    from astrozoo.data.line.synthetic import outlier_data

    plain, cold, warm, means = [], [], [], {}
    for _ in range(repeats):
        seconds, out = wall([sys.executable, PLAIN])
        plain.append(seconds)
        result = json.loads(out.strip().splitlines()[-1])
        with tempfile.TemporaryDirectory() as cache, tempfile.TemporaryDirectory() as work:
            env = os.environ | {"ASTROZOO_JAX_CACHE": cache}
            command = cli("--quiet", "fit", PROBLEM, "--out", os.path.join(work, "fit.nc"))
            cold.append(wall(command, env)[0])
            warm.append(wall(command, env)[0])
        means = {"plain_m": result["m"], "plain_b": result["b"]}
    data, _ = outlier_data()
    same = bool(len(result["x"]) == len(data["x"]) and max(abs(a - b) for a, b in zip(result["x"], data["x"])) == 0
                and max(abs(a - b) for a, b in zip(result["y"], data["y"])) == 0)
    plain_s, cold_s, warm_s = (statistics.median(v) for v in (plain, cold, warm))
    return {"problem": PROBLEM, "same_data": same, "plain_numpyro_wall_s": plain_s, "plain_numpyro_walls_s": plain,
            "astrozoo_fit_cold_wall_s": cold_s, "astrozoo_fit_cold_walls_s": cold,
            "astrozoo_fit_warm_cache_wall_s": warm_s, "astrozoo_fit_warm_cache_walls_s": warm,
            "ratio_warm_cache": warm_s / plain_s, "ratio_cold": cold_s / plain_s,
            "target_ratio": 0.75} | means


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="bench/results")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-fit", action="store_true", help="only the --help and list timings")
    args = parser.parse_args()
    records = [{"benchmark": "startup"} | startup(args.repeats)]
    if not args.no_fit:
        records.append({"benchmark": "fit versus plain NumPyro"} | fit_versus_plain(args.repeats))
    write(records, os.path.join(args.out, "startup.json"))
