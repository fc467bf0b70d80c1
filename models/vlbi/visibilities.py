"""Analytic visibilities of geometric sources, vectorised over (u, v), in JAX.

Conventions (those of :mod:`astrozoo.data.vlbi.uvfits`, the EHT's): the sky offset x points
east and y north; V(u, v) = ∫∫ I(x, y) exp(+2πi (u x + v y)) dx dy with u, v in
wavelengths (the positive-exponent convention of the EHT data and of Comrade.jl). Sizes and shifts are in µas. A position angle is measured east of
north (from +y towards +x). Every function takes ``flux`` [Jy], a shift
(``x0_uas``, ``y0_uas``) that multiplies V by exp(+2πi (u x0 + v y0)), and where a
shape has an orientation a position angle ``pa_rad``: the shape is defined in its
own frame (its "north" axis y') and rotated so that y' points to ``pa_rad``, which
evaluates V_body at u' = u cos θ − v sin θ, v' = u sin θ + v cos θ. Models
compose as sums of visibilities.

References: Thompson, Moran & Swenson (2017), Interferometry and Synthesis in
Radio Astronomy, ch. 2-3; Johnson et al. (2020), Sci. Adv. 6, eaaz1310 (m-ring);
Kamruddin & Dexter (2013), MNRAS 434, 765 (crescent).
"""

import jax.numpy as jnp

from astrozoo.models.vlbi.bessel import bessel_j_orders

UAS = jnp.pi / (180 * 3600 * 1e6)  # radians per microarcsecond
FWHM_PER_SIGMA = 2 * jnp.sqrt(2 * jnp.log(2))


def _shift(u, v, x0_uas, y0_uas):
    return jnp.exp(2j * jnp.pi * (u * x0_uas + v * y0_uas) * UAS)


def _rotate(u, v, pa_rad):
    c, s = jnp.cos(pa_rad), jnp.sin(pa_rad)
    return u * c - v * s, u * s + v * c


def _gaussian_taper(rho_sq, fwhm_uas):
    sigma = fwhm_uas * UAS / FWHM_PER_SIGMA
    return jnp.exp(-2 * jnp.pi**2 * sigma**2 * rho_sq)


def _jinc(z):
    """2 J_1(z) / z, 1 at z = 0, with a finite gradient there."""
    small = jnp.abs(z) < 1e-6
    safe = jnp.where(small, 1.0, z)
    return jnp.where(small, 1.0 - z**2 / 8, 2 * bessel_j_orders(1, safe)[1] / safe)


def point(u, v, flux=1.0, x0_uas=0.0, y0_uas=0.0):
    """A point source: V = F exp(+2πi (u x0 + v y0))."""
    return flux * _shift(u, v, x0_uas, y0_uas)


def gaussian(u, v, flux=1.0, fwhm_uas=20.0, x0_uas=0.0, y0_uas=0.0):
    """A circular Gaussian of full width at half maximum ``fwhm_uas``: V = F exp(−2π² σ² ρ²), σ = FWHM / √(8 ln 2)."""
    return flux * _gaussian_taper(u**2 + v**2, fwhm_uas) * _shift(u, v, x0_uas, y0_uas)


def elliptical_gaussian(u, v, flux=1.0, major_uas=30.0, minor_uas=15.0, pa_rad=0.0, x0_uas=0.0, y0_uas=0.0):
    """An elliptical Gaussian, FWHM ``major_uas`` along position angle ``pa_rad`` and ``minor_uas`` across it.

    V = F exp(−2π² (σ_minor² u'² + σ_major² v'²)) in the rotated frame.
    """
    ur, vr = _rotate(u, v, pa_rad)
    return flux * _gaussian_taper(ur**2, minor_uas) * _gaussian_taper(vr**2, major_uas) * _shift(u, v, x0_uas, y0_uas)


def disk(u, v, flux=1.0, d_uas=40.0, x0_uas=0.0, y0_uas=0.0):
    """A uniform disk of diameter ``d_uas``: V = F · 2 J_1(π d ρ) / (π d ρ)."""
    z = jnp.pi * d_uas * UAS * jnp.sqrt(u**2 + v**2)
    return flux * _jinc(z) * _shift(u, v, x0_uas, y0_uas)


def ring(u, v, flux=1.0, d_uas=40.0, x0_uas=0.0, y0_uas=0.0):
    """An infinitely thin uniform ring of diameter ``d_uas``: V = F J_0(π d ρ)."""
    z = jnp.pi * d_uas * UAS * jnp.sqrt(u**2 + v**2)
    return flux * bessel_j_orders(0, z)[0] * _shift(u, v, x0_uas, y0_uas)


def mring(u, v, beta, flux=1.0, d_uas=40.0, x0_uas=0.0, y0_uas=0.0):
    """A thin m-ring (Johnson et al. 2020): brightness ∝ δ(r − d/2) Σ_{k=−m}^{m} β_k e^{ikθ}.

    θ is the position angle east of north, β_0 = 1 and β_{−k} = conj β_k, so the
    brightness is real: 1 + 2 Σ_k |β_k| cos(k θ + arg β_k); for m = 1 it peaks at
    θ = −arg β_1. The visibility is

        V(ρ, φ) = F Σ_{k=−m}^{m} β_k J_k(π d ρ) e^{ik(φ + π/2)},

    φ = atan2(u, v) the position angle of the baseline. A rotation of the ring
    by α multiplies β_k by e^{−ikα}, so this function takes no ``pa_rad``.

    Args:
        beta: complex array (m,) of β_1..β_m (with |β_k| ≤ 1/2 the brightness stays ≥ 0 for m = 1).
    """
    beta = jnp.asarray(beta)
    m = beta.shape[-1]
    rho = jnp.sqrt(u**2 + v**2)
    phi = jnp.arctan2(u, v)
    jk = bessel_j_orders(m, jnp.pi * d_uas * UAS * rho)  # (m + 1, ...)
    k = jnp.arange(1, m + 1).reshape((-1,) + (1,) * rho.ndim)
    harmonics = beta.reshape((-1,) + (1,) * rho.ndim) * jnp.exp(1j * k * (phi + jnp.pi / 2))
    terms = jk[1:] * harmonics
    # the k < 0 terms: β_{−k} J_{−k} e^{−ik(φ+π/2)} = (−1)^k conj(β_k J_k e^{ik(φ+π/2)})
    total = jk[0] + jnp.sum(terms + (-1.0) ** k * jnp.conj(terms), axis=0)
    return flux * total * _shift(u, v, x0_uas, y0_uas)


def thick_mring(u, v, beta, flux=1.0, d_uas=40.0, width_uas=10.0, x0_uas=0.0, y0_uas=0.0):
    """An m-ring convolved with a circular Gaussian of FWHM ``width_uas`` (the EHT's thick ring)."""
    return mring(u, v, beta, flux, d_uas, x0_uas, y0_uas) * _gaussian_taper(u**2 + v**2, width_uas)


def crescent(u, v, flux=1.0, d_uas=40.0, d_inner_uas=30.0, offset_uas=4.0, pa_rad=0.0, x0_uas=0.0, y0_uas=0.0):
    """A uniform disk of diameter ``d_uas`` minus a disk of diameter ``d_inner_uas`` displaced by ``offset_uas``.

    The inner disk is moved towards position angle ``pa_rad`` + π, so the
    crescent is thickest, and brightest in projection, at ``pa_rad``
    (Kamruddin & Dexter 2013). The surface brightness is uniform; ``flux`` is
    the total. Requires d_inner/2 + offset ≤ d/2.

        V = F [R² jinc(2π R ρ) − r² jinc(2π r ρ) e^{+2πi (u·s)}] / (R² − r²),

    with R, r the radii, s the inner disk's displacement and jinc(z) = 2 J_1(z)/z.
    """
    rho = jnp.sqrt(u**2 + v**2)
    outer_r, inner_r = d_uas / 2, d_inner_uas / 2
    sx, sy = -offset_uas * jnp.sin(pa_rad), -offset_uas * jnp.cos(pa_rad)
    outer = outer_r**2 * _jinc(2 * jnp.pi * outer_r * UAS * rho)
    inner = inner_r**2 * _jinc(2 * jnp.pi * inner_r * UAS * rho) * _shift(u, v, sx, sy)
    return flux * (outer - inner) / (outer_r**2 - inner_r**2) * _shift(u, v, x0_uas, y0_uas)
