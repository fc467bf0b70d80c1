"""Synthetic straight-line data sets with known truths.

Each generator returns ``(data, truth)``: ``data`` holds the model's keyword
arguments (observations included) and ``truth`` the parameter values used.
"""

import numpy as np

from astrozoo.validate import check_count, check_scalars


def line_data(n=30, m=1.5, b=-0.5, sigma=0.3, scatter=0.0, seed=0):
    """Points on y = m x + b with x ~ U(-2, 2), known σ > 0 and optional intrinsic scatter >= 0."""
    check_count("n", n)
    check_count("seed", seed, minimum=0)
    check_scalars(m=(m, ""), b=(b, ""), sigma=(sigma, "> 0"), scatter=(scatter, ">= 0"))
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-2, 2, n))
    sigma_y = np.full(n, sigma)
    y = m * x + b + np.hypot(sigma, scatter) * rng.normal(size=n)
    truth = {"m": m, "b": b} | ({"scatter": scatter} if scatter else {})
    return {"x": x, "sigma_y": sigma_y, "y": y}, truth


def line_2d_data(n=40, m=0.8, b=0.3, seed=0):
    """Points whose true positions lie on the line, observed with correlated 2-D noise."""
    check_count("n", n)
    check_count("seed", seed, minimum=0)
    check_scalars(m=(m, ""), b=(b, ""))
    rng = np.random.default_rng(seed)
    x_true = rng.uniform(-2, 2, n)
    sigma_x = rng.uniform(0.05, 0.2, n)
    sigma_y = rng.uniform(0.05, 0.2, n)
    rho_xy = rng.uniform(-0.8, 0.8, n)
    cov = np.stack(
        [
            np.stack([sigma_x**2, rho_xy * sigma_x * sigma_y], -1),
            np.stack([rho_xy * sigma_x * sigma_y, sigma_y**2], -1),
        ],
        -2,
    )
    noise = np.einsum("nij,nj->ni", np.linalg.cholesky(cov), rng.normal(size=(n, 2)))
    data = {
        "x": x_true + noise[:, 0],
        "sigma_x": sigma_x,
        "sigma_y": sigma_y,
        "rho_xy": rho_xy,
        "y": m * x_true + b + noise[:, 1],
    }
    return data, {"m": m, "b": b}


def outlier_data(n=15, m=1.0, b=0.0, sigma=0.2, inlier_fraction=0.8, seed=12):
    """The outlier set of the NumPyro introduction for astronomers.

    x ~ U(-2, 2); inliers y = m x + b + N(0, σ²); outliers y ~ N(0, 1 + σ²).
    The defaults give its 15 points (seed 12, m = 1, b = 0, σ = 0.2, 80 % inliers).
    """
    check_count("n", n)
    check_count("seed", seed, minimum=0)
    check_scalars(m=(m, ""), b=(b, ""), sigma=(sigma, "> 0"), inlier_fraction=(inlier_fraction, "in [0, 1]"))
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-2, 2, n))
    sigma_y = np.full(n, sigma)
    inlier = rng.uniform(size=n) < inlier_fraction
    y = np.where(
        inlier,
        m * x + b + sigma * rng.normal(size=n),
        np.sqrt(1 + sigma**2) * rng.normal(size=n),
    )
    truth = {"m": m, "b": b, "q": 1.0 - inlier_fraction, "mu_out": 0.0, "sigma_out": 1.0}
    return {"x": x, "sigma_y": sigma_y, "y": y}, truth | {"inlier": inlier}
