"""Supernova cosmology: data readers, the marginalised likelihood, recovery, calibration, published values, bad input."""

import jax
import numpy as np
import pytest
from numpyro.infer.util import log_density
from scipy import integrate

from astrozoo.data.supernova import hubble_diagrams as sn1a
from astrozoo.data.registry import DATASETS, fetch
from astrozoo.data.supernova.synthetic import hubble_diagram_data
from astrozoo.fitting import fit_problem
from astrozoo.inference import nuts
from astrozoo.inference.calibration import sbc
from astrozoo.models import supernova as models
from astrozoo.models.cosmology import distance_modulus
from astrozoo.problems import get

FAST = {"chains": 2, "warmup": 500, "draws": 1000, "progress": False}


def _within(idata, truth, names, n_sigma=3.0):
    for name in names:
        draws = idata.posterior[name].values
        z = abs(draws.mean() - truth[name]) / draws.std()
        assert z < n_sigma, f"{name}: posterior {draws.mean():.4f} ± {draws.std():.4f}, truth {truth[name]}"


# --- data ---------------------------------------------------------------------------------------------------


def test_datasets_are_registered_and_verified():
    for name in ("union2.1", "pantheon-binned", "pantheon-binned-sys"):
        assert DATASETS[name].citation and DATASETS[name].url.startswith("https://")
        assert fetch(name).is_file()  # checked against its sha256


def test_union21_table():
    table = sn1a.union21()
    assert {k: v.shape for k, v in table.items()} == {k: (580,) for k in ("name", "z", "mu", "sigma_mu", "p_low_mass")}
    assert table["name"][0] == "1993ah" and table["z"][0] == 0.028488 and table["mu"][0] == 35.3465833928
    assert len(set(table["name"])) == 580
    assert table["z"].min() == 0.015 and table["z"].max() == 1.414
    assert (table["sigma_mu"] > 0).all() and ((0 <= table["p_low_mass"]) & (table["p_low_mass"] <= 1)).all()


def test_pantheon_binned_table_and_covariance():
    table = sn1a.pantheon_binned()
    assert table["z"].shape == table["mb"].shape == (40,) and table["cov"].shape == (40, 40)
    assert table["z"][0] == 0.014 and table["mb"][0] == 14.57001926 and table["dmb"][0] == 0.0311
    assert table["cov_sys"][0, 0] == 0.000455 and table["cov_sys"][0, 1] == 0.000260445
    np.testing.assert_array_equal(np.diag(table["cov"]), table["dmb"] ** 2 + np.diag(table["cov_sys"]))
    np.testing.assert_array_equal(table["cov_sys"], table["cov_sys"].T)
    tril = models.covariance_cholesky(table["cov"])
    np.testing.assert_allclose(tril @ tril.T, table["cov"], rtol=0, atol=1e-15)


# --- the likelihood -----------------------------------------------------------------------------------------


def _numerical_marginal(z, mag, cov, omega_m):
    """log ∫ N(mag | μ + Δ, C) dΔ by quadrature, μ from astropy."""
    from astropy.cosmology import FlatLambdaCDM

    mu = FlatLambdaCDM(H0=70.0, Om0=omega_m, Tcmb0=0).distmod(z).value
    precision = np.linalg.inv(cov)
    _, logdet = np.linalg.slogdet(2 * np.pi * cov)
    best = (precision @ (mag - mu)).sum() / precision.sum()

    def log_like(delta):
        r = mag - mu - delta
        return -0.5 * (r @ precision @ r) - 0.5 * logdet

    peak = log_like(best)
    width = 1 / np.sqrt(precision.sum())
    value, _ = integrate.quad(lambda d: np.exp(log_like(d) - peak), best - 12 * width, best + 12 * width, epsabs=0, epsrel=1e-12)
    return peak + np.log(value)


@pytest.mark.parametrize("systematic_mag", [0.0, 0.05], ids=["diagonal", "full-covariance"])
def test_marginalised_likelihood_is_the_integral_over_the_offset(systematic_mag):
    """The model's log density differences equal those of the offset integrated out by quadrature."""
    data, _ = hubble_diagram_data(n=30, offset=0.3, systematic_mag=systematic_mag, seed=7)
    noise = {k: data[k] for k in ("sigma_mag", "scale_tril") if k in data}
    cov = np.diag(noise["sigma_mag"] ** 2) if systematic_mag == 0 else noise["scale_tril"] @ noise["scale_tril"].T

    def model_log_density(omega_m):
        value, trace = log_density(models.flat_lcdm, (), {"z": data["z"], "mag": data["mag"], **noise}, {"omega_m": omega_m})
        return float(value), float(trace["offset"]["value"])

    (a, offset_a), (b, _) = model_log_density(0.25), model_log_density(0.35)
    expected = _numerical_marginal(data["z"], data["mag"], cov, 0.25) - _numerical_marginal(data["z"], data["mag"], cov, 0.35)
    np.testing.assert_allclose(a - b, expected, rtol=1e-7)
    # the recorded offset maximises the likelihood in Δ
    mu = np.asarray(distance_modulus(data["z"], 70.0, 0.25, 0.75))
    precision = np.linalg.inv(cov)
    np.testing.assert_allclose(offset_a, (precision @ (data["mag"] - mu)).sum() / precision.sum(), rtol=1e-10)


def test_universe_without_big_bang_has_zero_density_and_finite_gradient():
    data, _ = hubble_diagram_data(n=20, seed=1)

    def logp(params):
        return log_density(models.lcdm, (), data, params)[0]

    assert logp({"omega_m": 0.0, "omega_lambda": 1.9}) == -np.inf
    grad = jax.grad(logp)({"omega_m": 0.3, "omega_lambda": 0.7})
    assert all(np.isfinite(g) for g in grad.values())


def test_curved_problem_prior_is_physical():
    """With ΩΛ < 1.2 every prior draw has a big bang beyond Union2.1's z = 1.414, so prior
    predictive magnitudes are all real distance moduli."""
    from astrozoo.inference import prior_predictive

    problem = get("sn-union21-lcdm")
    simulated = prior_predictive(problem.model, **problem.predictive_kwargs(problem.load()), draws=500)
    mags = simulated.prior_predictive["mag"].values
    assert np.isfinite(mags).all() and mags.min() > 25


# --- recovery and calibration -------------------------------------------------------------------------------


def test_recovers_flat_lcdm_with_marginalised_and_fitted_offsets():
    data, truth = hubble_diagram_data(n=200, omega_m=0.3, omega_lambda=0.7, offset=0.2, seed=11)
    marginalised = nuts(models.flat_lcdm, **data, **FAST)
    fitted = nuts(models.flat_lcdm, **data, offset="fitted", offset_scale=2.0, dense_mass=True, **FAST)
    for idata in (marginalised, fitted):
        _within(idata, truth, ("omega_m", "offset"))
        assert int(idata.sample_stats.diverging.sum()) == 0
    # the two treatments of the offset give the same Ωm posterior (up to Monte Carlo error)
    a, b = marginalised.posterior["omega_m"].values, fitted.posterior["omega_m"].values
    assert abs(a.mean() - b.mean()) < 0.15 * a.std() and abs(a.std() / b.std() - 1) < 0.1


def test_recovers_curved_lcdm_with_full_covariance():
    data, truth = hubble_diagram_data(n=300, omega_m=0.35, omega_lambda=0.8, systematic_mag=0.03, sigma_mag=0.1, seed=5)
    idata = nuts(models.lcdm, **data, offset="fitted", dense_mass=True, **FAST)
    _within(idata, truth, ("omega_m", "omega_lambda", "omega_k", "offset"))
    assert int(idata.sample_stats.diverging.sum()) == 0


def test_simulation_based_calibration_flat_lcdm():
    data, _ = hubble_diagram_data(n=60, seed=3)
    result = sbc(models.flat_lcdm, data["z"], data["sigma_mag"], mag=None, params=("omega_m",), replications=100)
    assert result.ranks["omega_m"].shape == (100,)
    assert result.uniform(), result.p_values


@pytest.mark.slow
@pytest.mark.parametrize(
    "noise, settings, params",
    [
        ("scale_tril", {}, ("omega_m",)),
        ("sigma_mag", {"offset": "fitted", "offset_scale": 0.2}, ("omega_m", "offset")),
    ],
    ids=["full-covariance-marginalised", "diagonal-fitted-offset"],
)
def test_simulation_based_calibration_other_likelihoods(noise, settings, params):
    data, _ = hubble_diagram_data(n=40, systematic_mag=0.05 if noise == "scale_tril" else 0.0, seed=4)
    result = sbc(models.flat_lcdm, data["z"], mag=None, **{noise: data[noise]}, **settings, params=params,
                 replications=100)
    assert result.uniform(), result.p_values


@pytest.mark.slow
@pytest.mark.parametrize("model, truth_kw, names", [
    (models.flat_wcdm, {"w0": -0.8}, ("omega_m", "w")),
    (models.flat_w0wa, {"w0": -0.9, "wa": 0.3}, ("omega_m", "w0", "wa")),
], ids=["wcdm", "w0wa"])
def test_recovers_dark_energy_models(model, truth_kw, names):
    data, truth = hubble_diagram_data(n=500, sigma_mag=0.1, z_max=2.0, seed=21, omega_lambda=0.7, **truth_kw)
    idata = nuts(model, **data, dense_mass=True, target_accept=0.9, **FAST)
    _within(idata, truth, names)


# --- real data ----------------------------------------------------------------------------------------------


def test_union21_flat_lcdm_matches_an_independent_grid_posterior():
    """NUTS on Union2.1 against a grid posterior built with astropy distances and numpy."""
    from astropy.cosmology import FlatLambdaCDM

    table = sn1a.union21()
    idata = nuts(models.flat_lcdm, table["z"], table["sigma_mu"], mag=table["mu"], **FAST)
    grid = np.linspace(0.15, 0.45, 301)
    weight = table["sigma_mu"] ** -2
    log_post = []
    for om in grid:
        r = table["mu"] - FlatLambdaCDM(H0=70.0, Om0=om, Tcmb0=0).distmod(table["z"]).value
        log_post.append(-0.5 * (weight @ r**2 - (weight @ r) ** 2 / weight.sum()))
    p = np.exp(np.array(log_post) - max(log_post))
    p /= p.sum()
    mean = grid @ p
    sd = np.sqrt((grid - mean) ** 2 @ p)
    draws = idata.posterior["omega_m"].values
    assert abs(draws.mean() - mean) < 0.05 * sd and abs(draws.std() / sd - 1) < 0.05
    assert abs(mean - 0.278) < 0.002 and abs(sd - 0.0195) < 0.001  # our measured value, see docs


def test_pantheon_flat_lcdm_matches_scolnic_2018(tmp_path):
    """Ωm = 0.298 ± 0.022 (Scolnic et al. 2018, SNe alone); the binned sample gives the same."""
    problem = get("sn-pantheon-flat-lcdm")
    idata = fit_problem(problem, chains=2, warmup=500, draws=1000, progress=False, prior_draws=100)
    draws = idata.posterior["omega_m"].values
    ref = problem.references["omega_m"]
    assert abs(draws.mean() - ref.mean) < 0.25 * ref.sd and abs(draws.std() / ref.sd - 1) < 0.15
    # posterior predictive magnitudes sit on the data: the marginalised offset Δ̂ is carried per draw
    replicas = idata.posterior_predictive["mag"].values.reshape(-1, 40)
    sigma = np.sqrt(np.diag(sn1a.pantheon_binned()["cov"]))
    pulls = (replicas.mean(0) - idata.observed_data["mag"].values) / sigma
    assert np.abs(pulls).max() < 3 and abs(pulls.mean()) < 0.5
    from astrozoo.figures.supernova import density_figure, hubble_figure

    written = hubble_figure(idata, tmp_path) + density_figure(idata, tmp_path)
    assert all(p.stat().st_size > 10_000 for p in written)


# --- bad input ----------------------------------------------------------------------------------------------

GOOD = {"z": np.array([0.1, 0.2, 0.3, 0.5, 0.8]), "sigma_mag": np.full(5, 0.1), "mag": np.array([38.3, 40.0, 41.0, 42.3, 43.5])}


@pytest.mark.parametrize(
    "change, message",
    [
        ({"z": np.array([0.0, 0.2, 0.3, 0.5, 0.8])}, r"z must be > 0 everywhere; min is 0.0"),
        ({"z": np.array([0.1, -0.2, 0.3, 0.5, 0.8])}, r"z must be > 0 everywhere; min is -0.2"),
        ({"mag": np.array([38.3, np.nan, 41.0, 42.3, 43.5])}, "mag has 1 non-finite value"),
        ({"sigma_mag": np.array([0.1, 0.1, 0.0, 0.1, 0.1])}, "sigma_mag must be > 0"),
        ({"mag": np.arange(4.0)}, r"mag must have shape \(N,\) with N = 5; got shape \(4,\)"),
        ({"sigma_mag": np.full(6, 0.1)}, r"sigma_mag must have shape \(N,\) with N = 5; got shape \(6,\)"),
        ({"sigma_mag": None}, "give exactly one of sigma_mag .* or scale_tril"),
        ({"scale_tril": 0.1 * np.eye(5)}, "give exactly one of sigma_mag .* or scale_tril"),
        ({"sigma_mag": None, "scale_tril": 0.1 * np.eye(4)}, r"scale_tril must have shape \(N, N\) with N = 5; got shape \(4, 4\)"),
        ({"sigma_mag": None, "scale_tril": np.ones((5, 4))}, r"scale_tril must have shape \(N, N\) with N = 5; got shape \(5, 4\)"),
        ({"sigma_mag": None, "scale_tril": np.ones((5, 5))}, "scale_tril must be lower triangular with a positive diagonal"),
        ({"sigma_mag": None, "scale_tril": -0.1 * np.eye(5)}, "scale_tril must be lower triangular with a positive diagonal"),
        ({"offset": "profiled"}, r"offset must be one of \('marginalised', 'fitted'\), got 'profiled'"),
    ],
)
def test_bad_input_is_rejected_before_compiling(change, message):
    with pytest.raises(ValueError, match=message):
        nuts(models.flat_lcdm, **(GOOD | change), progress=False)


@pytest.mark.parametrize(
    "cov, message",
    [
        (np.array([[1.0, 0.5], [0.4, 1.0]]), r"cov is not symmetric: max \|cov - cov.T\| = 0.1"),
        (np.array([[1.0, 2.0], [2.0, 1.0]]), "cov is not positive definite: its smallest eigenvalue is -1"),
        (np.zeros((3, 3)), "cov is not positive definite: its smallest eigenvalue is 0"),
        (np.ones((2, 3)), r"cov must be a square matrix; its shape is \(2, 3\)"),
        (np.array([[1.0, np.inf], [np.inf, 1.0]]), "cov has 2 non-finite value"),
    ],
)
def test_bad_covariance_is_rejected(cov, message):
    with pytest.raises(ValueError, match=message):
        models.covariance_cholesky(cov)
