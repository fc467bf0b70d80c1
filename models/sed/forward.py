"""The forward model: stellar populations → dust → redshift and IGM → AB maggies per band.

For a galaxy at redshift z with luminosity distance d_L, formed mass M_b in age
bin b, metallicity Z and dust transmission e^{−τ(λ)} (one curve for stars younger
than 10⁷ yr, one for older ones), the observed AB flux in band i is

    maggies_i = (1 + z) / (4π d_L²) Σ_λ W_i(λ; z) Σ_b M_b L̄_ν,b(λ; Z) e^{−τ_b(λ)},

λ the rest wavelength and W_i(λ; z) the weight of sample λ in ∫ R_i(λ(1+z))
T_IGM(λ(1+z); z) L_ν d ln λ / (f_ν,AB ∫ R_i dλ/λ) (:func:`band_weights`;
:mod:`~astrozoo.models.sed.filters`; Hogg et al. 2002, eq. 7 with
f_ν,obs(λ_obs) = (1+z) L_ν(λ_obs/(1+z)) / 4π d_L²).

Speed: :func:`build_photometer` precomputes, once and outside any sampler, the SSP
grid on a log-spaced rest-wavelength grid (Δ ln λ = ``dlnlam``, spectra averaged in
ln λ over each step), averaged over 52 age bins, and the weights W_i(λ; z) on a
grid of redshift nodes (IGM included). A likelihood evaluation is then two small
matrix products: the masses per age bin against the (n_met, n_bins, n_λ) table
(young and old bins apart, metallicities blended after), and (n_band, n_λ) @ (n_λ,)
after the dust, which stays exact on the working grid. Between redshift nodes W is interpolated linearly in z. Both
approximations (the working grid and the z interpolation) are measured in the tests.
"""

import functools
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np

from astrozoo.models.cosmology import luminosity_distance_mpc
from astrozoo.models.sed import dust as dustlib
from astrozoo.models.sed import filters as filterlib
from astrozoo.models.sed import igm, sfh, ssp

L_SUN_ERG_S = 3.826e33  # the value BC03 and Bagpipes use
MPC_CM = 3.0856775814913673e24
DUST_KINDS = ("calzetti", "noll", "charlot-fall")
DUST_PARAMETERS = {"calzetti": ("av",), "noll": ("av", "dust_delta"), "charlot-fall": ("av", "av_bc", "dust_index")}


@dataclass(frozen=True, eq=False)
class Photometer:
    """Tables for fast photometry in a set of bands over a range of redshifts (numpy).

    Attributes:
        bands: the filters.
        wave_aa: rest wavelengths of the working grid [Å], shape (n_λ,).
        ssp_flux: L̄_ν [L☉ Hz⁻¹ per M☉ formed], shape (n_met, n_bins, n_λ).
        surviving_frac: surviving mass per M☉ formed, shape (n_met, n_bins).
        lgmet: log10 Z of the grid, shape (n_met,).
        edges_yr: age-bin edges [yr], shape (n_bins + 1,).
        z_nodes: redshift nodes, shape (n_z,).
        weights: W_i(λ; z) (1+z) L☉ / (4π Mpc²), maggies per L☉ Hz⁻¹ at d_L = 1 Mpc,
            shape (n_z, n_band, n_λ).
        n_young: number of age bins younger than the birth-cloud age (10⁷ yr).
    """

    bands: tuple
    wave_aa: np.ndarray
    ssp_flux: np.ndarray
    surviving_frac: np.ndarray
    lgmet: np.ndarray
    edges_yr: np.ndarray
    z_nodes: np.ndarray
    weights: np.ndarray
    n_young: int

    @property
    def band_names(self) -> tuple[str, ...]:
        return tuple(b.name for b in self.bands)

    @property
    def z_range(self) -> tuple[float, float]:
        return float(self.z_nodes[0]), float(self.z_nodes[-1])


def band_weights(bands, wave_aa, z_nodes, supersample: int = 20) -> np.ndarray:
    """W_i(λ; z) (1+z) L☉ / (4π Mpc²) for a spectrum given at rest wavelengths ``wave_aa``.

    The spectrum is taken as piecewise linear in ln λ between its samples, so
    W_i(λ_k) = ∫ R_i T_IGM h_k d ln λ / (f_ν,AB ∫ R_i dλ/λ), with h_k the hat
    function of sample k; the integral is done with the trapezoid rule on a
    grid ``supersample`` times finer than ``wave_aa``, merged with the band's
    own samples. Shape (n_z, n_band, n_λ).
    """
    wave = np.asarray(wave_aa, float)
    ln_wave = np.log(wave)
    fine = np.interp(np.arange((wave.size - 1) * supersample + 1) / supersample, np.arange(wave.size), ln_wave)
    out = np.zeros((len(z_nodes), len(bands), wave.size))
    for k, z in enumerate(np.atleast_1d(z_nodes)):
        with jax.ensure_compile_time_eval():  # concrete even when first built inside a traced model
            igm_fine = np.asarray(igm.madau_transmission(np.exp(fine) * (1.0 + z), z))
        for i, band in enumerate(bands):
            ln_rest = np.union1d(fine, np.log(band.wave_aa / (1.0 + z)))
            ln_rest = ln_rest[(ln_rest >= ln_wave[0]) & (ln_rest <= ln_wave[-1])]
            observed = np.exp(ln_rest) * (1.0 + z)
            integrand = np.interp(observed, band.wave_aa, band.transmission, left=0.0, right=0.0)
            integrand = integrand * np.interp(ln_rest, fine, igm_fine)
            step = np.diff(ln_rest)
            quad = integrand * (np.concatenate([step, [0.0]]) + np.concatenate([[0.0], step])) / 2
            j = np.clip(np.searchsorted(ln_wave, ln_rest, side="right") - 1, 0, wave.size - 2)
            f = (ln_rest - ln_wave[j]) / (ln_wave[j + 1] - ln_wave[j])
            hats = np.bincount(j, (1.0 - f) * quad, wave.size) + np.bincount(j + 1, f * quad, wave.size)
            out[k, i] = hats / filterlib.ab_normalisation(band)
        out[k] *= (1.0 + z) * L_SUN_ERG_S / (4.0 * np.pi * MPC_CM**2)
    return out


def build_photometer(filters, z_nodes, grid: ssp.SSPGrid | None = None, dlnlam: float = 0.01) -> Photometer:
    """Precompute the tables for ``filters`` at the redshifts ``z_nodes`` (> 0, increasing).

    The rest-wavelength grid spans what the bands see over the redshift range.
    """
    bands = filterlib.resolve(filters)
    z_nodes = np.atleast_1d(np.asarray(z_nodes, float))
    if np.any(z_nodes <= 0) or np.any(np.diff(z_nodes) <= 0):
        raise ValueError("z_nodes must be positive and increasing")
    grid = grid if grid is not None else ssp.load_ssp(build_missing=True)
    blue = min(b.wave_aa[b.transmission > 0][0] for b in bands) / (1.0 + z_nodes[-1])
    red = max(b.wave_aa[b.transmission > 0][-1] for b in bands) / (1.0 + z_nodes[0])
    n = int(np.ceil(np.log(red / blue) / dlnlam)) + 3
    wave = np.exp(np.log(blue) - dlnlam + dlnlam * np.arange(n))
    edges = ssp.age_edges_yr()
    flux, surviving = ssp.bin_in_age(ssp.resample(grid, wave), edges)
    return Photometer(
        bands=bands,
        wave_aa=wave,
        ssp_flux=flux,
        surviving_frac=surviving,
        lgmet=grid.lgmet,
        edges_yr=edges,
        z_nodes=z_nodes,
        weights=band_weights(bands, wave, z_nodes),
        n_young=int(np.sum(edges[1:] <= ssp.BIRTH_CLOUD_AGE_YR)),
    )


def check_redshift(phot: Photometer, z) -> None:
    """ValueError unless every z lies within the photometer's redshift nodes."""
    z = np.asarray(z, float)
    lo, hi = phot.z_range
    if not np.all(np.isfinite(z)) or np.any(z < lo - 1e-12) or np.any(z > hi + 1e-12):
        raise ValueError(f"redshift must lie within the grid [{lo:g}, {hi:g}], got {z.min() if z.size else z}–{z.max() if z.size else z}")


def weights_at(phot: Photometer, z):
    """W(z), linearly interpolated between redshift nodes, shape (n_band, n_λ) (JAX)."""
    weights = jnp.asarray(phot.weights)
    if phot.z_nodes.size == 1:
        return weights[0]
    nodes = jnp.asarray(phot.z_nodes)
    k = jnp.clip(jnp.searchsorted(nodes, z, side="right") - 1, 0, nodes.size - 2)
    f = (z - nodes[k]) / (nodes[k + 1] - nodes[k])
    return (1.0 - f) * weights[k] + f * weights[k + 1]


def dust_curves(phot: Photometer, kind: str, params: dict, bump: bool = False):
    """(A_λ old, A_λ young) [mag] on the working grid for dust model ``kind``."""
    wave = phot.wave_aa
    if kind == "calzetti":
        a = dustlib.calzetti_av(wave, params["av"])
        if bump:
            a = a + params["av"] / dustlib.R_V_CALZETTI * dustlib.drude_bump(wave, 0.85)
        return a, a
    if kind == "noll":
        a = dustlib.noll_av(wave, params["av"], params["dust_delta"], bump=bump)
        return a, a
    if kind == "charlot-fall":
        old, young = dustlib.charlot_fall_av(wave, params["av"], params["av_bc"], params["dust_index"])
        if bump:
            extra = params["av"] / dustlib.R_V_CALZETTI * dustlib.drude_bump(wave, 0.85)
            old, young = old + extra, young + extra
        return old, young
    raise ValueError(f"dust must be one of {DUST_KINDS}, got {kind!r}")


def rest_spectrum(phot: Photometer, log_mass, lgmet, sfh_kind, sfh_params, dust_kind, dust_params, bump=False,
                  age_max_gyr: float | None = None):
    """Attenuated rest-frame L_ν [L☉ Hz⁻¹] on the working grid, and derived quantities (JAX).

    Args:
        log_mass: log10 of the total mass formed [M☉].
        lgmet: log10 Z (absolute), interpolated linearly in the grid's log Z.
        sfh_kind, sfh_params: see :mod:`~astrozoo.models.sed.sfh`.
        dust_kind, dust_params: one of :data:`DUST_KINDS` and its :data:`DUST_PARAMETERS`.
        bump: add the 2175 Å bump (Noll et al. 2009).
        age_max_gyr: where the oldest continuity-SFH bin ends (default: the oldest age bin).

    Returns:
        (L_ν, derived), derived holding ``log_stellar_mass`` (surviving, log10 M☉),
        ``sfr`` (mean over the last 100 Myr, M☉ yr⁻¹) and ``mass_per_bin`` (M☉ formed).
    """
    age_max = phot.edges_yr[-1] if age_max_gyr is None else 1e9 * age_max_gyr
    masses = sfh.mass_per_bin(sfh_kind, sfh_params, phot.edges_yr, sfh.continuity_edges_yr(age_max))
    masses = 10.0**log_mass * masses / jnp.sum(masses)
    # Contract ages first for every metallicity, then blend: no per-galaxy copy of the
    # table is made, which keeps memory flat when many galaxies or draws are vmapped.
    met = ssp.metallicity_weights(phot.lgmet, lgmet)
    table = jnp.asarray(phot.ssp_flux)
    n_young = phot.n_young
    young = met @ jnp.einsum("b,mbw->mw", masses[:n_young], table[:, :n_young])
    old = met @ jnp.einsum("b,mbw->mw", masses[n_young:], table[:, n_young:])
    a_old, a_young = dust_curves(phot, dust_kind, dust_params, bump)
    if dust_kind == "charlot-fall":
        l_nu = young * dustlib.transmission(a_young) + old * dustlib.transmission(a_old)
    else:  # one curve for all ages
        l_nu = (young + old) * dustlib.transmission(a_old)
    surviving = met @ jnp.asarray(phot.surviving_frac) @ masses
    recent = jnp.asarray(phot.edges_yr[1:] <= 1e8)
    derived = {
        "log_stellar_mass": jnp.log10(surviving),
        "sfr": jnp.sum(jnp.where(recent, masses, 0.0)) / 1e8,
        "mass_per_bin": masses,
    }
    return l_nu, derived


def photometry(phot: Photometer, z, log_mass, lgmet, sfh_kind, sfh_params, dust_kind, dust_params, bump=False,
               age_max_gyr: float | None = None, cosmology: dict | None = None):
    """AB maggies in each band of ``phot`` for one galaxy at redshift z (JAX; vmap for many).

    Args as :func:`rest_spectrum`, plus ``z`` (within the photometer's nodes) and
    ``cosmology``, keyword arguments of
    :func:`astrozoo.models.cosmology.luminosity_distance_mpc` (default flat ΛCDM, H0 = 70, Ωm = 0.3).

    Returns:
        (maggies, derived): maggies shape (n_band,); derived as :func:`rest_spectrum`.
    """
    l_nu, derived = rest_spectrum(phot, log_mass, lgmet, sfh_kind, sfh_params, dust_kind, dust_params, bump,
                                  age_max_gyr)
    d_l = luminosity_distance_mpc(z, **(cosmology or {}))
    return weights_at(phot, z) @ l_nu / d_l**2, derived


def ab_mag(maggies):
    """m_AB = −2.5 log10(maggies)."""
    return -2.5 * jnp.log10(maggies)


@functools.lru_cache(maxsize=8)
def cached_photometer(filters: tuple, z_nodes: tuple, dlnlam: float = 0.01) -> Photometer:
    """:func:`build_photometer` on the default grid, kept per (filters, z nodes, dlnlam)."""
    return build_photometer(filters, np.asarray(z_nodes), dlnlam=dlnlam)


def z_nodes_for(redshift=None, z_range=(0.005, 1.0), dz=0.005) -> tuple:
    """Redshift nodes: the single ``redshift`` when it is fixed, else a grid of step dz over ``z_range``."""
    if redshift is not None:
        return (float(redshift),)
    lo, hi = z_range
    if not 0 < lo < hi:
        raise ValueError(f"z_range must satisfy 0 < low < high, got {z_range}")
    return tuple(np.round(np.arange(lo, hi + 0.5 * dz, dz), 10))


