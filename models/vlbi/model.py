"""NumPyro models of VLBI data: a circular Gaussian and the m-ring (EHT Collaboration 2019, ApJL 875, L4-L6).

Units: (u, v) in wavelengths; diameters, widths and shifts in µas; phases in
radians; position angles east of north. Conventions of the data products are
those of :mod:`astrozoo.models.vlbi.closures`.

Error budget. A fractional systematic error f on each visibility amplitude
(EHT practice, ApJL 875, L4 §4) adds f² per baseline to the relative variance:
σ_ψ² = σ_ψ,th² + 3 f² for a closure phase (three baselines) and
σ_lca² = σ_lca,th² + 4 f² for a log closure amplitude (four). f is fitted
(prior HalfNormal(``systematic_scale``)) unless ``systematic`` fixes it.
"""

import jax.numpy as jnp
import numpy as np
import numpyro
import numpyro.distributions as dist

from astrozoo.validate import check_finite, check_indices, check_interval, check_positive, check_same_length, model_inputs
from astrozoo.models.vlbi import visibilities as vv
from astrozoo.models.vlbi.closures import model_closure_phases, model_log_closure_amplitudes

_RING_WIDTH = 0.1  # width of the ring prior on the 2-vectors that give the β_k directions


@model_inputs(u="(N,)", v="(N,)", sigma="() or (N,)", vis_re="(N,)", vis_im="(N,)", observed=("vis_re", "vis_im"))
def gaussian(u, v, sigma, vis_re=None, vis_im=None, *, flux_max=3.0, fwhm_max_uas=200.0, shift_scale_uas=50.0):
    """A circular Gaussian fitted to the real and imaginary parts of the visibilities.

    V = F exp(−2π² σ_G² ρ²) exp(−2πi (u x0 + v y0)), σ_G = FWHM / √(8 ln 2).

    Priors: F ~ U(0, flux_max) [Jy], FWHM ~ U(0, fwhm_max_uas) [µas],
    x0, y0 ~ N(0, shift_scale_uas²) [µas].
    Likelihood: Re V_obs ~ N(Re V, σ²), Im V_obs ~ N(Im V, σ²).

    Args:
        u, v: baseline coordinates [λ], shape (N,).
        sigma: thermal σ of each of the real and imaginary parts [Jy], shape (N,).
        vis_re, vis_im: observed parts [Jy], or None to simulate.
    """
    for name, value in (("u", u), ("v", v), ("vis_re", vis_re), ("vis_im", vis_im)):
        if value is not None:
            check_finite(name, value)
    check_positive("sigma", sigma)
    check_same_length(u=u, v=v, sigma=sigma, vis_re=vis_re, vis_im=vis_im)
    for name, value in (("flux_max", flux_max), ("fwhm_max_uas", fwhm_max_uas), ("shift_scale_uas", shift_scale_uas)):
        check_positive(name, value)
    flux = numpyro.sample("flux", dist.Uniform(0.0, flux_max))
    fwhm = numpyro.sample("fwhm_uas", dist.Uniform(0.0, fwhm_max_uas))
    x0 = numpyro.sample("x0_uas", dist.Normal(0.0, shift_scale_uas))
    y0 = numpyro.sample("y0_uas", dist.Normal(0.0, shift_scale_uas))
    model = vv.gaussian(u, v, flux, fwhm, x0, y0)
    with numpyro.plate("visibility", len(u)):
        numpyro.sample("vis_re", dist.Normal(model.real, sigma), obs=vis_re)
        numpyro.sample("vis_im", dist.Normal(model.imag, sigma), obs=vis_im)


def mring_visibilities(u, v, d_uas, width_uas, beta_abs, beta_pa):
    """Unit-flux thick m-ring visibilities; harmonic k is brightest at position angle ``beta_pa[k-1]``.

    β_k = |β_k| e^{−ik ψ_k}, so the k-th harmonic 2|β_k| cos(k(θ − ψ_k)) peaks at θ = ψ_k.
    """
    k = jnp.arange(1, beta_abs.shape[-1] + 1)
    beta = beta_abs * jnp.exp(-1j * k * beta_pa)
    return vv.thick_mring(u, v, beta, 1.0, d_uas, width_uas)


@model_inputs(
    u="(N,)", v="(N,)", cphase_index="(M, 3)", cphase_sigma="(M,)", lcamp_index="(K, 4)", lcamp_sigma="(K,)",
    cphase="(M,)", lcamp="(K,)", amp_sigma="(N,)", station1="(N,)", station2="(N,)", amp="(N,)",
    observed=("cphase", "lcamp", "amp"),
)
def mring(
    u,
    v,
    cphase_index,
    cphase_sigma,
    lcamp_index,
    lcamp_sigma,
    cphase=None,
    lcamp=None,
    amp_sigma=None,
    station1=None,
    station2=None,
    amp=None,
    *,
    use_amplitudes=False,
    n_stations=8,
    gain_scale=0.2,
    flux_max=3.0,
    order=1,
    d_range_uas=(20.0, 70.0),
    width_range_uas=(1.0, 40.0),
    beta_max=0.5,
    systematic=None,
    systematic_scale=0.05,
):
    """A thick m-ring fitted to closure phases and log closure amplitudes (independent of station gains).

    Parameters and priors:
        d_uas ~ U(d_range_uas): ring diameter [µas];
        width_uas ~ U(width_range_uas): FWHM of the Gaussian blurring the ring [µas];
        beta_abs[k] ~ U(0, beta_max): |β_k|, k = 1..order;
        beta_pa[k]: ψ_k, the position angle east of north where harmonic k peaks [rad], uniform on
            the circle through a circular reparametrisation: the direction of a 2-vector ``beta_dir``
            whose prior is N(0, I) times a ring factor exp(−(r − 1)²/(2 · 0.1²)) that keeps it away
            from the origin (no boundary and no funnel in the sampler's space);
            β_k = |β_k| e^{−ikψ_k}, so arg β_1 = −ψ_1;
        f_sys: fractional systematic amplitude error, HalfNormal(systematic_scale), or fixed by ``systematic``.

    Deterministic sites: ``pa_deg`` (ψ_1 in degrees east of north, in [0, 360)), ``arg_beta1`` [rad].

    Likelihood: closure phases ~ von Mises(ψ_model, κ = 1/σ_ψ²),
    log closure amplitudes ~ N(model, σ_lca²), with σ² including the systematic term.

    Optionally (``use_amplitudes=True``) the debiased visibility amplitudes too, which need
    a total flux and station gains: flux ~ U(0, flux_max) [Jy], log gain amplitudes
    ln g_s ~ N(0, gain_scale²) for each of ``n_stations`` stations, and
    |V_ij| ~ N(g_i g_j F |V_model|, σ² + (f_sys g_i g_j F |V_model|)²).

    Args:
        u, v: baseline coordinates [λ] of the visibility table, shape (N,).
        cphase_index: rows (ij, jk, ik) of each closure triangle, int (M, 3).
        cphase_sigma: thermal σ of the closure phases [rad], (M,).
        lcamp_index: rows (ab, cd, ac, bd) of each quadrangle, int (K, 4).
        lcamp_sigma: thermal σ of the log closure amplitudes, (K,).
        cphase, lcamp: the observations, or None to simulate.
        amp_sigma, station1, station2: σ of each amplitude [Jy] and its stations (int indices
            < ``n_stations``), shape (N,); used with ``use_amplitudes``.
        amp: debiased visibility amplitudes [Jy], (N,), or None to simulate.
        order: number m of ring harmonics.
        systematic: None to fit f_sys, or a fixed fraction.
    """
    for name, value in (("u", u), ("v", v), ("cphase", cphase), ("lcamp", lcamp)):
        if value is not None:
            check_finite(name, value)
    check_positive("cphase_sigma", cphase_sigma)
    check_positive("lcamp_sigma", lcamp_sigma)
    check_same_length(u=u, v=v)
    check_same_length(cphase_index=cphase_index, cphase_sigma=cphase_sigma, cphase=cphase)
    check_same_length(lcamp_index=lcamp_index, lcamp_sigma=lcamp_sigma, lcamp=lcamp)
    check_indices("cphase_index", cphase_index, np.shape(u)[0])
    check_indices("lcamp_index", lcamp_index, np.shape(u)[0])
    check_interval("d_range_uas", d_range_uas)
    check_interval("width_range_uas", width_range_uas)
    if not (d_range_uas[0] > 0 and width_range_uas[0] > 0):
        raise ValueError(f"d_range_uas and width_range_uas must be > 0, got {d_range_uas} and {width_range_uas}")
    for name, value in (("beta_max", beta_max), ("systematic_scale", systematic_scale)):
        check_positive(name, value)
    if int(order) < 1:
        raise ValueError(f"order must be >= 1, got {order}")
    if systematic is not None and not systematic >= 0:
        raise ValueError(f"systematic must be None or >= 0, got {systematic}")
    if use_amplitudes:
        if amp_sigma is None or station1 is None or station2 is None:
            raise ValueError("use_amplitudes needs amp_sigma, station1 and station2")
        check_positive("amp_sigma", amp_sigma)
        if amp is not None:
            check_finite("amp", amp)
        check_same_length(u=u, amp_sigma=amp_sigma, station1=station1, station2=station2, amp=amp)
        for name, value in (("station1", station1), ("station2", station2)):
            check_indices(name, value, n_stations)
        for name, value in (("flux_max", flux_max), ("gain_scale", gain_scale)):
            check_positive(name, value)

    d = numpyro.sample("d_uas", dist.Uniform(*d_range_uas))
    width = numpyro.sample("width_uas", dist.Uniform(*width_range_uas))
    with numpyro.plate("harmonic", order):
        beta_abs = numpyro.sample("beta_abs", dist.Uniform(0.0, beta_max))
        direction = numpyro.sample("beta_dir", dist.Normal(0.0, 1.0).expand([2]).to_event(1))
    # Keep the 2-vector's length near 1, away from the origin where its direction is ill defined:
    # the prior density becomes ∝ exp(−(r − 1)² / (2 · 0.1²)) · N(0, I), still uniform in direction.
    radius = jnp.sqrt(jnp.sum(direction**2, axis=-1))
    numpyro.factor("beta_dir_ring", jnp.sum(-0.5 * ((radius - 1.0) / _RING_WIDTH) ** 2))
    beta_pa = jnp.mod(jnp.arctan2(direction[..., 0], direction[..., 1]), 2 * jnp.pi)
    numpyro.deterministic("beta_pa", beta_pa)
    numpyro.deterministic("pa_deg", jnp.rad2deg(beta_pa[0]))
    numpyro.deterministic("arg_beta1", jnp.angle(jnp.exp(-1j * beta_pa[0])))
    if systematic is None:
        f_sys = numpyro.sample("f_sys", dist.HalfNormal(systematic_scale))
    else:
        f_sys = numpyro.deterministic("f_sys", jnp.asarray(float(systematic)))

    model = mring_visibilities(u, v, d, width, beta_abs, beta_pa)
    with numpyro.plate("triangle", np.shape(cphase_sigma)[0]):
        kappa = 1.0 / (cphase_sigma**2 + 3 * f_sys**2)
        numpyro.sample("cphase", dist.VonMises(model_closure_phases(model, cphase_index), kappa), obs=cphase)
    with numpyro.plate("quadrangle", np.shape(lcamp_sigma)[0]):
        scale = jnp.sqrt(lcamp_sigma**2 + 4 * f_sys**2)
        numpyro.sample("lcamp", dist.Normal(model_log_closure_amplitudes(model, lcamp_index), scale), obs=lcamp)
    if use_amplitudes:
        flux = numpyro.sample("flux", dist.Uniform(0.0, flux_max))
        with numpyro.plate("station", n_stations):
            log_gain = numpyro.sample("log_gain", dist.Normal(0.0, gain_scale))
        predicted = flux * jnp.abs(model) * jnp.exp(log_gain[station1] + log_gain[station2])
        with numpyro.plate("visibility", np.shape(u)[0]):
            numpyro.sample("amp", dist.Normal(predicted, jnp.hypot(amp_sigma, f_sys * predicted)), obs=amp)


def closure_chi2(params: dict, data: dict) -> dict:
    """Reduced χ² of the closure phases and log closure amplitudes at ``params`` (d_uas, width_uas, beta_abs,
    beta_pa, f_sys), with thermal σ only and with the systematic term.

    The closure-phase residual is wrapped to (−π, π]. The reduced χ² divides by the number of
    data (the fitted parameters are few against hundreds of closures).
    """
    model = mring_visibilities(
        jnp.asarray(data["u"]), jnp.asarray(data["v"]), params["d_uas"], params["width_uas"],
        jnp.atleast_1d(params["beta_abs"]), jnp.atleast_1d(params["beta_pa"]),
    )
    cp = np.asarray(model_closure_phases(model, jnp.asarray(data["cphase_index"])))
    lca = np.asarray(model_log_closure_amplitudes(model, jnp.asarray(data["lcamp_index"])))
    cp_res = np.angle(np.exp(1j * (np.asarray(data["cphase"]) - cp)))
    lca_res = np.asarray(data["lcamp"]) - lca
    f = float(params.get("f_sys", 0.0))
    out = {}
    for name, res, sigma, n_baselines in (
        ("cphase", cp_res, np.asarray(data["cphase_sigma"]), 3),
        ("lcamp", lca_res, np.asarray(data["lcamp_sigma"]), 4),
    ):
        out[f"{name}_chi2_thermal"] = float(np.mean((res / sigma) ** 2))
        out[f"{name}_chi2"] = float(np.mean(res**2 / (sigma**2 + n_baselines * f**2)))
    return out
