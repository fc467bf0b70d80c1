"""Simulation-based calibration of the supernova models that tests/supernova/test_supernova.py
leaves out: curved ΛCDM, flat wCDM and flat w0waCDM (flat ΛCDM is calibrated there).

Each data set is 20 (small runs) or 40 (full runs) supernovae at 0.01 < z < 1.4 with
σ = 0.15 mag, the offset marginalised (simulated from its N(0, 1) prior). ``lcdm``'s ΩΛ prior
stops at 1.2, below the 1.207 above which some prior draws have no big bang before z = 1.4
(their data could not be fitted). The full runs take target acceptance 0.95 for w0waCDM's
long curved (w0, wa) degeneracy: at 0.8 its full run has 310 divergent transitions (0.5 %)
and p = 0.003 for Ωm; at 0.95, 18 and p = 0.05.
"""

import pytest

from astrozoo.data.supernova.synthetic import hubble_diagram_data
from astrozoo.inference.calibration import sbc
from astrozoo.models import supernova as models

SMALL = dict(replications=100, warmup=150, draws=39, thin=2, bins=4)
FULL = dict(replications=200, warmup=500, draws=99, thin=3, bins=10, target_accept=0.95)

CASES = [
    pytest.param(models.lcdm, ("omega_m", "omega_lambda"), {"omega_lambda_max": 1.2}, id="lcdm"),
    pytest.param(models.flat_wcdm, ("omega_m", "w"), {}, id="flat-wcdm"),
    pytest.param(models.flat_w0wa, ("omega_m", "w0", "wa"), {}, id="flat-w0wa"),
]


def calibrate(model, params, priors, supernovae, settings):
    """SBC of ``params`` on ``supernovae`` redshifts; ``priors`` holds prior bounds."""
    data, _ = hubble_diagram_data(n=supernovae, seed=3)
    return sbc(model, data["z"], data["sigma_mag"], mag=None, params=params, **priors, **settings, progress=False)


def _check(result, settings):
    transitions = settings["replications"] * settings["draws"] * settings["thin"]
    assert result.uniform(), result.p_values
    assert result.divergences <= 0.005 * transitions, result.divergences


@pytest.mark.parametrize("model, params, priors", CASES)
def test_calibrated_small(model, params, priors):
    _check(calibrate(model, params, priors, 20, SMALL), SMALL)


@pytest.mark.slow
@pytest.mark.parametrize("model, params, priors", CASES)
def test_calibrated(model, params, priors):
    _check(calibrate(model, params, priors, 40, FULL), FULL)
