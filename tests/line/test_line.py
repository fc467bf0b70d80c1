"""Straight-line models: truths, Hogg et al. (2010) exercises, calibration, bad input."""

import numpy as np
import pytest

from astrozoo.data.line import hogg2010
from astrozoo.data.line.synthetic import line_2d_data, line_data, outlier_data
from astrozoo.inference import nuts
from astrozoo.inference.calibration import sbc
from astrozoo.models import line as models

FAST = {"chains": 2, "warmup": 500, "draws": 1000, "progress": False}


def _assert_recovers(idata, truth, names):
    for name in names:
        draws = idata.posterior[name].values
        z = abs(draws.mean() - truth[name]) / draws.std()
        assert z < 3, f"{name}: posterior {draws.mean():.3f} ± {draws.std():.3f}, truth {truth[name]}"


@pytest.mark.parametrize(
    "model, make, priors",
    [
        (models.line, lambda: line_data(seed=1), {"slope_scale": 5.0, "intercept_scale": 5.0}),
        (models.line_scatter, lambda: line_data(scatter=0.5, seed=2), {"slope_scale": 5.0, "intercept_scale": 5.0, "scatter_scale": 2.0}),
        (models.line_angle, lambda: line_data(seed=3), {"offset_scale": 5.0}),
        (models.line_2d, lambda: line_2d_data(seed=4), {"offset_scale": 5.0}),
        (models.line_outliers, lambda: outlier_data(n=40, seed=5), {"slope_scale": 5.0, "intercept_scale": 5.0, "outlier_mean_scale": 3.0, "outlier_width_scale": 3.0}),
    ],
    ids=["line", "scatter", "angle", "2d", "outliers"],
)
def test_models_recover_synthetic_truths(model, make, priors):
    data, truth = make()
    idata = nuts(model, **data, **priors, **FAST)
    _assert_recovers(idata, truth, [k for k in ("m", "b", "scatter") if k in truth])
    assert int(idata.sample_stats.diverging.sum()) == 0


def _hogg_fit(first):
    table = hogg2010.table1(first, 20)
    return nuts(
        models.line, table["x"], table["sigma_y"], y=table["y"],
        slope_scale=10.0, intercept_scale=1000.0, **FAST,
    )


@pytest.mark.parametrize(
    "first, m, b",
    [(5, (2.24, 0.11), (34.0, 18.0)), (1, (1.08, 0.08), (213.0, 14.0))],
    ids=["exercise-1", "exercise-2"],
)
def test_hogg_exercises(first, m, b):
    """Hogg et al. (2010) exercises 1 (points 5-20) and 2 (all points): published mean ± sd."""
    post = _hogg_fit(first).posterior
    for name, (mean, sd) in (("m", m), ("b", b)):
        draws = post[name].values
        # Published values carry two significant figures; allow their rounding plus Monte Carlo error.
        assert abs(draws.mean() - mean) < 0.1 * sd, (name, draws.mean())
        assert abs(draws.std() - sd) < 0.1 * sd, (name, draws.std())


def test_outlier_probabilities_flag_the_outliers():
    data, truth = outlier_data()
    idata = nuts(models.line_outliers, **data, slope_scale=3.0, intercept_scale=3.0,
                 outlier_mean_scale=3.0, outlier_width_scale=3.0, **FAST)
    p = idata.posterior["p_outlier"].mean(("chain", "draw")).values
    assert p.shape == (15,)
    residual = np.abs(data["y"] - data["x"])
    # points far from the true line (> 5σ) are called outliers, points on it are not
    assert (p[residual > 1.0] > 0.5).all()
    assert (p[residual < 0.2] < 0.5).all()


@pytest.mark.parametrize(
    "model, make, params, priors",
    [
        (models.line, lambda: line_data(n=20), ("m", "b"), {"slope_scale": 2.0, "intercept_scale": 2.0}),
        (models.line_outliers, outlier_data, ("m", "b", "q"),
         {"slope_scale": 2.0, "intercept_scale": 2.0, "outlier_mean_scale": 2.0, "outlier_width_scale": 2.0}),
    ],
    ids=["line", "line-outliers"],
)
def test_simulation_based_calibration(model, make, params, priors):
    data, _ = make()
    result = sbc(model, data["x"], data["sigma_y"], y=None, params=params, replications=100,
                 target_accept=0.95, **priors)
    assert {p: r.shape for p, r in result.ranks.items()} == {p: (100,) for p in params}
    assert result.uniform(), result.p_values


def test_rank_test_rejects_miscalibrated_ranks():
    rng = np.random.default_rng(0)
    overconfident = np.where(rng.uniform(size=100) < 0.5, rng.integers(0, 10, 100), rng.integers(90, 100, 100))
    biased = rng.integers(0, 60, 100)
    from astrozoo.inference.calibration import rank_uniformity_pvalue

    assert rank_uniformity_pvalue(overconfident, 99, 10) < 1e-6
    assert rank_uniformity_pvalue(biased, 99, 10) < 1e-6
    assert rank_uniformity_pvalue(rng.integers(0, 100, 1000), 99, 10) > 1e-3


GOOD = {"x": np.arange(5.0), "sigma_y": np.ones(5), "y": np.arange(5.0)}


@pytest.mark.parametrize(
    "change, message",
    [
        ({"x": np.array([0.0, 1.0, np.nan, 3.0, 4.0])}, "x has 1 non-finite value"),
        ({"y": np.array([0.0, 1.0, np.inf, 3.0, 4.0])}, "y has 1 non-finite value"),
        ({"sigma_y": np.array([1.0, 1.0, 0.0, 1.0, 1.0])}, "sigma_y must be > 0"),
        ({"sigma_y": -np.ones(5)}, "sigma_y must be > 0"),
        ({"y": np.arange(4.0)}, r"y must have shape \(N,\) with N = 5; got shape \(4,\)"),
        ({"x": np.array([]), "sigma_y": np.array([]), "y": np.array([])}, "x is empty"),
    ],
)
def test_bad_input_names_the_argument(change, message):
    with pytest.raises(ValueError, match=message):
        nuts(models.line, **(GOOD | change), progress=False)


def test_bad_correlation_is_rejected():
    data, _ = line_2d_data(n=5)
    data["rho_xy"][2] = 1.0
    with pytest.raises(ValueError, match=r"rho_xy must satisfy \|rho_xy\| < 1"):
        nuts(models.line_2d, **data, progress=False)


def test_embedded_hogg_table_matches_the_shared_copy():
    import os
    from pathlib import Path

    path = Path(os.environ.get("ASTROZOO_DATA_DIR", "/nonexistent")) / "hogg2010" / "hogg2010_table1.txt"
    if not path.is_file():
        pytest.skip("no shared copy of Hogg et al. (2010) Table 1")
    table = np.loadtxt(path)
    embedded = hogg2010.table1()
    np.testing.assert_array_equal(table[:, 0], embedded["id"])
    for i, column in enumerate(("x", "y", "sigma_y", "sigma_x", "rho_xy"), start=1):
        np.testing.assert_array_equal(table[:, i], embedded[column])


def test_introduction_outlier_set():
    data, truth = outlier_data()
    assert data["x"].shape == (15,) and (np.abs(data["x"]) <= 2).all()
    assert (data["sigma_y"] == 0.2).all()
    assert truth["m"] == 1.0 and truth["b"] == 0.0
    # inliers lie within 4σ of the true line
    inlier = truth["inlier"]
    assert (np.abs(data["y"][inlier] - data["x"][inlier]) < 0.8).all()
