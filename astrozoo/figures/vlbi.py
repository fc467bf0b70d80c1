"""Report figures and summaries of the VLBI problems: residuals, the closure-phase check, ring images, χ²."""

import numpy as np

from astrozoo.models.vlbi import model as models
from astrozoo.figures import save_figure


def posterior_mean(idata) -> dict:
    """Posterior means of the m-ring parameters; position angles averaged on the circle."""
    post = idata.posterior
    mean = {k: np.asarray(post[k].mean(("chain", "draw"))) for k in ("d_uas", "width_uas", "beta_abs", "f_sys")}
    mean["beta_pa"] = np.angle(np.exp(1j * post["beta_pa"].values).mean(axis=(0, 1)))
    return mean


def _model_visibilities(idata, params):
    import jax.numpy as jnp

    const = idata.constant_data
    return np.asarray(
        models.mring_visibilities(
            jnp.asarray(const["u"].values), jnp.asarray(const["v"].values), params["d_uas"], params["width_uas"],
            jnp.atleast_1d(params["beta_abs"]), jnp.atleast_1d(params["beta_pa"]),
        )
    )


def residual_figure(idata, outdir):
    """Normalised residuals of closure phases and log closure amplitudes at the posterior mean, against the
    longest u–v distance in each closure."""
    import matplotlib.pyplot as plt

    from astrozoo.models.vlbi.closures import model_closure_phases, model_log_closure_amplitudes

    const, obs = idata.constant_data, idata.observed_data
    params = posterior_mean(idata)
    model = _model_visibilities(idata, params)
    uvdist = np.hypot(const["u"].values, const["v"].values) / 1e9
    f = float(params["f_sys"])
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    for ax, name, fn, width, n_b in (
        (axes[0], "cphase", model_closure_phases, 3, 3),
        (axes[1], "lcamp", model_log_closure_amplitudes, 4, 4),
    ):
        index = const[f"{name}_index"].values.reshape(-1, width)
        res = obs[name].values - np.asarray(fn(model, index))
        if name == "cphase":
            res = np.angle(np.exp(1j * res))
        sigma = np.sqrt(const[f"{name}_sigma"].values ** 2 + n_b * f**2)
        ax.plot(uvdist[index].max(axis=1), res / sigma, ".", ms=4)
        ax.axhline(0, color="k", lw=0.8)
        ax.set(xlabel="longest |(u, v)| in the closure [Gλ]",
               title=f"{'closure phases' if name == 'cphase' else 'log closure amplitudes'}: "
                     f"χ²/N = {np.mean((res / sigma) ** 2):.2f}")
    axes[0].set_ylabel("residual / σ (with systematic term)")
    path = outdir / "residuals.png"
    save_figure(fig, path)
    return [path]


def closure_phase_check(idata, outdir):
    """Observed closure phases against the 90% posterior predictive interval, in time order."""
    import matplotlib.pyplot as plt

    obs = idata.observed_data["cphase"].values
    fig, ax = plt.subplots(figsize=(10, 3.8))
    if "posterior_predictive" in idata.groups() and "cphase" in idata.posterior_predictive:
        pred = idata.posterior_predictive["cphase"].values.reshape(-1, len(obs))
        centre = np.angle(np.exp(1j * pred).mean(axis=0))
        wrapped = np.angle(np.exp(1j * (pred - centre)))
        lo, hi = np.percentile(wrapped, [5, 95], axis=0)
        ax.fill_between(np.arange(len(obs)), np.rad2deg(centre + lo), np.rad2deg(centre + hi), color="C0",
                        alpha=0.3, step="mid", label="90% posterior predictive")
        ax.plot(np.rad2deg(centre), color="C0", lw=0.8)
    ax.plot(np.rad2deg(obs), ".k", ms=3, label="observed")
    ax.set(xlabel="closure triangle (band, then time order)", ylabel="closure phase [deg]")
    ax.legend(loc="upper right")
    path = outdir / "closure_phase_ppc.png"
    save_figure(fig, path)
    return [path]


def ring_image(d_uas, width_uas, beta_abs, beta_pa, fov_uas=120.0, pixels=96):
    """The thick m-ring's brightness on a grid (x east, y north, µas), unit total flux.

    Returns:
        (extent [µas] for imshow with east to the left, image[iy, ix]).
    """
    x = (np.arange(pixels) - pixels / 2 + 0.5) * fov_uas / pixels
    theta = np.linspace(0, 2 * np.pi, 720, endpoint=False)
    k = np.arange(1, np.size(beta_abs) + 1)
    weight = 1 + 2 * np.sum(np.atleast_1d(beta_abs)[:, None] * np.cos(k[:, None] * (theta - np.atleast_1d(beta_pa)[:, None])), 0)
    sx, sy = d_uas / 2 * np.sin(theta), d_uas / 2 * np.cos(theta)
    sigma = width_uas / (2 * np.sqrt(2 * np.log(2)))
    gx = np.exp(-((x[None, :] - sx[:, None]) ** 2) / (2 * sigma**2))
    gy = np.exp(-((x[None, :] - sy[:, None]) ** 2) / (2 * sigma**2))
    image = np.einsum("s,sy,sx->yx", weight, gy, gx)
    half = fov_uas / 2
    return (half, -half, -half, half), image / image.sum()


def image_figure(idata, outdir):
    """The posterior-mean m-ring and three posterior draws (east left, north up)."""
    import matplotlib.pyplot as plt

    post = idata.posterior.stack(sample=("chain", "draw"))
    picks = np.random.default_rng(0).choice(post.sizes["sample"], 3, replace=False)
    panels = [("posterior mean", posterior_mean(idata))]
    for i in picks:
        panels.append((f"draw {int(i)}", {k: post[k].values[..., i] for k in ("d_uas", "width_uas", "beta_abs", "beta_pa")}))
    fig, axes = plt.subplots(1, 4, figsize=(14, 3.8))
    for ax, (label, p) in zip(axes, panels):
        extent, image = ring_image(float(p["d_uas"]), float(p["width_uas"]), p["beta_abs"], p["beta_pa"])
        ax.imshow(image, origin="lower", extent=extent, cmap="afmhot")
        ax.set(title=f"{label}\nd = {float(p['d_uas']):.1f} µas, PA = {np.rad2deg(np.atleast_1d(p['beta_pa'])[0]) % 360:.0f}°",
               xlabel="Δα [µas] (east left)", ylabel="Δδ [µas]")
    path = outdir / "images.png"
    save_figure(fig, path)
    return [path]


def closure_chi2_summary(idata) -> dict:
    """Reduced χ² of each closure product at the posterior mean, with thermal σ only and with the
    fitted systematic term (:func:`astrozoo.models.vlbi.model.closure_chi2`)."""
    data = {name: group[name].values for group in (idata.constant_data, idata.observed_data) for name in group}
    return {f"reduced_{k}": v for k, v in models.closure_chi2(posterior_mean(idata), data).items()}
