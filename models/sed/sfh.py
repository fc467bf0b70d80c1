"""Star-formation histories as mass formed per age bin (JAX).

Every SFH is a star-formation rate ψ(t) over the time t since star formation
began, 0 ≤ t ≤ T (T = ``age_gyr``, the age of the oldest stars); a star of
lookback age ℓ formed at t = T − ℓ. :func:`mass_per_bin` integrates ψ over
age bins [ℓ_a, ℓ_b] (clipped at T), up to a constant that the forward model
fixes by the total mass formed:

- ``constant``: ψ = 1.
- ``delayed-tau``: ψ = t e^{−t/τ}; exact, ∫₀^t s e^{−s/τ} ds = τ² [1 − e^{−t/τ}(1 + t/τ)].
- ``lognormal``: ψ = exp(−(ln t − ln t₀)² / 2σ²) / t (Gladders et al. 2013, ApJ 770, 64);
  exact, ∫₀^t ψ ds ∝ Φ((ln t − ln t₀) / σ).
- ``double-power-law``: ψ = [(t/τ)^α + (t/τ)^−β]⁻¹ (Carnall et al. 2018, MNRAS 480, 4379,
  eq. 9); rising with slope β, falling with slope α, turning over near t = τ; five-point
  Gauss–Legendre quadrature per bin.
- ``continuity``: the non-parametric SFH of Leja et al. (2019, ApJ 876, 3): ψ constant in
  fixed lookback bins (:func:`continuity_edges_yr`, the last one ending at the oldest
  allowed age), with
  log10(ψ_{i+1} / ψ_i) = r_i given (their prior: Student-t, ν = 2, scale 0.3); exact.

Departure, stated: for the double power law and the log-normal t is measured
from the onset of star formation, not from the Big Bang, so the onset age T is a
parameter of every parametric SFH.
"""

import jax.numpy as jnp
import numpy as np
from jax.scipy.special import ndtr

KINDS = ("constant", "delayed-tau", "lognormal", "double-power-law", "continuity")
PARAMETERS = {
    "constant": ("age_gyr",),
    "delayed-tau": ("age_gyr", "tau_gyr"),
    "lognormal": ("age_gyr", "t0_gyr", "sigma"),
    "double-power-law": ("age_gyr", "tau_gyr", "alpha", "beta"),
    "continuity": ("log_sfr_ratios",),
}
CONTINUITY_EDGES_YR = (0.0, 3e7, 1e8, 3.3e8, 1.1e9, 3.6e9)
_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(5)


def check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"sfh must be one of {KINDS}, got {kind!r}")


def _clipped(edges_yr, age_gyr):
    t_onset = 1e9 * age_gyr
    return jnp.minimum(edges_yr[:-1], t_onset), jnp.minimum(edges_yr[1:], t_onset), t_onset


def _from_cumulative(cumulative, edges_yr, age_gyr):
    """Mass per bin from C(t) = ∫₀^t ψ: the bin [ℓ_a, ℓ_b] holds C(T − ℓ_a) − C(T − ℓ_b)."""
    lo, hi, t_onset = _clipped(edges_yr, age_gyr)
    return cumulative(t_onset - lo) - cumulative(t_onset - hi)


def _quadrature(rate, edges_yr, age_gyr):
    lo, hi, t_onset = _clipped(edges_yr, age_gyr)
    half = 0.5 * (hi - lo)
    ell = 0.5 * (hi + lo)[:, None] + half[:, None] * _GL_NODES
    t = jnp.clip(t_onset - ell, 1e-3, None)
    return half * jnp.sum(_GL_WEIGHTS * rate(t), axis=-1)


def continuity_edges_yr(age_max_yr: float) -> np.ndarray:
    """The Leja et al. (2019)-style lookback bin edges [yr], the last bin ending at ``age_max_yr``."""
    inner = [e for e in CONTINUITY_EDGES_YR if e < 0.8 * age_max_yr]
    return np.array(inner + [age_max_yr])


def continuity_sfr(log_sfr_ratios):
    """Relative SFR per continuity bin: ψ_0 = 1, log10 ψ_{i+1} = log10 ψ_i + r_i."""
    return 10.0 ** jnp.concatenate([jnp.zeros(jnp.shape(log_sfr_ratios)[:-1] + (1,)),
                                    jnp.cumsum(log_sfr_ratios, axis=-1)], axis=-1)


def mass_per_bin(kind: str, params: dict, edges_yr, continuity_edges=None):
    """Mass formed in each age bin, unnormalised (JAX; one galaxy).

    Args:
        kind: one of :data:`KINDS`.
        params: the SFH's parameters (:data:`PARAMETERS`), times in Gyr.
        edges_yr: lookback-age bin edges [yr], increasing from 0, shape (n_bins + 1,).
        continuity_edges: lookback edges [yr] of the continuity SFH's bins
            (:func:`continuity_edges_yr`); needed for ``continuity`` only.

    Returns:
        shape (n_bins,), ≥ 0, in M☉ per unit ψ (the normalisation is arbitrary).
    """
    edges = jnp.asarray(edges_yr)
    if kind == "continuity":
        cont = np.asarray(continuity_edges, float)
        lo = np.maximum(np.asarray(edges_yr)[:-1, None], cont[None, :-1])
        hi = np.minimum(np.asarray(edges_yr)[1:, None], cont[None, 1:])
        overlap = np.clip(hi - lo, 0.0, None)  # (n_bins, n_continuity) [yr]
        return jnp.asarray(overlap) @ continuity_sfr(params["log_sfr_ratios"])
    age = params["age_gyr"]
    if kind == "constant":
        lo, hi, _ = _clipped(edges, age)
        return hi - lo
    if kind == "delayed-tau":
        tau = 1e9 * params["tau_gyr"]
        return _from_cumulative(lambda t: tau**2 * -jnp.expm1(-t / tau) - tau * t * jnp.exp(-t / tau), edges, age)
    if kind == "lognormal":
        ln_t0, sigma = jnp.log(1e9 * params["t0_gyr"]), params["sigma"]
        return _from_cumulative(lambda t: ndtr((jnp.log(jnp.clip(t, 1.0, None)) - ln_t0) / sigma), edges, age)
    if kind == "double-power-law":
        tau, alpha, beta = 1e9 * params["tau_gyr"], params["alpha"], params["beta"]
        return _quadrature(lambda t: 1.0 / ((t / tau) ** alpha + (t / tau) ** -beta), edges, age)
    raise ValueError(f"sfh must be one of {KINDS}, got {kind!r}")
