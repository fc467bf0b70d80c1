"""Straight-line problems: Hogg, Bovy & Lang (2010) and the NumPyro introduction."""

from astrozoo.problems import Problem, Reference

_HOGG = "Hogg, Bovy & Lang (2010), arXiv:1008.4686, Table 1"
_FIT_FIGURE = ("astrozoo.figures.line:fit_figure",)
_HOGG_PRIORS = {"slope_scale": 10.0, "intercept_scale": 1000.0}
_COLUMNS = ("x", "sigma_y", "y")


def _hogg(first, columns=_COLUMNS, **priors):
    def load():
        from astrozoo.data.line import hogg2010

        table = hogg2010.table1(first, 20)
        return {c: table[c] for c in columns} | priors

    return load


def _introduction():
    from astrozoo.data.line.synthetic import outlier_data

    data, _ = outlier_data()
    return data | {"slope_scale": 3.0, "intercept_scale": 3.0, "outlier_mean_scale": 3.0, "outlier_width_scale": 3.0}


PROBLEMS = [
    Problem(
        name="line",
        title="Straight line, known σy: Hogg et al. (2010) points 5-20 (exercise 1)",
        model_path="astrozoo.models.line:line",
        load=_hogg(5, **_HOGG_PRIORS),
        settings={"dense_mass": True},
        report=("m", "b"),
        references={
            "m": Reference(2.24, 0.11, "Hogg et al. (2010), exercise 1"),
            "b": Reference(34.0, 18.0, "Hogg et al. (2010), exercise 1"),
        },
        plots=_FIT_FIGURE,
        citation=_HOGG,
    ),
    Problem(
        name="line-scatter",
        title="Straight line with intrinsic scatter: Hogg et al. (2010) points 5-20",
        model_path="astrozoo.models.line:line_scatter",
        load=_hogg(5, **_HOGG_PRIORS, scatter_scale=100.0),
        settings={"dense_mass": True},
        report=("m", "b", "scatter"),
        plots=_FIT_FIGURE,
        citation=_HOGG,
    ),
    Problem(
        name="line-all",
        title="Straight line, known σy, on all 20 Hogg et al. (2010) points, outliers included (to compare)",
        model_path="astrozoo.models.line:line",
        load=_hogg(1, **_HOGG_PRIORS),
        settings={"dense_mass": True},
        report=("m", "b"),
        plots=_FIT_FIGURE,
        citation=_HOGG,
        in_demo=False,
    ),
    Problem(
        name="line-scatter-all",
        title="Straight line with intrinsic scatter on all 20 Hogg et al. (2010) points (to compare)",
        model_path="astrozoo.models.line:line_scatter",
        load=_hogg(1, **_HOGG_PRIORS, scatter_scale=100.0),
        settings={"dense_mass": True},
        report=("m", "b", "scatter"),
        plots=_FIT_FIGURE,
        citation=_HOGG,
        in_demo=False,
    ),
    Problem(
        name="line-2d",
        title="Straight line with 2-D uncertainties: all 20 Hogg et al. (2010) points",
        model_path="astrozoo.models.line:line_2d",
        load=_hogg(1, ("x", "sigma_x", "sigma_y", "rho_xy", "y"), offset_scale=1000.0),
        report=("m", "b", "theta", "b_perp"),
        plots=_FIT_FIGURE,
        citation=_HOGG,
    ),
    Problem(
        name="line-outliers",
        title="Straight line with a good/bad outlier mixture: all 20 Hogg et al. (2010) points",
        model_path="astrozoo.models.line:line_outliers",
        load=_hogg(1, **_HOGG_PRIORS, outlier_mean_scale=1000.0, outlier_width_scale=1000.0),
        settings={"dense_mass": True, "target_accept": 0.95},
        report=("m", "b", "q"),
        plots=_FIT_FIGURE,
        citation=_HOGG,
    ),
    Problem(
        name="line-outliers-synthetic",
        title="Outlier mixture on the NumPyro introduction's 15 synthetic points",
        model_path="astrozoo.models.line:line_outliers",
        load=_introduction,
        settings={"chains": 2, "warmup": 2000, "draws": 2000, "target_accept": 0.95},
        report=("m", "b", "q"),
        plots=_FIT_FIGURE,
        citation="The NumPyro introduction for astronomers (synthetic data, seed 12)",
    ),
]
