"""Type Ia supernova cosmology: Hubble-diagram likelihoods for ΛCDM, wCDM and w0waCDM.

Each model is ``f(z, sigma_mag=None, scale_tril=None, mag=None, *, offset=..., ...)``:
pass ``mag`` to condition on data, leave it None to simulate. ``mag`` holds the
observed distance moduli (Union2.1, computed by its authors with h = 0.70) or
the observed peak apparent magnitudes m_B = μ + M (Pantheon); either way

    mag_i = μ(z_i; θ, H0 = 70 km/s/Mpc) + Δ + noise_i,

where μ is :func:`astrozoo.models.cosmology.distance_modulus` and the offset
Δ = M − M_ref + 5 log10(70 / H0) (mag) absorbs the absolute magnitude and the
Hubble constant, which supernovae alone cannot tell apart. The noise is Gaussian
with either independent standard deviations ``sigma_mag`` (mag, shape (N,)) or a
full covariance C given by its lower Cholesky factor ``scale_tril`` (C = L Lᵀ,
shape (N, N)). Factorise C once, outside the sampler, with
:func:`covariance_cholesky`.

The offset is either fitted, Δ ~ N(offset_mean, offset_scale²), or marginalised
analytically over a flat prior (Goliath et al. 2001, A&A 380, 6; Conley et al.
2011, ApJS 192, 1, appendix C). With r = mag − μ, A = rᵀC⁻¹r, B = 1ᵀC⁻¹r and
F = 1ᵀC⁻¹1,

    ∫ N(mag | μ + Δ1, C) dΔ = N(mag | μ + Δ̂1, C) √(2π / F),  Δ̂ = B / F,

and −2 log of it is A − B²/F + log det(2πC) − log(2π/F). The factor √(2π/F) does
not depend on θ, so the marginal posterior of θ is that of the Gaussian
likelihood at the best offset Δ̂(θ), which is what the model evaluates; Δ̂ is
recorded as the deterministic site ``offset`` (it is the conditional posterior
mean of Δ; the conditional standard deviation is 1/√F). When simulating (``mag``
None) the marginalised models draw Δ ~ N(offset_mean, offset_scale²) instead;
posterior predictive draws use the recorded Δ̂ of each posterior draw.

A parameter draw for which the universe has no redshift z_max (E² ≤ 0 on
[0, z_max], no big bang) gets zero posterior density.

Sites: ``omega_m``, ``omega_lambda`` (ΩΛ, or Ωde for w ≠ −1), ``omega_k`` (curved
models), ``w`` or ``w0`` and ``wa``, ``offset`` and the observation ``mag``.
"""

import jax
import jax.numpy as jnp
import numpy as np
import numpyro
import numpyro.distributions as dist
from jax.scipy.linalg import solve_triangular

from astrozoo.validate import check_finite, check_positive, model_inputs
from astrozoo.models.cosmology import distance_modulus

REFERENCE_H0 = 70.0
"""H0 (km/s/Mpc) at which μ is computed; the offset Δ absorbs any other value."""

OFFSETS = ("marginalised", "fitted")


def covariance_cholesky(cov, name: str = "cov") -> np.ndarray:
    """The lower Cholesky factor L of a covariance matrix (C = L Lᵀ), checked.

    Args:
        cov: the covariance, shape (N, N), symmetric positive definite.
        name: the argument's name, for error messages.

    Raises:
        ValueError: ``cov`` is not a finite square matrix, not symmetric, or not
            positive definite.
    """
    check_finite(name, cov)
    cov = np.asarray(cov, dtype=float)
    if cov.ndim != 2 or cov.shape[0] != cov.shape[1]:
        raise ValueError(f"{name} must be a square matrix; its shape is {cov.shape}")
    asymmetry = np.max(np.abs(cov - cov.T))
    if asymmetry > 1e-10 * np.max(np.abs(cov)):
        raise ValueError(f"{name} is not symmetric: max |{name} - {name}.T| = {asymmetry:.3g}")
    try:
        return np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        smallest = np.linalg.eigvalsh(cov)[0]
        raise ValueError(
            f"{name} is not positive definite: its smallest eigenvalue is {smallest:.3g}"
        ) from None


def _check(z, sigma_mag, scale_tril, mag, offset, offset_mean, offset_scale):
    """Values and settings; the shapes are checked by the models' model_inputs declaration."""
    if offset not in OFFSETS:
        raise ValueError(f"offset must be one of {OFFSETS}, got {offset!r}")
    check_finite("offset_mean", offset_mean)
    check_positive("offset_scale", offset_scale)
    check_positive("z", z)
    if mag is not None:
        check_finite("mag", mag)
    if (sigma_mag is None) == (scale_tril is None):
        raise ValueError(
            "give exactly one of sigma_mag (independent errors) or scale_tril (Cholesky factor of the covariance)"
        )
    if sigma_mag is not None:
        check_positive("sigma_mag", sigma_mag)
    else:
        check_finite("scale_tril", scale_tril)
        if not isinstance(scale_tril, jax.core.Tracer):
            tril = np.asarray(scale_tril)
            if np.any(np.triu(tril, 1)) or not np.all(np.diag(tril) > 0):
                raise ValueError(
                    "scale_tril must be lower triangular with a positive diagonal "
                    "(the Cholesky factor of a positive-definite covariance; see covariance_cholesky)"
                )


def _best_offset(residual, sigma_mag, scale_tril):
    """Δ̂ = 1ᵀC⁻¹r / 1ᵀC⁻¹1, the offset that maximises the likelihood."""
    if scale_tril is None:
        weight = sigma_mag**-2
        return jnp.sum(weight * residual) / jnp.sum(weight)
    whitened = solve_triangular(scale_tril, jnp.stack([residual, jnp.ones_like(residual)], -1), lower=True)
    r, one = whitened[:, 0], whitened[:, 1]
    return jnp.dot(one, r) / jnp.dot(one, one)


def _hubble_diagram(z, sigma_mag, scale_tril, mag, offset, offset_mean, offset_scale, **cosmology):
    """The likelihood of the observed magnitudes given the cosmological parameters."""
    mu = distance_modulus(z, REFERENCE_H0, **cosmology)
    physical = jnp.all(jnp.isfinite(mu))
    numpyro.factor("big_bang", jnp.where(physical, 0.0, -jnp.inf))
    mu = jnp.where(physical, mu, 0.0)
    if offset == "fitted" or mag is None:
        delta = numpyro.sample("offset", dist.Normal(offset_mean, offset_scale))
    else:
        delta = numpyro.deterministic("offset", _best_offset(mag - mu, sigma_mag, scale_tril))
    if scale_tril is None:
        with numpyro.plate("sn", len(z)):
            numpyro.sample("mag", dist.Normal(mu + delta, sigma_mag), obs=mag)
    else:
        numpyro.sample("mag", dist.MultivariateNormal(mu + delta, scale_tril=scale_tril), obs=mag)


@model_inputs(z="(N,)", sigma_mag="(N,)", scale_tril="(N, N)", mag="(N,)", observed=("mag",))
def flat_lcdm(z, sigma_mag=None, scale_tril=None, mag=None, *, offset="marginalised", offset_mean=0.0, offset_scale=1.0):
    """Flat ΛCDM: Ωm ~ U(0, 1), ΩΛ = 1 − Ωm (deterministic ``omega_lambda``).

    Args:
        z: redshifts (CMB frame), shape (N,), > 0.
        sigma_mag: independent standard errors of ``mag`` in mag, shape (N,), > 0;
            or None when ``scale_tril`` is given.
        scale_tril: lower Cholesky factor of the covariance of ``mag`` (mag²),
            shape (N, N); or None when ``sigma_mag`` is given.
        mag: observed distance moduli or peak magnitudes (mag), shape (N,), or None to simulate.
        offset: "marginalised" (analytically, flat prior) or "fitted".
        offset_mean, offset_scale: the Normal prior of the offset Δ in mag (fitted,
            or simulating).
    """
    _check(z, sigma_mag, scale_tril, mag, offset, offset_mean, offset_scale)
    omega_m = numpyro.sample("omega_m", dist.Uniform(0.0, 1.0))
    omega_lambda = numpyro.deterministic("omega_lambda", 1.0 - omega_m)
    _hubble_diagram(z, sigma_mag, scale_tril, mag, offset, offset_mean, offset_scale,
                    omega_m=omega_m, omega_de=omega_lambda)


@model_inputs(z="(N,)", sigma_mag="(N,)", scale_tril="(N, N)", mag="(N,)", observed=("mag",))
def lcdm(
    z,
    sigma_mag=None,
    scale_tril=None,
    mag=None,
    *,
    offset="marginalised",
    offset_mean=0.0,
    offset_scale=1.0,
    omega_lambda_max=2.0,
):
    """ΛCDM with curvature: Ωm ~ U(0, 1), ΩΛ ~ U(0, omega_lambda_max), Ωk = 1 − Ωm − ΩΛ
    (deterministic ``omega_k``).

    Prior draws with E² ≤ 0 below the highest redshift have zero density, but
    predictive simulation cannot reject them. Every Ωm ≥ 0 has a big bang
    beyond z_max when ΩΛ < x²/(x² − 1), x = 1 + z_max (E² is smallest at Ωm = 0);
    choose ``omega_lambda_max`` below that bound (1.207 for z_max = 1.414) to make
    the whole prior physical. Other arguments as :func:`flat_lcdm`.
    """
    _check(z, sigma_mag, scale_tril, mag, offset, offset_mean, offset_scale)
    check_positive("omega_lambda_max", omega_lambda_max)
    omega_m = numpyro.sample("omega_m", dist.Uniform(0.0, 1.0))
    omega_lambda = numpyro.sample("omega_lambda", dist.Uniform(0.0, omega_lambda_max))
    numpyro.deterministic("omega_k", 1.0 - omega_m - omega_lambda)
    _hubble_diagram(z, sigma_mag, scale_tril, mag, offset, offset_mean, offset_scale,
                    omega_m=omega_m, omega_de=omega_lambda)


@model_inputs(z="(N,)", sigma_mag="(N,)", scale_tril="(N, N)", mag="(N,)", observed=("mag",))
def flat_wcdm(z, sigma_mag=None, scale_tril=None, mag=None, *, offset="marginalised", offset_mean=0.0, offset_scale=1.0):
    """Flat wCDM, constant dark-energy equation of state w: Ωm ~ U(0, 1), w ~ U(−3, 0).

    Ωde = 1 − Ωm is recorded as ``omega_lambda``. Arguments as :func:`flat_lcdm`.
    """
    _check(z, sigma_mag, scale_tril, mag, offset, offset_mean, offset_scale)
    omega_m = numpyro.sample("omega_m", dist.Uniform(0.0, 1.0))
    w = numpyro.sample("w", dist.Uniform(-3.0, 0.0))
    omega_de = numpyro.deterministic("omega_lambda", 1.0 - omega_m)
    _hubble_diagram(z, sigma_mag, scale_tril, mag, offset, offset_mean, offset_scale,
                    omega_m=omega_m, omega_de=omega_de, w0=w)


@model_inputs(z="(N,)", sigma_mag="(N,)", scale_tril="(N, N)", mag="(N,)", observed=("mag",))
def flat_w0wa(z, sigma_mag=None, scale_tril=None, mag=None, *, offset="marginalised", offset_mean=0.0, offset_scale=1.0):
    """Flat CPL dark energy, w(a) = w0 + wa (1 − a): Ωm ~ U(0, 1), w0 ~ U(−3, 1), wa ~ U(−5, 5).

    Ωde = 1 − Ωm is recorded as ``omega_lambda``. Supernovae alone constrain
    (w0, wa) weakly: expect the posterior to fill much of the prior along a
    degeneracy. Arguments as :func:`flat_lcdm`.
    """
    _check(z, sigma_mag, scale_tril, mag, offset, offset_mean, offset_scale)
    omega_m = numpyro.sample("omega_m", dist.Uniform(0.0, 1.0))
    w0 = numpyro.sample("w0", dist.Uniform(-3.0, 1.0))
    wa = numpyro.sample("wa", dist.Uniform(-5.0, 5.0))
    omega_de = numpyro.deterministic("omega_lambda", 1.0 - omega_m)
    _hubble_diagram(z, sigma_mag, scale_tril, mag, offset, offset_mean, offset_scale,
                    omega_m=omega_m, omega_de=omega_de, w0=w0, wa=wa)
