"""The comparison of several fits of the same data: a table and a plot, written by ``astrozoo compare``."""

import warnings
from pathlib import Path

import arviz as az
import matplotlib

matplotlib.use("Agg")

from astrozoo.figures import save_figure  # noqa: E402
from astrozoo.files import atomic_write, check_writable  # noqa: E402
from astrozoo.inference.comparison import compare  # noqa: E402


def write_comparison(fits: dict, outdir) -> tuple:
    """Compare ``fits`` (name -> InferenceData of the same data) by PSIS-LOO and write the result.

    Writes ``comparison.csv`` (ArviZ's table: rank, elpd_loo, p_loo,
    elpd_diff, stacking weight, se, dse, warning), ``comparison.md`` and
    ``comparison.png`` (elpd_loo of each fit with its standard error, and the
    difference to the best with its own) into ``outdir``, each atomically.

    Returns:
        (the table, a pandas DataFrame, best first; the path of comparison.csv).

    Raises:
        ValueError: see :func:`astrozoo.inference.comparison.compare`.
    """
    outdir = check_writable(outdir, folder=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # high Pareto k̂ shows in the table's "warning" column
        table = compare(fits)
    outdir.mkdir(parents=True, exist_ok=True)
    with atomic_write(outdir / "comparison.csv") as part:
        table.to_csv(part)
    columns = ["rank", "elpd_loo", "se", "elpd_diff", "dse", "p_loo", "weight", "warning"]
    lines = ["| model | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    lines += [f"| {name} | " + " | ".join(f"{row[c]:.4g}" if isinstance(row[c], float) else str(row[c])
                                         for c in columns) + " |" for name, row in table.iterrows()]
    with atomic_write(outdir / "comparison.md") as part:
        Path(part).write_text("\n".join(lines) + "\n")
    axis = az.plot_compare(table, insample_dev=False)
    save_figure(axis.figure, outdir / "comparison.png")
    return table, outdir / "comparison.csv"
