"""Coverage of the approximate methods' central intervals on data simulated from the prior.

For each mock a parameter set is drawn from the prior and a data set from the model; the
method is fitted and the mock counts as covered at level q when the true value lies between
the (1 − q)/2 and (1 + q)/2 quantiles of the method's draws. A calibrated method covers a
fraction q of the mocks, within the binomial error √(q (1 − q) / mocks). The small runs (make
test) check the cases where the method should be calibrated; the full ones (make validate)
give the numbers of docs/calibration.md. The SED catalogue's Laplace coverage is measured in
tests/sed/test_sed_calibration.py.
"""

import warnings

import numpy as np
import pytest

from astrozoo.data.line.synthetic import line_data
from astrozoo.inference import map_fit, prior_predictive, svi
from astrozoo.models.line import line
from astrozoo.problems import get

LEVELS = (0.68, 0.95)


def central_coverage(draws, truth, level):
    """Fraction of mocks whose truth lies in the central ``level`` interval of its draws, shape (mocks, draws)."""
    low, high = np.quantile(draws, [(1 - level) / 2, (1 + level) / 2], axis=-1)
    return float(np.mean((low <= truth) & (truth <= high)))


def binomial_sigma(level, mocks):
    return np.sqrt(level * (1 - level) / mocks)


def _hogg_design():
    """The line problem's x, σ_y and priors (Hogg et al. 2010 points 5-20; m ~ N(0, 10²), b ~ N(0, 1000²))."""
    design = get("line").load()
    del design["y"]
    return design


def _centred_design():
    """20 points at x ~ U(−2, 2), σ_y = 0.3; m, b ~ N(0, 2²): the posterior of (m, b) is nearly uncorrelated."""
    data, _ = line_data(n=20)
    return {"x": data["x"], "sigma_y": data["sigma_y"], "slope_scale": 2.0, "intercept_scale": 2.0}


def line_coverage(fit, design, mocks, seed=0):
    """{(parameter, level): coverage} of ``fit(y=..., seed=...)`` -> InferenceData over ``mocks`` mocks of ``line``."""
    prior = prior_predictive(line, **design, y=None, draws=mocks, seed=seed)
    ys = prior.prior_predictive["y"].values[0]
    draws = {"m": [], "b": []}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a convergence warning is part of what is measured
        for i, y in enumerate(ys):
            posterior = fit(**design, y=y, seed=i).posterior
            for name in draws:
                draws[name].append(posterior[name].values[0])
    return {(name, level): central_coverage(np.array(d), prior.prior[name].values[0], level)
            for name, d in draws.items() for level in LEVELS}


def laplace(**kwargs):
    return map_fit(line, progress=False, **kwargs)


def svi_normal(steps=5000):
    return lambda **kwargs: svi(line, guide="normal", steps=steps, progress=False, **kwargs)


def assert_calibrated(coverage, mocks):
    """Every coverage within 3 binomial σ of its level."""
    for (name, level), value in coverage.items():
        assert abs(value - level) <= 3 * binomial_sigma(level, mocks), (name, level, value, mocks)


def test_laplace_on_line_is_calibrated_small():
    """The posterior of a line with Gaussian errors and Gaussian priors is Gaussian: Laplace is exact."""
    assert_calibrated(line_coverage(laplace, _hogg_design(), 200), 200)


def test_svi_on_line_is_calibrated_small():
    """A mean-field Gaussian is exact when the posterior is an uncorrelated Gaussian (centred x)."""
    assert_calibrated(line_coverage(svi_normal(steps=2000), _centred_design(), 100), 100)


@pytest.mark.slow
@pytest.mark.parametrize("fit, design", [
    pytest.param(laplace, _hogg_design, id="laplace-hogg"),
    pytest.param(laplace, _centred_design, id="laplace-centred"),
    pytest.param(svi_normal(), _centred_design, id="svi-centred"),
])
def test_calibrated(fit, design):
    assert_calibrated(line_coverage(fit, design(), 1000), 1000)


@pytest.mark.slow
def test_svi_on_the_line_problem_design_under_covers():
    """On the line problem's design (x from 58 to 218 with b ~ N(0, 1000²)) the default SVI
    (mean field, 5,000 Adam steps of 0.01) neither reaches most true intercepts nor could
    represent the strong m-b correlation: its intervals almost never cover (docs/calibration.md)."""
    coverage = line_coverage(svi_normal(), _hogg_design(), 200)
    assert all(value < level - 3 * binomial_sigma(level, 200) for (_, level), value in coverage.items()), coverage
