"""Cost of the NUTS progress bar. Target: <= 5 % on ``line-outliers-synthetic`` and ``vlbi-m87``.

In one process, with the programs compiled, NUTS runs with the problem's settings and start
alternately without a bar (one fused program) and with one (begin, chunks of transitions, finish);
the walls of each are the medians of ``--repeats``, and ``overhead`` is the ratio of the medians
minus one. The bar's output is discarded.
"""

import argparse
import contextlib
import io
import os
import statistics
import sys
import time
import warnings

sys.path.insert(0, os.path.dirname(__file__))

from harness import write  # noqa: E402

PROBLEMS = ("line-outliers-synthetic", "vlbi-m87")


def bar_overhead(name: str, repeats: int) -> dict:
    """Median NUTS walls without and with the bar, alternating, and the relative overhead."""
    from astrozoo.inference import nuts
    from astrozoo.inference.starts import chain_starts
    from astrozoo.problems import get

    problem = get(name)
    data = problem.load()
    settings = dict(problem.settings)
    if problem.start != "prior":
        settings |= chain_starts(problem.start, problem.model, **data, chains=settings.get("chains", 4), progress=False)

    def wall(progress: bool) -> float:
        start = time.perf_counter()
        with contextlib.redirect_stderr(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            nuts(problem.model, **data, **settings, progress=progress)
        return time.perf_counter() - start

    wall(False), wall(True)  # compile both
    walls = {False: [], True: []}
    for _ in range(repeats):
        for progress in (False, True):
            walls[progress].append(wall(progress))
    without, with_bar = statistics.median(walls[False]), statistics.median(walls[True])
    return {"problem": name, "nuts_without_bar_s": without, "nuts_with_bar_s": with_bar,
            "walls_without_bar_s": walls[False], "walls_with_bar_s": walls[True],
            "overhead": with_bar / without - 1, "target_overhead": 0.05}


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="bench/results")
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    records = [{"benchmark": "progress bar"} | bar_overhead(name, args.repeats) for name in PROBLEMS]
    write(records, os.path.join(args.out, "progress.json"))
