"""Run every benchmark (bench/bench_*.py), each in its own process, writing JSON into --out."""

import argparse
import glob
import os
import subprocess
import sys

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="bench/results")
    parser.add_argument("only", nargs="*", help="only these benchmarks, e.g. line gaia")
    args = parser.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    scripts = sorted(glob.glob(os.path.join(here, "bench_*.py")))
    if args.only:
        scripts = [s for s in scripts if os.path.basename(s)[6:-3] in args.only]
    failed = []
    for script in scripts:
        print(f"== {os.path.basename(script)}", flush=True)
        if subprocess.run([sys.executable, script, "--out", args.out]).returncode:
            failed.append(script)
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")
