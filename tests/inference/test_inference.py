"""The shared drivers: InferenceData layout, exact Gaussian answers, caching, save/load."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import jax
import pytest

from astrozoo.data.line.synthetic import line_data
from astrozoo.inference import (
    ConvergenceWarning,
    load,
    map_fit,
    nuts,
    posterior_predictive,
    prior_predictive,
    svi,
)
from astrozoo.models.line import line, line_outliers

PRIORS = {"slope_scale": 1e3, "intercept_scale": 1e3}


@pytest.fixture(scope="module")
def data():
    return line_data(n=25, seed=7)[0]


@pytest.fixture(scope="module")
def exact(data):
    """Weighted least squares: with flat priors the posterior of (m, b) is exactly this Gaussian."""
    design = np.stack([data["x"], np.ones_like(data["x"])], axis=1) / data["sigma_y"][:, None]
    cov = np.linalg.inv(design.T @ design)
    mean = cov @ design.T @ (data["y"] / data["sigma_y"])
    return mean, np.sqrt(np.diag(cov))


@pytest.fixture(scope="module")
def fit(data):
    return nuts(line, **data, **PRIORS, chains=2, warmup=500, draws=1000, progress=False)


def test_nuts_groups_dims_and_stats(fit, data):
    assert set(fit.groups()) == {"posterior", "sample_stats", "log_likelihood", "observed_data", "constant_data"}
    assert fit.posterior.sizes == {"chain": 2, "draw": 1000}
    assert set(fit.sample_stats.data_vars) >= {
        "diverging", "energy", "tree_depth", "n_steps", "step_size", "acceptance_rate", "lp",
    }
    assert fit.log_likelihood["y"].dims == ("chain", "draw", "data")
    np.testing.assert_array_equal(fit.observed_data["y"].values, data["y"])
    assert set(fit.constant_data.data_vars) == {"x", "sigma_y"}
    assert fit.constant_data["x"].dims == ("data",)
    steps = fit.sample_stats.n_steps.values
    assert (2 ** fit.sample_stats.tree_depth.values > steps).all()


def test_log_likelihood_is_pointwise_normal(fit, data):
    m = fit.posterior["m"].values[0, 0]
    b = fit.posterior["b"].values[0, 0]
    r = (data["y"] - m * data["x"] - b) / data["sigma_y"]
    expected = -0.5 * r**2 - np.log(data["sigma_y"]) - 0.5 * np.log(2 * np.pi)
    np.testing.assert_allclose(fit.log_likelihood["y"].values[0, 0], expected, rtol=1e-12)


def test_nuts_matches_least_squares(fit, exact):
    mean, sd = exact
    for i, name in enumerate(("m", "b")):
        draws = fit.posterior[name].values
        assert abs(draws.mean() - mean[i]) < 0.1 * sd[i]
        assert abs(draws.std() / sd[i] - 1) < 0.1


def test_laplace_is_exact_for_a_gaussian_posterior(data, exact):
    mean, sd = exact
    idata = map_fit(line, **data, **PRIORS, draws=4000, progress=False)
    for i, name in enumerate(("m", "b")):
        assert idata.map_estimate[name].item() == pytest.approx(mean[i], abs=1e-5 * sd[i] + 1e-8)
        assert idata.posterior[name].values.std() == pytest.approx(sd[i], rel=0.05)


@pytest.mark.parametrize("guide", ["normal", "mvn", "lowrank"])
def test_svi_guides(data, exact, guide):
    mean, sd = exact
    idata = svi(line, **data, **PRIORS, guide=guide, steps=3000, learning_rate=0.02, draws=2000, progress=False)
    assert idata.optimization["loss"].shape == (3000,)
    assert idata.optimization["loss"].values[-100:].mean() < idata.optimization["loss"].values[:100].mean()
    for i, name in enumerate(("m", "b")):
        # the last Adam iterate still jitters: allow one posterior sd
        assert abs(idata.posterior[name].values.mean() - mean[i]) < sd[i]
        if guide == "mvn":  # the full-rank guide can represent this posterior exactly
            assert idata.posterior[name].values.std() == pytest.approx(sd[i], rel=0.25)


def test_predictive_groups(fit, data):
    simulate = {"x": data["x"], "sigma_y": data["sigma_y"]}
    out = prior_predictive(line, **simulate, slope_scale=2.0, intercept_scale=2.0, draws=4000, seed=1)
    assert out.prior_predictive["y"].shape == (1, 4000, 25)
    assert set(out.prior.data_vars) == {"m", "b"}
    # y = m x + b + ε with m, b ~ N(0, 2²): Var y = 4 x² + 4 + σ²
    var = out.prior_predictive["y"].values[0].var(axis=0)
    np.testing.assert_allclose(var, 4 * data["x"] ** 2 + 4 + data["sigma_y"] ** 2, rtol=0.1)
    posterior_predictive(fit, line, **simulate, **PRIORS)
    assert fit.posterior_predictive["y"].dims == ("chain", "draw", "data")
    residual = fit.posterior_predictive["y"].values - data["y"]
    assert abs(residual.mean()) < 0.1


def test_predictive_needs_something_to_simulate(data):
    with pytest.raises(ValueError, match="no site to simulate"):
        prior_predictive(line, **data)


def test_repeat_fit_does_not_recompile(data):
    """A second fit with new data of the same shapes asks XLA for nothing: no compile, no cache lookup."""
    settings = {"chains": 2, "warmup": 100, "draws": 100, "progress": False}
    nuts(line, **data, **PRIORS, **settings)
    requests = []
    listen = lambda event, **kwargs: requests.append(event)  # noqa: E731
    jax.monitoring.register_event_listener(listen)
    try:
        idata = nuts(line, **line_data(n=25, seed=8)[0], **PRIORS, **settings, seed=3)
    finally:
        jax.monitoring.unregister_event_listener(listen)
    assert "/jax/compilation_cache/compile_requests_use_cache" not in requests
    assert idata.posterior.sizes["draw"] == 100


def test_persistent_cache_serves_a_fresh_process(tmp_path):
    """A second process compiles nothing new: every program comes from the persistent cache."""
    script = textwrap.dedent(
        """
        import astrozoo
        from astrozoo.data.line.synthetic import line_data
        from astrozoo.inference import nuts
        from astrozoo.models.line import line
        nuts(line, **line_data(n=10)[0], chains=1, warmup=50, draws=50, progress=False)
        """
    )
    env = os.environ | {"ASTROZOO_JAX_CACHE": str(tmp_path / "cache")}
    subprocess.run([sys.executable, "-c", script], env=env, check=True, capture_output=True)
    first = set(os.listdir(tmp_path / "cache"))
    subprocess.run([sys.executable, "-c", script], env=env, check=True, capture_output=True)
    assert first and set(os.listdir(tmp_path / "cache")) == first


def test_warnings_on_poor_convergence(data):
    with pytest.warns(ConvergenceWarning, match="ess_bulk"):
        nuts(line, **data, **PRIORS, chains=2, warmup=20, draws=20, progress=False)


def test_outlier_probability_dims():
    data = line_data(n=12)[0]
    idata = nuts(line_outliers, **data, chains=1, warmup=50, draws=20, progress=False)
    assert idata.posterior["p_outlier"].dims == ("chain", "draw", "data")


def test_load_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no InferenceData file at"):
        load(tmp_path / "absent.nc")


@pytest.mark.parametrize(
    "driver, kwargs, message",
    [
        (nuts, {"chain_method": "threads"}, "chain_method must be one of"),
        (nuts, {"draws": 0}, "draws must be >= 1"),
        (svi, {"guide": "flow"}, "guide must be one of"),
        (map_fit, {"starts": 0}, "starts must be >= 1, got 0"),
    ],
)
def test_driver_settings_are_checked(data, driver, kwargs, message):
    with pytest.raises(ValueError, match=message):
        driver(line, **data, **kwargs)


def _sign_blind(y=None):
    """θ ~ N(0, 1), y ~ N(θ², 0.02²): the posterior has modes at ±√y that NUTS cannot cross."""
    import numpyro
    import numpyro.distributions as dist

    theta = numpyro.sample("theta", dist.Normal(0.0, 1.0))
    numpyro.sample("y", dist.Normal(theta**2, 0.02), obs=y)


def test_sbc_start_at_truth_spares_the_search_for_modes():
    from astrozoo.inference.calibration import sbc

    settings = dict(y=None, params=("theta",), replications=100, warmup=100, draws=19, thin=2, bins=5)
    from_random = sbc(_sign_blind, **settings)
    from_truth = sbc(_sign_blind, **settings, start_at_truth=True)
    assert not from_random.uniform(), from_random.p_values  # half the chains sit in the wrong mode
    assert from_truth.uniform(), from_truth.p_values


def _exact_covariance(data):
    """Posterior covariance of (b, m) (alphabetical, as NumPyro flattens sites), priors included."""
    design = np.stack([np.ones_like(data["x"]), data["x"]], axis=1) / data["sigma_y"][:, None]
    prior_precision = np.diag([1 / PRIORS["intercept_scale"] ** 2, 1 / PRIORS["slope_scale"] ** 2])
    return np.linalg.inv(design.T @ design + prior_precision)


def test_laplace_start_gives_the_exact_covariance_of_a_gaussian_posterior(data, exact):
    from astrozoo.inference.starts import laplace_start

    (m, b), (sd_m, sd_b) = exact
    init, inverse_mass_matrix = laplace_start(line, **data, **PRIORS, chains=400, seed=1, progress=False)
    np.testing.assert_allclose(inverse_mass_matrix, _exact_covariance(data), rtol=1e-8)
    # Starting points: 400 draws from the Laplace Gaussian widened twice.
    assert init["m"].shape == init["b"].shape == (400,)
    assert init["m"].mean() == pytest.approx(m, abs=0.3 * sd_m)
    assert init["m"].std() == pytest.approx(2 * sd_m, rel=0.15)
    assert init["b"].std() == pytest.approx(2 * sd_b, rel=0.15)


def test_nuts_keeps_a_given_inverse_mass_matrix(data, exact):
    (m, b), (sd_m, sd_b) = exact
    settings = {"chains": 2, "warmup": 100, "draws": 1000, "dense_mass": True, "progress": False}
    idata = nuts(line, **data, **PRIORS, **settings, inverse_mass_matrix=_exact_covariance(data),
                 adapt_mass_matrix=False)
    # With the exact covariance as mass matrix the posterior is a standard normal to NUTS: big steps.
    assert float(idata.sample_stats.step_size.min()) > 0.7
    assert abs(idata.posterior["m"].values.mean() - m) < 0.1 * sd_m
    assert idata.posterior["b"].values.std() == pytest.approx(sd_b, rel=0.1)
    # New matrix values are data of the compiled program: no compile, no cache lookup.
    requests = []
    listen = lambda event, **kwargs: requests.append(event)  # noqa: E731
    jax.monitoring.register_event_listener(listen)
    try:
        nuts(line, **data, **PRIORS, **settings, inverse_mass_matrix=2 * _exact_covariance(data),
             adapt_mass_matrix=False, seed=5)
    finally:
        jax.monitoring.unregister_event_listener(listen)
    assert "/jax/compilation_cache/compile_requests_use_cache" not in requests


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"adapt_mass_matrix": False}, "adapt_mass_matrix=False needs an inverse_mass_matrix"),
        ({"inverse_mass_matrix": np.eye(3), "dense_mass": True}, r"expected shape \(2, 2\), got \(3, 3\)"),
        ({"inverse_mass_matrix": np.eye(2)}, r"a \(d,\) vector with dense_mass=False"),
        ({"inverse_mass_matrix": np.array([[1.0, 2.0], [2.0, 1.0]]), "dense_mass": True}, "must be positive definite"),
        ({"inverse_mass_matrix": np.array([[1.0, 0.5], [0.0, 1.0]]), "dense_mass": True}, "must be symmetric"),
        ({"inverse_mass_matrix": np.array([1.0, np.nan])}, "non-finite entries"),
        ({"inverse_mass_matrix": np.array([1.0, -1.0])}, "must be positive"),
    ],
)
def test_nuts_rejects_a_bad_inverse_mass_matrix(data, kwargs, message):
    with pytest.raises(ValueError, match=message):
        nuts(line, **data, **PRIORS, **kwargs, progress=False)
