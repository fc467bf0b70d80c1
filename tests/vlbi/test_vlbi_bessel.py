"""J_n against scipy.special.jv, at x = 0, and its custom derivative against finite differences."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.special import jv, jvp

from astrozoo.models.vlbi.bessel import MAX_ORDER, bessel_j_orders, jn

EDGES = [0.0, 1e-300, 1e-12, 1e-6, 1e-3, 0.02, 3.9999999, 4.0, 4.0000001, 19.9999999, 20.0, 20.0000001, 100.0]
X = np.unique(np.concatenate([np.linspace(0.0, 100.0, 40001), EDGES]))
orders = jax.jit(lambda x: bessel_j_orders(MAX_ORDER, x))


def test_float64_matches_scipy_to_1e12():
    values = np.asarray(orders(jnp.asarray(X)))
    for n in range(MAX_ORDER + 1):
        assert np.max(np.abs(values[n] - jv(n, X))) <= 1e-12, n


def test_float32_matches_scipy_to_1e6():
    x32 = X.astype(np.float32)
    values = np.asarray(orders(jnp.asarray(x32)))
    assert values.dtype == np.float32
    for n in range(MAX_ORDER + 1):
        assert np.max(np.abs(values[n] - jv(n, x32.astype(np.float64)))) <= 1e-6, n


def test_exact_at_zero_in_both_precisions():
    for dtype in (jnp.float32, jnp.float64):
        values = np.asarray(orders(jnp.zeros(3, dtype)))
        assert np.all(values[0] == 1.0) and np.all(values[1:] == 0.0)
    # and the derivative there: J_0'(0) = 0, J_1'(0) = 1/2, J_n'(0) = 0 for n > 1
    slopes = jax.jit(jax.jacfwd(lambda x: bessel_j_orders(3, x)))(0.0)
    assert np.asarray(slopes).tolist() == [0.0, 0.5, 0.0, 0.0]


@pytest.mark.parametrize("n", [0, 1, 2, 3, 5, 8])
def test_gradient_matches_scipy_and_finite_differences(n):
    x = np.array([1e-6, 1e-3, 0.01, 0.5, 3.9, 4.1, 12.0, 19.9, 20.1, 60.0, 99.0])
    grad = np.asarray(jax.jit(jax.vmap(jax.grad(lambda t: jn(n, t))))(jnp.asarray(x)))
    np.testing.assert_allclose(grad, jvp(n, x), atol=1e-12)
    h = 1e-5
    central = (np.asarray(orders(jnp.asarray(x + h)))[n] - np.asarray(orders(jnp.asarray(x - h)))[n]) / (2 * h)
    np.testing.assert_allclose(grad, central, atol=1e-9)


def test_second_derivative_from_bessel_equation():
    # x² J'' + x J' + (x² − n²) J = 0 (A&S 9.1.1)
    x = jnp.asarray([0.3, 2.0, 7.5, 30.0])
    f = lambda t: bessel_j_orders(3, t)  # noqa: E731
    d1 = jax.jit(jax.vmap(jax.jacfwd(f)))(x).T
    d2 = jax.jit(jax.vmap(jax.jacfwd(jax.jacfwd(f))))(x).T
    n = np.arange(4)[:, None]
    np.testing.assert_allclose(x**2 * d2 + x * d1 + (x**2 - n**2) * f(x), 0.0, atol=1e-11)


def test_symmetries_in_negative_order_and_argument():
    x = jnp.asarray([0.7, 5.0, 40.0])
    for n in (1, 2, 3):
        both = jax.jit(lambda x, n=n: (jn(-n, x), jn(n, -x), jn(n, x)))
        negative_order, negative_argument, value = both(x)
        np.testing.assert_array_equal(negative_order, (-1) ** n * value)
        np.testing.assert_array_equal(negative_argument, (-1) ** n * value)
