# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # The distance to M67 from Gaia DR3 parallaxes
#
# The sequence of the NumPyro introduction for astronomers: a distance prior, one
# star's distance, then the open cluster M67 as a mixture of cluster members and
# field stars, fitted to every star in a 0.5° cone at once. Each star's distance is
# integrated out numerically (`astrozoo.models.gaia.cluster_marginal`), so the
# sampler only sees the four hyperparameters.
#
# Set `ASTROZOO_NOTEBOOK_QUICK=1` for a fast run on a random subset of stars.

# %%
import os

import arviz as az
import corner
import matplotlib.pyplot as plt
import numpy as np
from scipy import stats

import astrozoo  # noqa: F401  (float64, compilation cache, one CPU device per core)
from astrozoo.data.gaia import m67 as gaia_m67
from astrozoo.inference import nuts, posterior_predictive, prior_predictive
from astrozoo.inference.starts import laplace_start
from astrozoo.models import gaia

QUICK = os.environ.get("ASTROZOO_NOTEBOOK_QUICK") == "1"
SETTINGS = {"chains": 2, "warmup": 150, "draws": 200 if QUICK else 800}

# %% [markdown]
# ## The data
#
# Gaia DR3 stars with 0.2 < ϖ < 3 mas and finite photometry, and the Lindegren et
# al. (2021) zero-point of each (a few tens of µas, mostly negative).

# %%
stars = gaia_m67.load()
if QUICK:
    keep = np.sort(np.random.default_rng(0).choice(len(stars["plx_mas"]), 400, replace=False))
    stars = {k: v[keep] for k, v in stars.items()}
plx, plx_err, zero_point = stars["plx_mas"], stars["plx_err_mas"], stars["zero_point_mas"]
print(f"{len(plx)} stars; median zero-point {np.median(zero_point) * 1000:.1f} µas; "
      f"{stars['zpt_clipped'].sum()} outside the zero-point's calibrated range (clipped to it)")
fig, ax = plt.subplots()
ax.hist(plx, 80, histtype="step", color="k")
ax.set(xlabel="parallax [mas]", ylabel="stars")

# %% [markdown]
# ## 1. The distance prior
#
# An exponentially decreasing space density (Bailer-Jones 2015):
# p(r | L) = r² e^(−r/L) / (2L³), a Gamma(3, 1/L) with its mode at 2L.

# %%
r = np.linspace(1, 6000, 600)
fig, ax = plt.subplots()
for L in (250, 500, 1000, 1350):
    ax.plot(r, stats.gamma.pdf(r, 3, scale=L), label=f"L = {L} pc")
ax.set(xlabel="distance r [pc]", ylabel="prior density [1/pc]")
ax.legend()

# %% [markdown]
# ## 2. One star
#
# The brightest star: r ~ Gamma(3, 1/1350 pc), ϖ ~ N(1000/r + zero-point, σ_ϖ²).
# The sampled posterior against the same density on a grid. (A uniform start in
# the unconstrained space puts the star at a few pc, thousands of σ from its
# parallax: give the sampler a few hundred warm-up steps to get there.)

# %%
i = int(np.argmin(stars["phot_g_mean_mag"]))
one = nuts(gaia.single_star, plx_err[i : i + 1], plx_mas=plx[i : i + 1], zero_point_mas=zero_point[i : i + 1],
           L_pc=1350.0, chains=2, warmup=500, draws=1000)
grid = np.linspace(200, 2000, 2000)
density = stats.gamma.pdf(grid, 3, scale=1350.0) * stats.norm.pdf(plx[i], 1000 / grid + zero_point[i], plx_err[i])
density /= np.trapezoid(density, grid)
fig, ax = plt.subplots()
ax.hist(one.posterior["r"].values.ravel(), 60, density=True, histtype="step", label="NUTS")
ax.plot(grid, density, "k--", label="grid")
ax.set(xlabel="distance r [pc]", xlim=np.percentile(one.posterior["r"].values, [0.1, 99.9]))
ax.legend()

# %% [markdown]
# ## 3. The cluster
#
# Each star is a member with probability Q, at r ~ N(D, σ²), or a field star with
# the exponentially decreasing prior of length scale L. Its distance is integrated
# out by an adaptive Gauss–Hermite quadrature (nodes placed where each star's
# integrand has its mass), so the posterior of (D, σ, L, Q) is sampled directly.
#
# With 4,263 stars that posterior is close to Gaussian. Newton steps find its mode,
# and the Hessian there gives both the chains' starting points (drawn from the
# Laplace approximation, twice as wide) and NUTS's dense mass matrix, which is
# kept: the warm-up only tunes the step size.

# %%
data = {"plx_err_mas": plx_err, "zero_point_mas": zero_point}
init, inverse_mass_matrix = laplace_start(gaia.cluster_marginal, **data, plx_mas=plx, chains=SETTINGS["chains"])
fit = nuts(gaia.cluster_marginal, **data, plx_mas=plx, **SETTINGS, init_params=init,
           inverse_mass_matrix=inverse_mass_matrix, dense_mass=True, adapt_mass_matrix=False)

# %% [markdown]
# ## 4. Corner plot and summary

# %%
hyper = ["D", "sigma", "L", "Q"]
corner.corner(fit, var_names=hyper, labels=["D [pc]", "σ [pc]", "L [pc]", "Q"])
az.summary(fit, var_names=hyper)

# %% [markdown]
# ## 5. Posterior and prior predictive checks
#
# The parallax histogram of the data against 100 replicated data sets drawn from
# the posterior, and the same for data sets drawn from the prior.

# %%
posterior_predictive(fit, gaia.cluster_marginal, **data)
prior = prior_predictive(gaia.cluster_marginal, **data, draws=100)
bins = np.linspace(0.2, 3.0, 57)
fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharex=True)
for ax, (label, replicas) in zip(axes, [
    ("posterior predictive", fit.posterior_predictive["plx_mas"].values.reshape(-1, len(plx))),
    ("prior predictive", prior.prior_predictive["plx_mas"].values.reshape(-1, len(plx))),
]):
    for rep in replicas[np.random.default_rng(0).choice(len(replicas), 100, replace=False)]:
        ax.hist(rep, bins, histtype="step", color="C0", alpha=0.1)
    ax.hist(plx, bins, histtype="step", color="k", lw=2, label="data")
    ax.set(xlabel="parallax [mas]", title=f"data and 100 {label} sets")
axes[0].legend()

# %% [markdown]
# ## 6. The colour–magnitude diagram
#
# Each star's membership probability and distance follow from their conditional
# posteriors given the hyperparameters, averaged over posterior draws. Absolute G
# uses each star's posterior mean distance; the members trace the cluster's main
# sequence, turn-off and giant branch.

# %%
recovered = gaia.star_distances(fit.posterior, plx, plx_err, zero_point)
abs_g = stars["phot_g_mean_mag"] - 5 * np.log10(recovered["r_mean_pc"] / 10)
order = np.argsort(recovered["p_member"])
fig, ax = plt.subplots(figsize=(5, 6))
points = ax.scatter(stars["bp_rp"][order], abs_g[order], c=recovered["p_member"][order], s=4, vmin=0, vmax=1)
fig.colorbar(points, label="membership probability")
ax.invert_yaxis()
ax.set(xlabel="BP − RP [mag]", ylabel="absolute G [mag]")
print(f"{(recovered['p_member'] > 0.5).sum()} stars with membership probability > 0.5")
