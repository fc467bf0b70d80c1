"""Synthetic clusters seen against the field, with known D, σ, L and Q.

``cluster_data`` returns ``(data, truth)``: ``data`` holds the keyword arguments
of :func:`astrozoo.models.gaia.cluster` and ``cluster_marginal`` (observations
included) and ``truth`` the values used, with each star's distance and
membership. Distances in pc, parallaxes in mas.
"""

import numpy as np

from astrozoo.validate import check_count, check_interval, check_scalar, check_scalars


def cluster_data(n=200, D_pc=850.0, sigma_pc=5.0, L_pc=800.0, Q=0.4, err_range_mas=(0.02, 0.3), seed=0):
    """Stars drawn from the cluster/field mixture and observed with Gaussian parallax errors.

    Each star is a member with probability Q, at r ~ N(D, σ²) (r > 0), or in the
    field at r ~ Gamma(3, rate 1/L); its error σ_ϖ ~ U(err_range_mas) and
    ϖ = 1000 / r + N(0, σ_ϖ²). No zero-point and no selection cut.
    """
    check_count("n", n)
    check_count("seed", seed, minimum=0)
    check_scalars(D_pc=(D_pc, "> 0"), sigma_pc=(sigma_pc, "> 0"), L_pc=(L_pc, "> 0"), Q=(Q, "in [0, 1]"))
    check_interval("err_range_mas", err_range_mas)
    check_scalar("err_range_mas[0]", err_range_mas[0], "> 0")
    if not D_pc > 5 * sigma_pc:
        raise ValueError(f"need D_pc > 5 sigma_pc > 0, got D_pc={D_pc}, sigma_pc={sigma_pc}")
    rng = np.random.default_rng(seed)
    member = rng.uniform(size=n) < Q
    r = np.where(member, D_pc + sigma_pc * rng.normal(size=n), rng.gamma(3.0, L_pc, size=n))
    plx_err = rng.uniform(*err_range_mas, size=n)
    plx = 1000.0 / r + plx_err * rng.normal(size=n)
    truth = {"D": D_pc, "sigma": sigma_pc, "L": L_pc, "Q": Q, "r_pc": r, "member": member}
    return {"plx_err_mas": plx_err, "plx_mas": plx}, truth
