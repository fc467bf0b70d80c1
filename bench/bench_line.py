"""Straight-line benchmarks. Target for line-outliers-synthetic (2 chains x (2,000 + 2,000)):
<= 1.0 s in a fresh process with a warm compilation cache, <= 0.5 s for a repeat."""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))

import astrozoo  # noqa: E402,F401
from harness import benchmark_problem, write  # noqa: E402

from astrozoo.problems import all_problems  # noqa: E402

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="bench/results")
    args = parser.parse_args()
    names = [p.name for p in all_problems() if p.name.startswith("line")]
    write([benchmark_problem(name) for name in names], os.path.join(args.out, "line.json"))
