"""Straight-line problems: Hogg, Bovy & Lang (2010) and the NumPyro introduction."""

from astrozoo.data import hogg2010
from astrozoo.data.synthetic_line import outlier_data
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
        citation=_HOGG,
    ),
    Problem(
        name="line-scatter",
        title="Straight line with intrinsic scatter: Hogg et al. (2010) points 5-20",
        model=models.line_scatter,
        load=_hogg(5, **_HOGG_PRIORS, scatter_scale=100.0),
        settings={"dense_mass": True},
        report=("m", "b", "scatter"),
        citation=_HOGG,
    ),
    Problem(
        name="line-2d",
        title="Straight line with 2-D uncertainties: all 20 Hogg et al. (2010) points",
        model=models.line_2d,
        load=_hogg(1, ("x", "sigma_x", "sigma_y", "rho_xy", "y"), offset_scale=1000.0),
        report=("m", "b", "theta", "b_perp"),
        citation=_HOGG,
    ),
    Problem(
        name="line-outliers",
        title="Straight line with a good/bad outlier mixture: all 20 Hogg et al. (2010) points",
        model=models.line_outliers,
        load=_hogg(1, **_HOGG_PRIORS, outlier_mean_scale=1000.0, outlier_width_scale=1000.0),
        settings={"dense_mass": True, "target_accept": 0.95},
        report=("m", "b", "q"),
        citation=_HOGG,
    ),
    Problem(
        name="line-outliers-synthetic",
        title="Outlier mixture on the NumPyro introduction's 15 synthetic points",
        model=models.line_outliers,
        load=_introduction,
        settings={"chains": 2, "warmup": 2000, "draws": 2000, "target_accept": 0.9},
        report=("m", "b", "q"),
        citation="The NumPyro introduction for astronomers (synthetic data, seed 12)",
    ),
]
