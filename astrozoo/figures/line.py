"""Report figures of the straight-line problems."""

from astrozoo.figures import save_figure

def fit_figure(idata, outdir):
    """The data with their error bars and 100 posterior lines; points coloured by
    posterior outlier probability where the model has one."""
    import matplotlib.pyplot as plt
    import numpy as np

    x = idata.constant_data["x"].values
    y = idata.observed_data["y"].values
    post = idata.posterior.stack(sample=("chain", "draw"))
    pick = np.random.default_rng(0).choice(post.sizes["sample"], 100)
    grid = np.linspace(x.min() - 0.1 * np.ptp(x), x.max() + 0.1 * np.ptp(x), 50)
    fig, ax = plt.subplots(figsize=(6, 4.5))
    lines = post["m"].values[pick, None] * grid + post["b"].values[pick, None]
    ax.plot(grid, lines.T, color="C0", alpha=0.05)
    xerr = idata.constant_data["sigma_x"].values if "sigma_x" in idata.constant_data else None
    ax.errorbar(x, y, idata.constant_data["sigma_y"].values, xerr, fmt="none", ecolor="k", zorder=2)
    if "p_outlier" in post:
        points = ax.scatter(x, y, c=post["p_outlier"].mean("sample"), cmap="coolwarm", vmin=0, vmax=1, zorder=3)
        fig.colorbar(points, label="posterior outlier probability")
    else:
        ax.plot(x, y, ".k", zorder=3)
    ax.set(xlabel="x", ylabel="y", title="data and 100 posterior lines")
    path = outdir / "fit.png"
    save_figure(fig, path)
    return [path]
