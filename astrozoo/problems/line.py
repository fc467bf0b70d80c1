"""Straight-line problems: Hogg, Bovy & Lang (2010) and the NumPyro introduction."""

from astrozoo.data.line import hogg2010
from astrozoo.data.line.synthetic import outlier_data
from astrozoo.models import line as models
from astrozoo.problems import Problem, Reference

_HOGG = hogg2010.CITATION
_HOGG_PRIORS = {"slope_scale": 10.0, "intercept_scale": 1000.0}
_COLUMNS = ("x", "sigma_y", "y")


def _hogg(first, columns=_COLUMNS, **priors):
    def load():
        table = hogg2010.table1(first, 20)
        return {c: table[c] for c in columns} | priors

    return load


def fit_figure(idata, outdir):
    """The data with their error bars and 100 posterior lines; points coloured by
    posterior outlier probability where the model has one."""
    import matplotlib.pyplot as plt
    import numpy as np

    x = idata.constant_data["x"].values
    y = idata.observed_data["y"].values
    post = idata.posterior.stack(sample=("chain", "draw"))
    pick = np.random.default_rng(0).choice(post.sizes["sample"], 100)
    grid = np.linspace(x.min() - 0.1 * np.ptp(x), x.max() + 0.1 * np.ptp(x), 50)
    fig, ax = plt.subplots(figsize=(6, 4.5))
    lines = post["m"].values[pick, None] * grid + post["b"].values[pick, None]
    ax.plot(grid, lines.T, color="C0", alpha=0.05)
    xerr = idata.constant_data["sigma_x"].values if "sigma_x" in idata.constant_data else None
    ax.errorbar(x, y, idata.constant_data["sigma_y"].values, xerr, fmt="none", ecolor="k", zorder=2)
    if "p_outlier" in post:
        points = ax.scatter(x, y, c=post["p_outlier"].mean("sample"), cmap="coolwarm", vmin=0, vmax=1, zorder=3)
        fig.colorbar(points, label="posterior outlier probability")
    else:
        ax.plot(x, y, ".k", zorder=3)
    ax.set(xlabel="x", ylabel="y", title="data and 100 posterior lines")
    path = outdir / "fit.png"
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return [path]


def _introduction():
    data, _ = outlier_data()
    return data | {"slope_scale": 3.0, "intercept_scale": 3.0, "outlier_mean_scale": 3.0, "outlier_width_scale": 3.0}


PROBLEMS = [
    Problem(
        name="line",
        title="Straight line, known σy: Hogg et al. (2010) points 5-20 (exercise 1)",
        model=models.line,
        load=_hogg(5, **_HOGG_PRIORS),
        settings={"dense_mass": True},
        report=("m", "b"),
        references={
            "m": Reference(2.24, 0.11, "Hogg et al. (2010), exercise 1"),
            "b": Reference(34.0, 18.0, "Hogg et al. (2010), exercise 1"),
        },
        plots=(fit_figure,),
        citation=_HOGG,
    ),
    Problem(
        name="line-scatter",
        title="Straight line with intrinsic scatter: Hogg et al. (2010) points 5-20",
        model=models.line_scatter,
        load=_hogg(5, **_HOGG_PRIORS, scatter_scale=100.0),
        settings={"dense_mass": True},
        report=("m", "b", "scatter"),
        plots=(fit_figure,),
        citation=_HOGG,
    ),
    Problem(
        name="line-2d",
        title="Straight line with 2-D uncertainties: all 20 Hogg et al. (2010) points",
        model=models.line_2d,
        load=_hogg(1, ("x", "sigma_x", "sigma_y", "rho_xy", "y"), offset_scale=1000.0),
        report=("m", "b", "theta", "b_perp"),
        plots=(fit_figure,),
        citation=_HOGG,
    ),
    Problem(
        name="line-outliers",
        title="Straight line with a good/bad outlier mixture: all 20 Hogg et al. (2010) points",
        model=models.line_outliers,
        load=_hogg(1, **_HOGG_PRIORS, outlier_mean_scale=1000.0, outlier_width_scale=1000.0),
        settings={"dense_mass": True, "target_accept": 0.95},
        report=("m", "b", "q"),
        plots=(fit_figure,),
        citation=_HOGG,
    ),
    Problem(
        name="line-outliers-synthetic",
        title="Outlier mixture on the NumPyro introduction's 15 synthetic points",
        model=models.line_outliers,
        load=_introduction,
        settings={"chains": 2, "warmup": 2000, "draws": 2000, "target_accept": 0.95},
        report=("m", "b", "q"),
        plots=(fit_figure,),
        citation="The NumPyro introduction for astronomers (synthetic data, seed 12)",
    ),
]
