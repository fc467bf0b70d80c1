"""Synthetic VLBI data on the real (u, v) coverage and thermal σ of an EHT 2017 M87 day.

Each generator returns ``(data, truth)``: ``data`` holds the model's keyword
arguments (observations included) and ``truth`` the parameter values used.
"""

import numpy as np

from astrozoo.models.vlbi.closures import closure_kwargs
from astrozoo.validate import check_count, check_finite, check_scalars


def _with_visibilities(vis, model_vis, seed):
    from dataclasses import replace

    rng = np.random.default_rng(seed)
    noise = vis.sigma * (rng.normal(size=len(vis)) + 1j * rng.normal(size=len(vis)))
    return replace(vis, vis=np.asarray(model_vis) + noise)


def gaussian_data(flux=0.6, fwhm_uas=40.0, x0_uas=3.0, y0_uas=-2.0, day="101", seed=0):
    """A shifted circular Gaussian observed with day ``day``'s coverage (both bands) and σ."""
    import jax.numpy as jnp

    check_count("seed", seed, minimum=0)
    check_scalars(flux=(flux, "> 0"), fwhm_uas=(fwhm_uas, "> 0"), x0_uas=(x0_uas, ""), y0_uas=(y0_uas, ""))

    from astrozoo.data.vlbi import eht2017
    from astrozoo.models.vlbi.visibilities import gaussian

    vis = eht2017.load(day)
    model = gaussian(jnp.asarray(vis.u), jnp.asarray(vis.v), flux, fwhm_uas, x0_uas, y0_uas)
    noisy = _with_visibilities(vis, model, seed)
    data = {"u": vis.u, "v": vis.v, "sigma": vis.sigma, "vis_re": noisy.vis.real, "vis_im": noisy.vis.imag}
    return data, {"flux": flux, "fwhm_uas": fwhm_uas, "x0_uas": x0_uas, "y0_uas": y0_uas}


def mring_data(d_uas=42.0, width_uas=12.0, beta_abs=0.25, pa_deg=160.0, flux=0.6, day="101", seed=0, log_gains=None):
    """Closure data of an m = 1 thick ring (total flux ``flux`` Jy) with day ``day``'s coverage and σ.

    With ``log_gains`` (one per station of the array table) the visibilities are corrupted by
    station gains g_i g_j = exp(ln g_i + ln g_j), and the amplitudes are returned too.
    """
    import jax.numpy as jnp

    from astrozoo.data.vlbi import eht2017
    from astrozoo.models.vlbi.model import mring_visibilities

    check_count("seed", seed, minimum=0)
    check_scalars(d_uas=(d_uas, "> 0"), width_uas=(width_uas, "> 0"), beta_abs=(beta_abs, "in [0, 1]"),
                  pa_deg=(pa_deg, ""), flux=(flux, "> 0"))
    vis = eht2017.load(day)
    if log_gains is not None:
        check_finite("log_gains", log_gains)
        if np.shape(log_gains) != (len(vis.stations),):
            raise ValueError(f"log_gains must have shape ({len(vis.stations)},), one per station of {vis.stations}; "
                             f"got shape {np.shape(log_gains)}")
    model = flux * mring_visibilities(
        jnp.asarray(vis.u), jnp.asarray(vis.v), d_uas, width_uas,
        jnp.asarray([beta_abs]), jnp.asarray([np.deg2rad(pa_deg)]),
    )
    truth = {"d_uas": d_uas, "width_uas": width_uas, "beta_abs": beta_abs, "pa_deg": pa_deg}
    if log_gains is None:
        return closure_kwargs(_with_visibilities(vis, model, seed)), truth
    log_gains = np.asarray(log_gains, float)
    model = np.asarray(model) * np.exp(log_gains[vis.station1] + log_gains[vis.station2])
    truth |= {"flux": flux, "log_gain": log_gains}
    return closure_kwargs(_with_visibilities(vis, model, seed), amplitudes=True), truth
