"""Simulation-based calibration of the straight-line models that tests/line/test_line.py
leaves out: line_scatter, line_angle and line_2d (line and line_outliers are calibrated there).

Each data set is simulated from the prior on a fixed design (20 points, x ~ U(−2, 2)) with
prior scales of the order of the data, so that the posterior is informative but the prior
still matters. The small runs (make test) catch gross errors; the full ones (make validate)
give the numbers of docs/calibration.md.
"""

import pytest

from astrozoo.data.line.synthetic import line_2d_data, line_data
from astrozoo.inference.calibration import sbc
from astrozoo.models import line as models

SMALL = dict(replications=200, warmup=200, draws=49, thin=2, bins=5)
FULL = dict(replications=1000, warmup=500, draws=99, thin=3, bins=10)


def _design():
    data, _ = line_data(n=20)
    return {"x": data["x"], "sigma_y": data["sigma_y"]}


def _design_2d():
    data, _ = line_2d_data(n=20)
    return {k: data[k] for k in ("x", "sigma_x", "sigma_y", "rho_xy")}


# line_2d's chains start at the truth: see test_line_2d_from_random_starts.
CASES = [
    pytest.param(models.line_scatter, _design, ("m", "b", "scatter"),
                 {"slope_scale": 2.0, "intercept_scale": 2.0, "scatter_scale": 0.5}, id="line-scatter"),
    pytest.param(models.line_angle, _design, ("theta", "b_perp"), {"offset_scale": 2.0}, id="line-angle"),
    pytest.param(models.line_2d, _design_2d, ("theta", "b_perp"), {"offset_scale": 2.0, "start_at_truth": True},
                 id="line-2d"),
]


def calibrate(model, design, params, options, settings):
    """SBC of ``params``, with its data simulated on ``design()``; ``options`` holds prior scales and SBC options."""
    return sbc(model, **design(), y=None, params=params, **options, **settings, progress=False)


def _check(result, settings):
    transitions = settings["replications"] * settings["draws"] * settings["thin"]
    assert result.uniform(), result.p_values
    assert result.divergences <= 0.002 * transitions, result.divergences


@pytest.mark.parametrize("model, design, params, options", CASES)
def test_calibrated_small(model, design, params, options):
    result = calibrate(model, design, params, options, SMALL)
    assert {p: r.shape for p, r in result.ranks.items()} == {p: (200,) for p in params}
    _check(result, SMALL)


def _noise_underestimated(x, sigma_y, y=None):
    """line_scatter simulated with σ_y but fitted with 0.7 σ_y: a posterior that is not the truth's."""
    models.line_scatter(x, sigma_y if y is None else 0.7 * sigma_y, y,
                        slope_scale=2.0, intercept_scale=2.0, scatter_scale=0.5)


def test_small_settings_catch_a_30_percent_error_in_the_noise():
    """The small runs can fail: with σ_y 30 % too small in the fit, the fitted scatter makes up
    the missing noise and its ranks pile up at the top (p ~ 1e-12 to 1e-19 measured)."""
    result = calibrate(_noise_underestimated, _design, ("m", "b", "scatter"), {}, SMALL)
    assert result.p_values["scatter"] < 1e-6, result.p_values
    assert not result.uniform()


@pytest.mark.slow
@pytest.mark.parametrize("model, design, params, options", CASES)
def test_calibrated(model, design, params, options):
    _check(calibrate(model, design, params, options, FULL), FULL)


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="line_2d: chains beyond the θ = ±π/2 cut stick at the vertical line")
def test_line_2d_from_random_starts():
    """θ ∈ (−π/2, π/2) cuts the circle of line directions at the vertical line. A chain started
    on the wrong side of the cut from a steep true line climbs to the cut and stays there,
    ~1,000 nats below the mode (measured: 85 of 200 ranks at 0 or L, p ~ 1e-8). The line-2d
    problem's own chains (Hogg's data) converge from random starts (r_hat 1.00 with four seeds)."""
    _check(calibrate(models.line_2d, _design_2d, ("theta", "b_perp"), {"offset_scale": 2.0}, SMALL), SMALL)
