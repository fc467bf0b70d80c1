"""The reference for the start-up benchmark: the outlier-mixture line fit as a NumPyro user writes it.

A standalone script in the style of the NumPyro introduction for astronomers:
its own data (15 points, seed 12), its own model, ``MCMC(NUTS(...))`` with the
settings of astrozoo's ``line-outliers-synthetic`` problem (2 chains x (2,000
warm-up + 2,000 draws), target acceptance 0.95, float64, one CPU device per
chain). It imports nothing from astrozoo. It prints one JSON line: the data
(for the benchmark to check they are astrozoo's points) and the posterior
means of m and b.
"""

import json

import jax.numpy as jnp
import numpy as np
import numpyro
import numpyro.distributions as dist
from jax import random
from numpyro.infer import MCMC, NUTS

numpyro.enable_x64()
numpyro.set_host_device_count(2)


def make_data(n=15, m=1.0, b=0.0, sigma=0.2, inlier_fraction=0.8, seed=12):
    """Inliers on y = m x + b with noise σ, outliers from N(0, 1 + σ²)."""
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-2, 2, n))
    inlier = rng.uniform(size=n) < inlier_fraction
    y = np.where(inlier, m * x + b + sigma * rng.normal(size=n), np.sqrt(1 + sigma**2) * rng.normal(size=n))
    return x, np.full(n, sigma), y


def model(x, sigma_y, y=None):
    """A line plus a broad Gaussian background, the per-point labels summed out."""
    m = numpyro.sample("m", dist.Normal(0.0, 3.0))
    b = numpyro.sample("b", dist.Normal(0.0, 3.0))
    q = numpyro.sample("q", dist.Uniform(0.0, 1.0))
    mu_out = numpyro.sample("mu_out", dist.Normal(0.0, 3.0))
    sigma_out = numpyro.sample("sigma_out", dist.HalfNormal(3.0))
    with numpyro.plate("data", len(x)):
        components = dist.Normal(
            jnp.stack([m * x + b, jnp.broadcast_to(mu_out, x.shape)], -1),
            jnp.stack([sigma_y, jnp.hypot(sigma_out, sigma_y)], -1),
        )
        numpyro.sample("y", dist.MixtureSameFamily(dist.Categorical(probs=jnp.stack([1 - q, q])), components), obs=y)


if __name__ == "__main__":
    x, sigma_y, y = make_data()
    mcmc = MCMC(NUTS(model, target_accept_prob=0.95), num_warmup=2000, num_samples=2000, num_chains=2,
                progress_bar=False)
    mcmc.run(random.PRNGKey(0), x, sigma_y, y=y)
    samples = mcmc.get_samples()
    print(json.dumps({"x": x.tolist(), "y": y.tolist(), "m": float(samples["m"].mean()),
                      "b": float(samples["b"].mean())}))
