"""Simulation-based calibration of the VLBI Gaussian (the m-ring's SBC is in test_vlbi_model.py).

The visibilities are simulated on the (u, v) coverage and thermal σ of EHT 2017 M87 day 101,
and each chain starts at its truth, as the m-ring's SBC does. The problem starts its chains
at the best of several optimisations: from random starts single chains can sit in a
secondary mode (the phase of a shifted source wraps every fringe spacing, ~25 µas on the
longest baselines): measured over 40 replications with the default priors, p = 1e-4 for
the FWHM and 38 divergent transitions.
"""

import pytest

from astrozoo.data.vlbi.synthetic import gaussian_data
from astrozoo.inference.calibration import sbc
from astrozoo.models.vlbi import model as models

PARAMS = ("flux", "fwhm_uas", "x0_uas", "y0_uas")


def calibrate(every, priors, settings):
    """SBC of the Gaussian on every ``every``-th visibility of day 101, chains started at the truth."""
    data, _ = gaussian_data()
    coverage = {k: data[k][::every] for k in ("u", "v", "sigma")}
    return sbc(models.gaussian, **coverage, vis_re=None, vis_im=None, params=PARAMS, **priors, **settings,
               start_at_truth=True, progress=False)


def _check(result, settings):
    transitions = settings["replications"] * settings["draws"] * settings["thin"]
    assert result.uniform(), result.p_values
    assert result.divergences <= 0.002 * transitions, result.divergences


def test_gaussian_calibrated_small():
    """88 of the 439 visibilities; a source of at most 60 µas, shifted by ~5 µas (the default
    priors' broad sources and shifts make deep trees: ~0.7 s a replication)."""
    settings = dict(replications=40, warmup=150, draws=39, thin=2, bins=4)
    result = calibrate(5, {"fwhm_max_uas": 60.0, "shift_scale_uas": 5.0}, settings)
    assert {p: r.shape for p, r in result.ranks.items()} == {p: (40,) for p in PARAMS}
    _check(result, settings)


@pytest.mark.slow
def test_gaussian_calibrated():
    """All 439 visibilities and the default priors (flux < 3 Jy, FWHM < 200 µas, shifts ~ 50 µas)."""
    settings = dict(replications=200, warmup=300, draws=49, thin=2, bins=10)
    _check(calibrate(1, {}, settings), settings)
