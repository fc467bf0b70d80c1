"""Simple stellar populations: the grid, its age bins and metallicity interpolation.

An SSP spectrum L_ν(λ; t, Z) [L☉ Hz⁻¹ per M☉ formed] is the light of a
population of age t and metallicity Z that formed 1 M☉ in an instant. A
galaxy's spectrum is the sum over ages of SSPs weighted by the mass formed at
each age (Tinsley 1980; Conroy 2013, ARA&A 51, 393, eq. 1):

    L_ν(λ) = Σ_b M_b L̄_ν,b(λ; Z),

with M_b the mass formed in age bin b and L̄_ν,b the SSP averaged over that
bin at constant star-formation rate. Averaging over bins (rather than taking
one SSP per bin) keeps the sum exact for any SFH that is constant within a bin.
"""

from dataclasses import dataclass

import jax.numpy as jnp
import numpy as np

from astrozoo.models.sed import ssp_library as ssp_grid

# Bin edges in log10(age / yr): [0, 10^5.1, 10^5.2, ..., 10^10.2] yr. Ages below
# 10 Myr (the Charlot & Fall birth-cloud lifetime) fall in whole bins.
LOG_AGE_EDGES_YR = np.round(np.arange(5.1, 10.2 + 1e-9, 0.1), 1)
BIRTH_CLOUD_AGE_YR = 1e7


@dataclass(frozen=True, eq=False)
class SSPGrid:
    """An SSP grid in the DSPS layout (numpy, float64).

    Attributes:
        lgmet: log10 Z, shape (n_met,).
        lg_age_gyr: log10 age [Gyr], shape (n_age,).
        wave_aa: rest wavelength [Å], shape (n_wave,).
        flux: L_ν [L☉ Hz⁻¹ per M☉ formed], shape (n_met, n_age, n_wave).
        surviving_frac: mass in stars and remnants per M☉ formed, shape (n_met, n_age).
    """

    lgmet: np.ndarray
    lg_age_gyr: np.ndarray
    wave_aa: np.ndarray
    flux: np.ndarray
    surviving_frac: np.ndarray


def load_ssp(path=None, build_missing: bool = False) -> SSPGrid:
    """The BC03 + MILES grid of :mod:`astrozoo.models.sed.ssp_library` (built there if asked)."""
    arrays = ssp_grid.load(path, build_missing=build_missing)
    return SSPGrid(
        arrays["ssp_lgmet"], arrays["ssp_lg_age_gyr"], arrays["ssp_wave"], arrays["ssp_flux"],
        arrays["ssp_surviving_frac"],
    )


def resample(grid: SSPGrid, wave_aa) -> SSPGrid:
    """The grid on new wavelengths, L_ν averaged in ln λ over each new bin."""
    flux = ssp_grid.log_bin_average(grid.wave_aa, grid.flux, wave_aa)
    return SSPGrid(grid.lgmet, grid.lg_age_gyr, np.asarray(wave_aa, float), flux, grid.surviving_frac)


def age_edges_yr(log_edges=LOG_AGE_EDGES_YR) -> np.ndarray:
    """Bin edges in age [yr]: 0 followed by 10^log_edges."""
    return np.concatenate([[0.0], 10.0 ** np.asarray(log_edges)])


def bin_in_age(grid: SSPGrid, edges_yr) -> tuple[np.ndarray, np.ndarray]:
    """SSP spectra and surviving fractions averaged over age bins at constant SFR.

    The native ages t_j stand for the intervals between the midpoints of
    neighbouring ages; the value in bin [a, b] is Σ_j |[a, b] ∩ I_j| X_j / (b − a).

    Returns:
        (flux, surviving): shapes (n_met, n_bins, n_wave) and (n_met, n_bins).
    """
    ages = 1e9 * 10.0 ** grid.lg_age_gyr
    native = np.concatenate([[0.0], 0.5 * (ages[1:] + ages[:-1]), [ages[-1]]])
    edges = np.asarray(edges_yr, float)
    if edges[-1] > native[-1]:
        raise ValueError(f"age bins reach {edges[-1]:.3g} yr, beyond the grid's {native[-1]:.3g} yr")
    lo = np.maximum(edges[:-1, None], native[None, :-1])
    hi = np.minimum(edges[1:, None], native[None, 1:])
    overlap = np.clip(hi - lo, 0.0, None) / np.diff(edges)[:, None]  # (n_bins, n_age)
    flux = np.einsum("ba,maw->mbw", overlap, grid.flux)
    return flux, grid.surviving_frac @ overlap.T


def metallicity_weights(lgmet_grid, lgmet):
    """Linear-interpolation weights in log Z over the grid's metallicities, shape (n_met,) (JAX).

    Z lies between grid metallicities i and i + 1, at fraction f of the way in log Z:
    weight 1 − f on i and f on i + 1, zero elsewhere. Values outside the grid are clamped.
    """
    lgmet_grid = jnp.asarray(lgmet_grid)
    x = jnp.clip(lgmet, lgmet_grid[0], lgmet_grid[-1])
    i = jnp.clip(jnp.searchsorted(lgmet_grid, x, side="right") - 1, 0, lgmet_grid.size - 2)
    f = (x - lgmet_grid[i]) / (lgmet_grid[i + 1] - lgmet_grid[i])
    index = jnp.arange(lgmet_grid.size)
    return jnp.where(index == i, 1.0 - f, 0.0) + jnp.where(index == i + 1, f, 0.0)
