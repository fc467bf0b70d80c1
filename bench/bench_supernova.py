"""Supernova cosmology benchmarks. Target for sn-union21-flat-lcdm (4 chains x (500 + 1,000),
Ωm with the offset marginalised): a converged fit in <= 5 s wall in a warm process."""

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
    parser.add_argument("--only", help="benchmark one problem")
    args = parser.parse_args()
    names = [p.name for p in all_problems() if p.name.startswith("sn-") and args.only in (None, p.name)]
    write([benchmark_problem(name) for name in names], os.path.join(args.out, "supernova.json"))
