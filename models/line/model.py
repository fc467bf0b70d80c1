"""Straight-line fits (Hogg, Bovy & Lang 2010, arXiv:1008.4686).

Every model is ``f(x, ..., y=None, *, prior scales)``: pass ``y`` to condition
on data, leave it None to simulate. Each records deterministic sites ``m``
(slope) and ``b`` (intercept), so ``y = m x + b`` whatever the parametrisation.
The data sit in ``numpyro.plate("data", N)``. x and y share the user's units;
the prior scales are in those units.
"""

import jax.numpy as jnp
import numpyro
import numpyro.distributions as dist
from jax.scipy.special import logsumexp

from astrozoo.validate import check_correlation, check_finite, check_positive, check_same_length, model_inputs


def _check(x, y, **sigmas):
    check_finite("x", x)
    if y is not None:
        check_finite("y", y)
    for name, value in sigmas.items():
        check_positive(name, value)
    check_same_length(x=x, y=y, **sigmas)


def _slope_intercept(slope_scale, intercept_scale):
    check_positive("slope_scale", slope_scale)
    check_positive("intercept_scale", intercept_scale)
    m = numpyro.sample("m", dist.Normal(0.0, slope_scale))
    b = numpyro.sample("b", dist.Normal(0.0, intercept_scale))
    return m, b


@model_inputs(x="(N,)", sigma_y="() or (N,)", y="(N,)", observed=("y",))
def line(x, sigma_y, y=None, *, slope_scale=10.0, intercept_scale=100.0):
    """A line with known Gaussian uncertainties in y (Hogg et al. 2010, §1).

    Priors: m ~ N(0, slope_scale²), b ~ N(0, intercept_scale²).
    Likelihood: y_i ~ N(m x_i + b, σ_y,i²).

    Args:
        x: abscissae, shape (N,).
        sigma_y: standard uncertainties of y, shape (N,), > 0.
        y: ordinates, shape (N,), or None to simulate.
    """
    _check(x, y, sigma_y=sigma_y)
    m, b = _slope_intercept(slope_scale, intercept_scale)
    with numpyro.plate("data", len(x)):
        numpyro.sample("y", dist.Normal(m * x + b, sigma_y), obs=y)


@model_inputs(x="(N,)", sigma_y="() or (N,)", y="(N,)", observed=("y",))
def line_scatter(x, sigma_y, y=None, *, slope_scale=10.0, intercept_scale=100.0, scatter_scale=10.0):
    """A line with known uncertainties in y plus a fitted intrinsic scatter (Hogg §6).

    Priors: m ~ N(0, slope_scale²), b ~ N(0, intercept_scale²),
    scatter ~ HalfNormal(scatter_scale), the intrinsic Gaussian scatter in y.
    Likelihood: y_i ~ N(m x_i + b, σ_y,i² + scatter²).
    """
    _check(x, y, sigma_y=sigma_y)
    check_positive("scatter_scale", scatter_scale)
    m, b = _slope_intercept(slope_scale, intercept_scale)
    scatter = numpyro.sample("scatter", dist.HalfNormal(scatter_scale))
    with numpyro.plate("data", len(x)):
        numpyro.sample("y", dist.Normal(m * x + b, jnp.hypot(sigma_y, scatter)), obs=y)


def _angle_offset(offset_scale):
    check_positive("offset_scale", offset_scale)
    theta = numpyro.sample("theta", dist.Uniform(-0.5 * jnp.pi, 0.5 * jnp.pi))
    b_perp = numpyro.sample("b_perp", dist.Normal(0.0, offset_scale))
    m = numpyro.deterministic("m", jnp.tan(theta))
    b = numpyro.deterministic("b", b_perp / jnp.cos(theta))
    return theta, m, b


@model_inputs(x="(N,)", sigma_y="() or (N,)", y="(N,)", observed=("y",))
def line_angle(x, sigma_y, y=None, *, offset_scale=100.0):
    """A line parametrised by its angle θ and perpendicular offset b⊥ (Hogg §7).

    Priors: θ ~ U(-π/2, π/2), the angle of the line to the x axis;
    b⊥ ~ N(0, offset_scale²), the signed distance of the line from the origin.
    A flat prior in (θ, b⊥) is p(m, b) ∝ (1 + m²)^(-3/2): it does not prefer
    shallow lines the way a flat prior in m does.
    m = tan θ and b = b⊥ / cos θ.
    Likelihood: y_i ~ N(m x_i + b, σ_y,i²).
    """
    _check(x, y, sigma_y=sigma_y)
    _, m, b = _angle_offset(offset_scale)
    with numpyro.plate("data", len(x)):
        numpyro.sample("y", dist.Normal(m * x + b, sigma_y), obs=y)


@model_inputs(x="(N,)", sigma_x="() or (N,)", sigma_y="() or (N,)", rho_xy="() or (N,)", y="(N,)",
              observed=("y",))
def line_2d(x, sigma_x, sigma_y, rho_xy, y=None, *, offset_scale=100.0):
    """A line through points with 2-D Gaussian uncertainties (Hogg §7, eq. 32).

    Each point has covariance S_i = [[σx², ρσxσy], [ρσxσy, σy²]]. The
    likelihood is that of the orthogonal displacements Δ_i = v̂ᵀ Z_i − b⊥ from the
    line, with v̂ = (−sin θ, cos θ) its unit normal and variance Σ_i² = v̂ᵀ S_i v̂.
    Since Δ_i = cos θ (y_i − m x_i − b), the same likelihood is written as a
    density in y at the observed x, y_i ~ N(m x_i + b, Σ_i² / cos² θ), times the
    Jacobian |cos θ|^(−N) from Δ to y, so that predictive checks simulate y.

    Priors as :func:`line_angle`.

    Args:
        x, y: the measured coordinates, shape (N,).
        sigma_x, sigma_y: their standard uncertainties, shape (N,), > 0.
        rho_xy: their correlation coefficients, shape (N,), |ρ| < 1.
    """
    _check(x, y, sigma_x=sigma_x, sigma_y=sigma_y)
    check_correlation("rho_xy", rho_xy)
    check_same_length(x=x, rho_xy=rho_xy)
    theta, m, b = _angle_offset(offset_scale)
    sin, cos = jnp.sin(theta), jnp.cos(theta)
    var_perp = (sin * sigma_x) ** 2 - 2 * sin * cos * rho_xy * sigma_x * sigma_y + (cos * sigma_y) ** 2
    numpyro.factor("projection_jacobian", -len(x) * jnp.log(jnp.abs(cos)))
    with numpyro.plate("data", len(x)):
        numpyro.sample("y", dist.Normal(m * x + b, jnp.sqrt(var_perp) / jnp.abs(cos)), obs=y)


@model_inputs(x="(N,)", sigma_y="() or (N,)", y="(N,)", observed=("y",))
def line_outliers(
    x,
    sigma_y,
    y=None,
    *,
    slope_scale=10.0,
    intercept_scale=100.0,
    outlier_mean_scale=100.0,
    outlier_width_scale=100.0,
):
    """A line with a marginalised good/bad mixture for outliers (Hogg §3, eq. 17).

    Each point is, with probability q, drawn from a broad Gaussian background
    N(μ_out, σ_out² + σ_y,i²) rather than from the line. The per-point labels
    are summed out; each point's posterior outlier probability is recorded as
    the deterministic ``p_outlier``.

    Priors: m ~ N(0, slope_scale²), b ~ N(0, intercept_scale²), q ~ U(0, 1),
    μ_out ~ N(0, outlier_mean_scale²), σ_out ~ HalfNormal(outlier_width_scale).
    """
    _check(x, y, sigma_y=sigma_y)
    check_positive("outlier_mean_scale", outlier_mean_scale)
    check_positive("outlier_width_scale", outlier_width_scale)
    m, b = _slope_intercept(slope_scale, intercept_scale)
    q = numpyro.sample("q", dist.Uniform(0.0, 1.0))
    mu_out = numpyro.sample("mu_out", dist.Normal(0.0, outlier_mean_scale))
    sigma_out = numpyro.sample("sigma_out", dist.HalfNormal(outlier_width_scale))
    with numpyro.plate("data", len(x)):
        components = dist.Normal(
            jnp.stack([m * x + b, jnp.broadcast_to(mu_out, jnp.shape(x))], axis=-1),
            jnp.stack([sigma_y, jnp.hypot(sigma_out, sigma_y)], axis=-1),
        )
        weights = dist.Categorical(probs=jnp.stack([1.0 - q, q]))
        y_site = numpyro.sample("y", dist.MixtureSameFamily(weights, components), obs=y)
        log_joint = components.log_prob(y_site[..., None]) + jnp.log(jnp.stack([1.0 - q, q]))
        numpyro.deterministic("p_outlier", jnp.exp(log_joint[..., 1] - logsumexp(log_joint, axis=-1)))
