"""Report figures of the supernova cosmology problems: the Hubble diagram and credible regions."""

from astrozoo.figures import save_figure


def _posterior_draws(idata, n=400):
    """Up to n posterior draws of the cosmological parameters and the offset, as 1-D arrays."""
    import numpy as np

    post = idata.posterior.stack(sample=("chain", "draw"))
    pick = np.random.default_rng(0).choice(post.sizes["sample"], min(n, post.sizes["sample"]), replace=False)
    draws = {"omega_m": post["omega_m"].values[pick], "omega_de": post["omega_lambda"].values[pick]}
    for name, argument in (("w", "w0"), ("w0", "w0"), ("wa", "wa")):
        if name in post:
            draws[argument] = post[name].values[pick]
    return draws, post["offset"].values[pick]


def _model_magnitudes(z, draws, offsets):
    """μ(z; θ, H0 = 70) + Δ for each posterior draw, shape (draws, len(z))."""
    import jax
    import numpy as np

    from astrozoo.models.cosmology import distance_modulus
    from astrozoo.models.supernova import REFERENCE_H0

    def one(params):
        return distance_modulus(z, REFERENCE_H0, **params)

    return np.asarray(jax.vmap(one)(draws)) + offsets[:, None]


def hubble_figure(idata, outdir):
    """The Hubble diagram: data, the posterior median model with 68 % and 95 % bands of
    μ(z) + Δ and, below, the residuals with each supernova's 95 % posterior predictive interval."""
    import matplotlib.pyplot as plt
    import numpy as np

    z = idata.constant_data["z"].values
    mag = idata.observed_data["mag"].values
    if "sigma_mag" in idata.constant_data:
        sigma = idata.constant_data["sigma_mag"].values
    else:
        sigma = np.sqrt(np.sum(idata.constant_data["scale_tril"].values ** 2, axis=1))
    grid = np.geomspace(0.8 * z.min(), 1.05 * z.max(), 200)
    draws, offsets = _posterior_draws(idata)
    curves = _model_magnitudes(grid, draws, offsets)
    at_data = np.median(_model_magnitudes(z, draws, offsets), axis=0)
    median = np.median(curves, axis=0)
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(7, 6.5), sharex=True, height_ratios=(3, 1.3))
    for level, alpha in ((95, 0.25), (68, 0.45)):
        lo, hi = np.percentile(curves, [50 - level / 2, 50 + level / 2], axis=0)
        top.fill_between(grid, lo, hi, color="C0", alpha=alpha, lw=0, label=f"model, {level} %")
        bottom.fill_between(grid, lo - median, hi - median, color="C0", alpha=alpha, lw=0)
    if "posterior_predictive" in idata.groups():
        replicas = idata.posterior_predictive["mag"].values.reshape(-1, len(z))
        lo, hi = np.percentile(replicas, [2.5, 97.5], axis=0)
        bottom.vlines(z, lo - at_data, hi - at_data, color="C1", alpha=0.4, lw=2.5,
                      label="posterior predictive, 95 %")
        bottom.legend(loc="lower left", fontsize=8)
    top.plot(grid, median, color="C0", lw=1)
    top.errorbar(z, mag, sigma, fmt=".k", ms=3, elinewidth=0.6, label="data")
    bottom.errorbar(z, mag - at_data, sigma, fmt=".k", ms=3, elinewidth=0.6)
    bottom.axhline(0, color="C0", lw=1)
    top.set(xscale="log", ylabel="mag (μ or m_B)", title="Hubble diagram")
    top.legend(loc="upper left", fontsize=8)
    bottom.set(xlabel="redshift z", ylabel="data − median model")
    path = outdir / "hubble.png"
    save_figure(fig, path)
    return [path]


def _credible_contours(ax, x, y, color="C0"):
    """68 % and 95 % highest-density contours of 2-D samples (histogram based)."""
    import numpy as np
    from scipy.ndimage import gaussian_filter

    counts, xe, ye = np.histogram2d(x, y, bins=60)
    counts = gaussian_filter(counts, 1.2)
    ordered = np.sort(counts.ravel())[::-1]
    cumulative = np.cumsum(ordered) / ordered.sum()
    levels = [ordered[np.searchsorted(cumulative, p)] for p in (0.95, 0.68)]
    centres = 0.5 * (xe[1:] + xe[:-1]), 0.5 * (ye[1:] + ye[:-1])
    ax.contourf(*centres, counts.T, levels=[levels[0], levels[1], counts.max()], colors=[color], alpha=0.5)
    ax.contour(*centres, counts.T, levels=levels, colors=[color], linewidths=1)


def density_figure(idata, outdir):
    """The (Ωm, ΩΛ) credible regions (68 %, 95 %) with the flat-universe line ΩΛ = 1 − Ωm
    and the line of no acceleration today, ΩΛ = Ωm / 2."""
    import matplotlib.pyplot as plt
    import numpy as np

    post = idata.posterior
    om, ol = post["omega_m"].values.ravel(), post["omega_lambda"].values.ravel()
    fig, ax = plt.subplots(figsize=(5.5, 5))
    _credible_contours(ax, om, ol)
    line = np.linspace(0, 1, 2)
    ax.plot(line, 1 - line, "k--", lw=1, label="flat: Ωm + ΩΛ = 1")
    ax.plot(line, line / 2, "k:", lw=1, label="no acceleration: ΩΛ = Ωm / 2")
    ax.set(xlabel="Ωm", ylabel="ΩΛ", xlim=(0, 1), ylim=(0, 1.6), title="68 % and 95 % credible regions")
    ax.legend(loc="lower right", fontsize=8)
    path = outdir / "omega_m_omega_lambda.png"
    save_figure(fig, path)
    return [path]


def w_figure(idata, outdir):
    """The (Ωm, w) credible regions (68 %, 95 %) of flat wCDM, with w = −1 marked."""
    import matplotlib.pyplot as plt

    post = idata.posterior
    fig, ax = plt.subplots(figsize=(5.5, 5))
    _credible_contours(ax, post["omega_m"].values.ravel(), post["w"].values.ravel())
    ax.axhline(-1, color="k", ls="--", lw=1, label="cosmological constant, w = −1")
    ax.set(xlabel="Ωm", ylabel="w", title="flat wCDM: 68 % and 95 % credible regions")
    ax.legend(loc="lower left", fontsize=8)
    path = outdir / "omega_m_w.png"
    save_figure(fig, path)
    return [path]
