"""The optimisers and the Laplace approximation on functions with known minima and curvature."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from astrozoo.inference.laplace import (
    is_positive_definite,
    laplace_approximation,
    laplace_covariance,
    laplace_draws,
)
from astrozoo.inference.optimize import adam, lbfgs, multistart, newton

ROSENBROCK_HESSIAN = np.array([[802.0, -400.0], [-400.0, 200.0]])  # at its minimum (1, 1)


def rosenbrock(u):
    return (1 - u[0]) ** 2 + 100 * (u[1] - u[0] ** 2) ** 2


@pytest.mark.parametrize("optimiser, steps, tolerance", [(newton, 200, 1e-7), (lbfgs, 500, 1e-5)])
def test_optimisers_reach_the_bottom_of_a_curved_valley(optimiser, steps, tolerance):
    """From (−1.2, 1): within a small Mahalanobis distance (in H⁻¹ units) of (1, 1)."""
    u, value, taken = jax.jit(lambda u0: optimiser(rosenbrock, u0, steps))(jnp.array([-1.2, 1.0]))
    delta = np.asarray(u) - 1.0
    assert delta @ ROSENBROCK_HESSIAN @ delta < tolerance
    assert float(value) < tolerance and int(taken) < steps


def test_adam_descends_a_quadratic_with_parameters_of_different_scales():
    scales = jnp.array([1.0, 30.0])
    u, value, _ = adam(lambda u: jnp.sum((u / scales - 1) ** 2), jnp.zeros(2), 3000, learning_rate=0.5)
    np.testing.assert_allclose(u, scales, rtol=1e-3)


def test_adam_ignores_non_finite_gradients():
    u, value, _ = adam(lambda u: jnp.where(u[0] > 3, jnp.nan, (u[0] - 2) ** 2), jnp.zeros(1), 2000)
    np.testing.assert_allclose(u, [2.0], atol=1e-3)


def test_multistart_ranks_the_optima_and_finds_the_global_minimum():
    """A double well with minima at −1 (depth −1) and +1 (depth −0.5)."""
    def potential(u):
        return (u[0] ** 2 - 1) ** 2 - 0.25 * (1 - u[0])

    points = jnp.array([[0.9], [1.2], [-0.8], [0.5]])
    optima, values, _ = multistart(newton, potential, points, jnp.arange(4.0), 4, 100)
    assert np.all(np.diff(np.asarray(values)) >= 0)
    assert float(optima[0, 0]) < 0 and float(optima[-1, 0]) > 0


def test_laplace_covariance_and_draws_of_a_gaussian_are_exact():
    covariance = np.array([[2.0, 0.6], [0.6, 0.5]])
    precision = np.linalg.inv(covariance)
    mode = jnp.array([1.0, -2.0])
    laplace = laplace_approximation(lambda u: 0.5 * (u - mode) @ precision @ (u - mode), mode)
    assert bool(is_positive_definite(laplace)) and float(laplace.decrement) < 1e-20
    np.testing.assert_allclose(laplace_covariance(laplace), covariance, rtol=1e-10)
    draws = np.asarray(laplace_draws(jax.random.PRNGKey(0), laplace, 200_000, widen=2.0))
    np.testing.assert_allclose(np.cov(draws.T), 4 * covariance, rtol=0.02)
    np.testing.assert_allclose(draws.mean(0), mode, atol=0.02)


def test_laplace_flags_a_saddle():
    laplace = laplace_approximation(lambda u: u[0] ** 2 - u[1] ** 2, jnp.zeros(2))
    assert not bool(is_positive_definite(laplace))
