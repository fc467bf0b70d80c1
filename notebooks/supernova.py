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
# # Cosmology from Type Ia supernovae
#
# The classic fit: the matter and dark-energy densities from the SN Ia Hubble
# diagram. The distance modulus is a pure JAX function (`jit`, `vmap` and `grad`
# all apply); NumPyro adds priors and a Gaussian likelihood in which the
# absolute-magnitude / H0 offset is marginalised analytically.
#
# Set `ASTROZOO_NOTEBOOK_QUICK=1` for a fast run with fewer draws.

# %%
import os

import arviz as az
import corner
import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np

import astrozoo  # noqa: F401  (float64, compilation cache, one CPU device per core)
from astrozoo.data.supernova import hubble_diagrams as sn1a
from astrozoo.inference import nuts
from astrozoo.models import supernova
from astrozoo.models.cosmology import distance_modulus

QUICK = os.environ.get("ASTROZOO_NOTEBOOK_QUICK") == "1"
SETTINGS = {"chains": 2, "warmup": 300 if QUICK else 1000, "draws": 300 if QUICK else 2000}

# %% [markdown]
# ## The distance modulus, in JAX
#
# μ(z) = 5 log10(D_L / 10 pc) for flat or curved ΛCDM, wCDM and w0waCDM. It is
# vectorised over z; `jax.grad` differentiates it in any parameter, here
# ∂μ/∂Ωm at fixed ΩΛ = 0.7, the sensitivity of each supernova to the matter density.

# %%
z = jnp.geomspace(0.01, 2.0, 200)
dmu_domega_m = jax.vmap(jax.grad(lambda zz, om: distance_modulus(zz, 70.0, om, 0.7), argnums=1), (0, None))(z, 0.3)
fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
for om, ol in ((0.3, 0.7), (1.0, 0.0), (0.3, 0.0)):
    axes[0].plot(z, distance_modulus(z, 70.0, om, ol) - distance_modulus(z, 70.0, 0.3, 0.0), label=f"Ωm={om}, ΩΛ={ol}")
axes[0].set(xscale="log", xlabel="z", ylabel="μ − μ(open, Ωm = 0.3)")
axes[0].legend(fontsize=8)
axes[1].plot(z, dmu_domega_m)
axes[1].set(xscale="log", xlabel="z", ylabel="∂μ/∂Ωm (mag)")

# %% [markdown]
# ## Union2.1
#
# 580 supernovae (Suzuki et al. 2012) with distance moduli computed by the
# authors for h = 0.70. The offset Δ absorbs any other H0 and the absolute
# magnitude; a flat prior on Δ integrates out in closed form.

# %%
union = sn1a.union21()
flat = nuts(supernova.flat_lcdm, union["z"], union["sigma_mu"], mag=union["mu"], **SETTINGS)
az.summary(flat, var_names=["omega_m", "omega_lambda", "offset"])

# %% [markdown]
# The Hubble diagram: the distance moduli against redshift with the flat ΛCDM
# model μ(z) + Δ at the posterior mean of Ωm and Δ, and the residuals below.

# %%
omega_m, offset = (float(flat.posterior[name].mean()) for name in ("omega_m", "offset"))
model_mu = distance_modulus(union["z"], 70.0, omega_m, 1 - omega_m) + offset
zz = np.geomspace(float(union["z"].min()), float(union["z"].max()), 200)
fig, (top, bottom) = plt.subplots(2, 1, figsize=(7, 6), sharex=True, height_ratios=(3, 1))
top.errorbar(union["z"], union["mu"], union["sigma_mu"], fmt=".", ms=3, lw=0.5, color="0.5")
top.plot(zz, distance_modulus(zz, 70.0, omega_m, 1 - omega_m) + offset, "C0", label=f"flat ΛCDM, Ωm = {omega_m:.3f}")
top.set(ylabel="μ [mag]", title="Union2.1")
top.legend()
bottom.errorbar(union["z"], union["mu"] - model_mu, union["sigma_mu"], fmt=".", ms=3, lw=0.5, color="0.5")
bottom.axhline(0.0, color="C0")
bottom.set(xscale="log", xlabel="z", ylabel="residual [mag]")

# %% [markdown]
# ## Curvature free: (Ωm, ΩΛ)

# %%
curved = nuts(supernova.lcdm, union["z"], union["sigma_mu"], mag=union["mu"], dense_mass=True, **SETTINGS)
fig = corner.corner(curved, var_names=["omega_m", "omega_lambda"], labels=["Ωm", "ΩΛ"],
                    levels=(0.68, 0.95), plot_datapoints=False, range=[(0, 0.7), (0.2, 1.2)])
ax = fig.axes[2]
line = np.linspace(0, 0.7, 2)
ax.plot(line, 1 - line, "k--", label="flat")
ax.legend()
az.summary(curved, var_names=["omega_m", "omega_lambda", "omega_k"])

# %% [markdown]
# ## Binned Pantheon with its systematic covariance: w
#
# 40 bins of m_B = μ + M (Scolnic et al. 2018). The covariance diag(dmb²) + C_sys
# is factorised once here, outside the sampler, and its Cholesky factor passed as data.

# %%
pantheon = sn1a.pantheon_binned()
scale_tril = supernova.covariance_cholesky(pantheon["cov"])
wcdm = nuts(supernova.flat_wcdm, pantheon["z"], scale_tril=scale_tril, mag=pantheon["mb"],
            offset_mean=-19.35, dense_mass=True, **SETTINGS)
az.summary(wcdm, var_names=["omega_m", "w", "offset"])

# %%
az.plot_pair(wcdm, var_names=["omega_m", "w"], kind="kde")

# %%
assert abs(float(flat.posterior["omega_m"].mean()) - 0.28) < 0.03
assert abs(float(wcdm.posterior["w"].mean()) + 1.1) < 0.3
