"""Attenuation by the intergalactic medium: Madau (1995, ApJ 441, 18).

The mean transmission along a line of sight to a source at redshift z is
exp(−τ_eff(λ_obs)), with τ_eff the sum of

- Lyman-series line blanketing (Madau 1995, eq. 12 and Table 2): for each line
  j = Lyα, β, γ, δ with rest wavelength λ_j, where λ_obs < λ_j (1 + z),
  τ_j = A_j (λ_obs / λ_j)^3.46, A_j = 3.6e-3, 1.7e-3, 1.2e-3, 9.3e-4;
- photoelectric absorption by intervening Lyman-limit systems (Madau 1995,
  footnote 3, the approximation to eq. 16 used in the Lyman-break literature),
  where x_c = λ_obs / 912 Å < x_e = 1 + z:
  τ_LL = 0.25 x_c³ (x_e^0.46 − x_c^0.46) + 9.4 x_c^1.5 (x_e^0.18 − x_c^0.18)
         − 0.7 x_c³ (x_c^−1.32 − x_e^−1.32) − 0.023 (x_e^1.68 − x_c^1.68).
"""

import jax.numpy as jnp

LYMAN_SERIES_AA = (1215.67, 1025.72, 972.537, 949.743)
LYMAN_SERIES_COEFF = (3.6e-3, 1.7e-3, 1.2e-3, 9.3e-4)
LYMAN_LIMIT_AA = 911.75


def madau_tau(wave_obs_aa, z):
    """τ_eff(λ_obs) of Madau (1995) for a source at redshift z (broadcasts)."""
    wave = jnp.asarray(wave_obs_aa)
    tau = jnp.zeros(jnp.broadcast_shapes(jnp.shape(wave), jnp.shape(z)))
    for line, coeff in zip(LYMAN_SERIES_AA, LYMAN_SERIES_COEFF):
        tau = tau + jnp.where(wave < line * (1.0 + z), coeff * (wave / line) ** 3.46, 0.0)
    xc = wave / LYMAN_LIMIT_AA
    xe = 1.0 + z
    limit = (
        0.25 * xc**3 * (xe**0.46 - xc**0.46)
        + 9.4 * xc**1.5 * (xe**0.18 - xc**0.18)
        - 0.7 * xc**3 * (xc**-1.32 - xe**-1.32)
        - 0.023 * (xe**1.68 - xc**1.68)
    )
    return tau + jnp.where(xc < xe, limit, 0.0)


def madau_transmission(wave_obs_aa, z):
    """exp(−τ_eff): the fraction of a z-source's flux at observed λ [Å] that survives the IGM."""
    return jnp.exp(-madau_tau(wave_obs_aa, z))
