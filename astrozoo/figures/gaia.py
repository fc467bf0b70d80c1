"""Report figures of the Gaia problems: the M67 colour-magnitude diagram and the parallax check."""

import numpy as np

from astrozoo.data.gaia import m67
from astrozoo.models.gaia import star_distances
from astrozoo.figures import save_figure


def cmd_figure(idata, outdir):
    """BP−RP against absolute G, each star at its posterior mean distance, coloured by membership."""
    import matplotlib.pyplot as plt

    data = m67.load()
    stars = star_distances(idata.posterior, data["plx_mas"], data["plx_err_mas"], data["zero_point_mas"])
    abs_g = data["phot_g_mean_mag"] - 5 * np.log10(stars["r_mean_pc"] / 10.0)
    order = np.argsort(stars["p_member"])
    fig, ax = plt.subplots(figsize=(5, 6))
    points = ax.scatter(data["bp_rp"][order], abs_g[order], c=stars["p_member"][order], s=4, cmap="viridis",
                        vmin=0, vmax=1)
    fig.colorbar(points, label="membership probability")
    ax.invert_yaxis()
    ax.set(xlabel="BP − RP [mag]", ylabel="absolute G [mag]", title="M67 field: colour–magnitude diagram")
    path = outdir / "cmd.png"
    save_figure(fig, path)
    return [path]


def parallax_ppc_figure(idata, outdir, replicates=100):
    """Histogram of the observed parallaxes against those of 100 posterior predictive sets."""
    import matplotlib.pyplot as plt

    observed = idata.observed_data["plx_mas"].values
    replicated = idata.posterior_predictive["plx_mas"].values.reshape(-1, observed.size)
    pick = np.random.default_rng(0).choice(len(replicated), min(replicates, len(replicated)), replace=False)
    bins = np.linspace(observed.min(), observed.max(), 60)
    fig, ax = plt.subplots(figsize=(6, 4))
    for rep in replicated[pick]:
        ax.hist(rep, bins, histtype="step", color="C0", alpha=0.1)
    ax.hist(observed, bins, histtype="step", color="k", lw=2, label="data")
    ax.set(xlabel="parallax [mas]", ylabel="stars", title=f"data and {len(pick)} posterior predictive sets")
    ax.legend()
    path = outdir / "parallax_ppc.png"
    save_figure(fig, path)
    return [path]
