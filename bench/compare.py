"""Before/after: the benchmark suite of a baseline checkout and of this tree, back to back, in one run.

The baseline (default /work/baseline, the code before a redesign) is installed, not editable, into its own
folder (``pip install --no-deps --target SITE``) and run with ``PYTHONPATH=SITE``, by its own ``bench/``
scripts; this tree runs with the environment's install, by its ``bench/``. Each side runs in a scratch
working directory: a checkout's own ``astrozoo/`` folder must not shadow the installed package (the script
checks where ``import astrozoo`` resolves before running anything). The start-up benchmark
(``bench_startup.py``, which only runs the CLI) is this tree's script run against both installs.

Writes OUT/baseline/*.json, OUT/current/*.json and OUT/compare.json: for every record and every number the
two sides share, (baseline, current, current / baseline).

    python bench/compare.py                       # the whole suite, both sides (long: run on a quiet machine)
    python bench/compare.py --problem line        # one problem through each side's harness (a quick check)
"""

import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CURRENT = os.path.dirname(HERE)

_ONE_PROBLEM = """
import json, sys
sys.path.insert(0, sys.argv[1])
import astrozoo
from harness import benchmark_problem
record = benchmark_problem(sys.argv[2])
json.dump({"records": [record]}, open(sys.argv[3], "w"), indent=2)
"""


def install_baseline(baseline: str, site: str) -> None:
    """Install ``baseline`` (not editable, no dependencies) into the folder ``site``."""
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--upgrade", "--target", site,
                    baseline], check=True)


def environment(site: str | None) -> dict:
    """The environment of one side: PYTHONPATH=site for the baseline, unchanged for this tree."""
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    return env | ({"PYTHONPATH": site} if site else {})


def resolved(env: dict, workdir: str) -> str:
    """The folder ``import astrozoo`` resolves to with ``env``, from ``workdir``."""
    code = "import os, astrozoo, astrozoo.models; print(os.path.dirname(astrozoo.models.__file__))"
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=workdir, capture_output=True, text=True,
                         check=True)
    return out.stdout.strip()


def run_side(tree: str, site: str | None, out: str, problem: str | None, only: list) -> None:
    """Run one side's benchmarks (or one problem through its harness), JSON into ``out``."""
    env = environment(site)
    os.makedirs(out, exist_ok=True)
    with tempfile.TemporaryDirectory() as workdir:
        models = resolved(env, workdir)
        expected = os.path.join(site, "astrozoo", "models") if site else os.path.join(CURRENT, "models")
        if os.path.realpath(models) != os.path.realpath(expected):
            sys.exit(f"astrozoo.models resolves to {models}, expected {expected}")
        print(f"== {tree}: astrozoo.models from {models}", flush=True)
        if problem:
            target = os.path.join(out, f"{problem}.json")
            command = [sys.executable, "-c", _ONE_PROBLEM, os.path.join(tree, "bench"), problem, target]
            subprocess.run(command, env=env, cwd=workdir, check=True)
            return
        subprocess.run([sys.executable, os.path.join(tree, "bench", "run.py"), "--out", out, *only], env=env,
                       cwd=workdir, check=True)
        if not only or "startup" in only:
            subprocess.run([sys.executable, os.path.join(HERE, "bench_startup.py"), "--out", out], env=env,
                           cwd=workdir, check=True)


def numbers(record: dict, prefix: str = "") -> dict:
    """Flattened numeric entries of a record: key path -> value."""
    flat = {}
    for key, value in record.items():
        if isinstance(value, dict):
            flat |= numbers(value, f"{prefix}{key}.")
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            flat[f"{prefix}{key}"] = value
    return flat


def label(record: dict, index: int) -> str:
    return str(record.get("problem") or record.get("benchmark") or record.get("comparison") or index)


def side_by_side(before_dir: str, after_dir: str) -> dict:
    """For each JSON file and record both sides have: shared numbers as [baseline, current, ratio]."""
    table = {}
    for path in sorted(glob.glob(os.path.join(after_dir, "*.json"))):
        name = os.path.basename(path)
        if not os.path.exists(os.path.join(before_dir, name)):
            continue
        with open(os.path.join(before_dir, name)) as f:
            before = {label(r, i): numbers(r) for i, r in enumerate(json.load(f)["records"])}
        with open(path) as f:
            after = {label(r, i): numbers(r) for i, r in enumerate(json.load(f)["records"])}
        for key in before.keys() & after.keys():
            shared = before[key].keys() & after[key].keys()
            table[f"{name}:{key}"] = {
                k: [before[key][k], after[key][k], after[key][k] / before[key][k] if before[key][k] else None]
                for k in sorted(shared)}
    return table


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", default="/work/baseline")
    parser.add_argument("--site", default="/work/baseline-site", help="where the baseline is installed")
    parser.add_argument("--out", default=os.path.join(HERE, "results", "compare"))
    parser.add_argument("--problem", help="only this problem, through each side's harness.benchmark_problem")
    parser.add_argument("--no-install", action="store_true", help="use the baseline already in --site")
    parser.add_argument("only", nargs="*", help="only these benchmarks, e.g. line vlbi startup")
    args = parser.parse_args()
    if not args.no_install:
        install_baseline(args.baseline, args.site)
    before, after = os.path.join(args.out, "baseline"), os.path.join(args.out, "current")
    run_side(args.baseline, args.site, before, args.problem, args.only)
    run_side(CURRENT, None, after, args.problem, args.only)
    table = side_by_side(before, after)
    with open(os.path.join(args.out, "compare.json"), "w") as f:
        json.dump(table, f, indent=2)
    print(json.dumps(table, indent=2))
