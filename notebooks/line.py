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
# # Straight lines with NumPyro and astrozoo
#
# The first steps of the NumPyro introduction for astronomers: a linear fit in
# the angle / perpendicular-offset parametrisation, then a mixture model that
# lets outliers speak for themselves (Hogg, Bovy & Lang 2010, §3 and §7).
# Every fit below is one call to a shared driver returning `arviz.InferenceData`.
#
# Set `ASTROZOO_NOTEBOOK_QUICK=1` for a fast run with fewer draws.

# %%
import os

import arviz as az
import corner
import matplotlib.pyplot as plt
import numpy as np

import astrozoo  # noqa: F401  (float64, compilation cache, one CPU device per core)
from astrozoo.data.line.synthetic import outlier_data
from astrozoo.inference import nuts, posterior_predictive, prior_predictive
from astrozoo.models.line import line_angle, line_outliers

QUICK = os.environ.get("ASTROZOO_NOTEBOOK_QUICK") == "1"
SETTINGS = {"chains": 2, "warmup": 300 if QUICK else 2000, "draws": 300 if QUICK else 2000}

# %% [markdown]
# ## The data
#
# Fifteen points from the line y = x (seed 12, σ = 0.2), of which about one in
# five is replaced by a draw from a broad background N(0, 1 + σ²).

# %%
data, truth = outlier_data()
x, sigma_y, y = data["x"], data["sigma_y"], data["y"]
fig, ax = plt.subplots()
ax.errorbar(x, y, sigma_y, fmt=".k", capsize=0)
ax.plot(x[~truth["inlier"]], y[~truth["inlier"]], "o", mfc="none", color="C3", label="outlier (truth)")
ax.plot([-2, 2], [-2, 2], "--", color="C0", label="true line")
ax.set(xlabel="x", ylabel="y")
ax.legend()

# %% [markdown]
# ## A plain linear fit
#
# θ ~ U(−π/2, π/2) and b⊥ ~ N(0, 3²): uniform in angle, so steep lines are not
# disfavoured. The slope m = tan θ and intercept b = b⊥ / cos θ are recorded as
# deterministic sites.

# %%
prior = prior_predictive(line_angle, x, sigma_y, offset_scale=3.0, draws=200)
fig, ax = plt.subplots()
for replica in prior.prior_predictive["y"].values[0, :20]:
    ax.plot(x, replica, ".-", alpha=0.3)
ax.set(xlabel="x", ylabel="y (prior predictive)", ylim=(-15, 15))

# %%
linear = nuts(line_angle, x, sigma_y, y=y, offset_scale=3.0, **SETTINGS)
az.summary(linear, var_names=["m", "b", "theta", "b_perp"])

# %% [markdown]
# The outliers drag the line: the slope is biased low and its uncertainty is
# far too small for data this messy.

# %%
posterior_predictive(linear, line_angle, x, sigma_y, offset_scale=3.0)
az.plot_ppc(linear, num_pp_samples=100)

# %% [markdown]
# ## The outlier mixture
#
# Each point is either on the line, or, with probability q, from a background
# N(μ_out, σ_out² + σ_y²). The labels are summed out; `p_outlier` records each
# point's posterior probability of being an outlier.

# %%
priors = {"slope_scale": 3.0, "intercept_scale": 3.0, "outlier_mean_scale": 3.0, "outlier_width_scale": 3.0}
mixture = nuts(line_outliers, x, sigma_y, y=y, **priors, **SETTINGS, target_accept=0.9)
az.summary(mixture, var_names=["m", "b", "q", "mu_out", "sigma_out"])

# %%
corner.corner(mixture, var_names=["m", "b", "q"], truths=[1.0, 0.0, 0.2], show_titles=True)

# %%
p_outlier = mixture.posterior["p_outlier"].mean(("chain", "draw")).values
grid = np.linspace(-2.2, 2.2, 50)
m_draws = mixture.posterior["m"].values.ravel()[:200]
b_draws = mixture.posterior["b"].values.ravel()[:200]
fig, ax = plt.subplots()
ax.plot(grid, (m_draws[:, None] * grid + b_draws[:, None]).T, color="C0", alpha=0.03)
points = ax.scatter(x, y, c=p_outlier, cmap="coolwarm", vmin=0, vmax=1, zorder=3)
ax.errorbar(x, y, sigma_y, fmt="none", ecolor="k", zorder=2)
fig.colorbar(points, label="posterior outlier probability")
ax.set(xlabel="x", ylabel="y")

# %% [markdown]
# ## Predictive checks of the mixture

# %%
prior_predictive(line_outliers, x, sigma_y, **priors, draws=200, idata=mixture)
posterior_predictive(mixture, line_outliers, x, sigma_y, **priors)
fig, axes = plt.subplots(1, 2, figsize=(10, 4))
az.plot_ppc(mixture, group="prior", num_pp_samples=100, ax=axes[0])
az.plot_ppc(mixture, group="posterior", num_pp_samples=100, ax=axes[1])

# %%
assert abs(mixture.posterior["m"].mean() - truth["m"]) < 3 * mixture.posterior["m"].std()
