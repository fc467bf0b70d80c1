"""Dust attenuation curves, as A_λ / A_V or optical depths, for rest wavelengths in Å.

- Calzetti et al. (2000, ApJ 533, 682, eq. 4), R_V = 4.05, λ in μm:
  k(λ) = 2.659 (−2.156 + 1.509/λ − 0.198/λ² + 0.011/λ³) + R_V  for 0.12 ≤ λ < 0.63,
  k(λ) = 2.659 (−1.857 + 1.040/λ) + R_V                          for 0.63 ≤ λ ≤ 2.2;
  below 0.12 μm the curve continues linearly in 1/λ with the slope at 0.12 μm,
  above 2.2 μm it continues linearly in 1/λ with the 0.63–2.2 μm slope, and is
  floored at 0. A_λ = A_V k(λ) / R_V.
- Noll et al. (2009, A&A 507, 1793, eqs. 3–5): a Calzetti curve with a power-law
  tilt δ and a Drude 2175 Å bump,
  A_λ = (A_V / R_V) [k(λ) + D(λ)] (λ / 5500 Å)^δ,
  D(λ) = E_b (λ Δλ)² / ((λ² − λ₀²)² + (λ Δλ)²), λ₀ = 2175 Å, Δλ = 350 Å,
  with the bump strength tied to the slope as E_b = 0.85 − 1.9 δ (Kriek & Conroy 2013, ApJL 775, L16).
- Charlot & Fall (2000, ApJ 539, 718): stars younger than 10⁷ yr sit behind
  their birth clouds and the diffuse ISM, older stars behind the ISM only:
  τ_ISM(λ) = τ_V,ISM (λ / 5500 Å)^n (n = −0.7 in the paper, free here),
  τ_BC(λ)  = τ_V,BC (λ / 5500 Å)^−0.7 (the slope Charlot & Fall 2000 adopt for both).
  Optical depths are converted with A = 2.5 log10(e) τ.
"""

import jax.numpy as jnp
import numpy as np

R_V_CALZETTI = 4.05
V_BAND_AA = 5500.0
BUMP_CENTRE_AA = 2175.0
BUMP_WIDTH_AA = 350.0
MAG_PER_TAU = 2.5 * np.log10(np.e)
BIRTH_CLOUD_SLOPE = -0.7


def _k_uv(inv):
    return 2.659 * (-2.156 + 1.509 * inv - 0.198 * inv**2 + 0.011 * inv**3) + R_V_CALZETTI


def _k_ir(inv):
    return 2.659 * (-1.857 + 1.040 * inv) + R_V_CALZETTI


def calzetti_k(wave_aa):
    """Calzetti et al. (2000) k(λ) = A_λ / E(B−V), extended as the module says (numpy)."""
    inv = 1e4 / np.asarray(wave_aa, float)  # μm⁻¹
    inv_uv_end = 1.0 / 0.12
    slope_uv = 2.659 * (1.509 - 2 * 0.198 * inv_uv_end + 3 * 0.011 * inv_uv_end**2)
    k = np.where(inv > 1.0 / 0.63, _k_uv(inv), _k_ir(inv))
    k = np.where(inv > inv_uv_end, _k_uv(inv_uv_end) + slope_uv * (inv - inv_uv_end), k)
    return np.clip(k, 0.0, None)


def drude_bump(wave_aa, strength=1.0):
    """D(λ) of Noll et al. (2009) with E_b = ``strength`` (numpy or JAX)."""
    w2 = (wave_aa * BUMP_WIDTH_AA) ** 2
    return strength * w2 / ((wave_aa**2 - BUMP_CENTRE_AA**2) ** 2 + w2)


def calzetti_av(wave_aa, av):
    """A_λ [mag] of the Calzetti (2000) curve scaled to A_V = av."""
    return av * calzetti_k(wave_aa) / R_V_CALZETTI


def noll_av(wave_aa, av, delta, bump=True):
    """A_λ [mag] of the Noll et al. (2009) curve; E_b = 0.85 − 1.9 δ when ``bump``, else 0."""
    k = calzetti_k(wave_aa)
    strength = (0.85 - 1.9 * delta) if bump else 0.0
    return av / R_V_CALZETTI * (k + drude_bump(wave_aa, strength)) * (wave_aa / V_BAND_AA) ** delta


def charlot_fall_av(wave_aa, av_ism, av_bc, ism_slope):
    """(A_λ,old, A_λ,young) [mag]: ISM only, and ISM plus birth cloud (Charlot & Fall 2000).

    ``av_ism`` and ``av_bc`` are the V-band attenuations [mag] of the two components.
    """
    x = wave_aa / V_BAND_AA
    old = av_ism * x**ism_slope
    return old, old + av_bc * x**BIRTH_CLOUD_SLOPE


def transmission(a_lambda):
    """10^(−0.4 A_λ): the fraction of light that gets through."""
    return jnp.power(10.0, -0.4 * a_lambda)
