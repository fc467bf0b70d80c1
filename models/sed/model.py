"""The NumPyro model of a galaxy's broadband photometry.

``photometry(flux, flux_err, ...)``: priors on the mass formed, metallicity, the
SFH and the dust (and the redshift, when it is free), the forward model of
:mod:`astrozoo.models.sed.forward`, and a Gaussian likelihood in flux (AB
maggies) with a fractional noise floor,

    flux_i ~ N(F_i(θ), σ_i² + (f_floor F_i(θ))²),

which handles faint and negative fluxes (non-detections measured as fluxes)
as they are. Bands flagged in ``upper_limit`` carry a limit instead: they
contribute log Φ((flux_i − F_i) / σ_tot,i), the probability that the model
flux plus noise stays below the limit.

Priors (uniform unless said):
    log_mean_flux = log10 of the mean model flux over the bands ∈ [−15, 0] (maggies; the
    mass formed follows, :func:`scale_to_mean_flux`: uniform in log_mass given the SED's
    shape, over a window that moves with its light-to-mass ratio and the distance);
    log_z_sun = log10(Z/Z☉) ∈ [−2.3, 0.69]
    (the grid, Z☉ = 0.02); age_gyr ∈ [0.01, t_max] (t_max the age of the universe at the
    redshift, flat ΛCDM H0 = 70, Ωm = 0.3, via astropy); tau_gyr, t0_gyr log-uniform
    in [0.05, 20] (the delayed-τ τ sampled as age_over_tau, :func:`_delayed_tau_timescale`);
    sigma ∈ [0.1, 2]; alpha, beta log-uniform in [0.1, 1000] (Carnall
    et al. 2018); log_sfr_ratios ~ Student-t(ν=2, 0, 0.3) (Leja et al. 2019);
    av, av_bc ∈ [0, 4] mag; dust_delta ∈ [−1.2, 0.4]; dust_index ∈ [−1.5, 0];
    redshift ∈ z_range when free.
Deterministics: ``log_mass`` (log10 M☉ formed), ``tau_gyr`` (delayed-τ), ``log_stellar_mass`` (surviving, log10 M☉), ``log_sfr``
(log10 of the mean SFR over the last 100 Myr, M☉ yr⁻¹) and ``model_flux`` (the
noiseless model fluxes, maggies).
"""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import numpyro
import numpyro.distributions as dist

from astrozoo.validate import check_finite, check_interval, check_positive, model_inputs
from astrozoo.models.sed import forward
from astrozoo.models.sed import sfh as sfhlib


DEFAULT_FILTERS = ("sdss", "2mass", "wise", "galex")
LGMET_SUN = float(np.log10(0.02))
REDSHIFT_LIMITS = (1e-3, 6.0)
LOG_Z_SUN_RANGE = (-2.3, 0.69)
TAU_RANGE_GYR = (0.05, 20.0)
LOG_MEAN_FLUX_RANGE = (-15.0, 0.0)  # log10 maggies: AB 37.5 to 0 mag


@functools.lru_cache(maxsize=256)
def age_of_universe_gyr(z: float) -> float:
    """Cosmic time at redshift z [Gyr], flat ΛCDM with H0 = 70, Ωm = 0.3 (astropy)."""
    from astropy.cosmology import FlatLambdaCDM

    return float(FlatLambdaCDM(H0=70.0, Om0=0.3, Tcmb0=0.0).age(z).value)


def _concrete_number(value) -> bool:
    return not isinstance(value, jax.core.Tracer) and np.ndim(value) == 0


def photometer_for(filters, redshift, z_range) -> forward.Photometer:
    """The cached photometer: a single node at a fixed Python-number redshift, else nodes over ``z_range``."""
    if isinstance(filters, list):
        filters = tuple(filters)
    check_interval("z_range", z_range)
    for bound in (z_range if redshift is None or not isinstance(redshift, (int, float)) else (redshift,)):
        if not REDSHIFT_LIMITS[0] <= float(bound) <= REDSHIFT_LIMITS[1]:
            raise ValueError(f"redshift must lie within the grid {list(REDSHIFT_LIMITS)}, got {bound}")
    fixed = redshift if isinstance(redshift, (int, float)) else None
    return forward.cached_photometer(filters if isinstance(filters, tuple) else (filters,),
                                     forward.z_nodes_for(fixed, tuple(z_range)))


def check_inputs(phot, flux, flux_err, upper_limit, redshift, noise_floor, galaxies: tuple = ()) -> None:
    """ValueError naming the argument, before anything compiles.

    ``flux``, ``flux_err`` and ``upper_limit`` must have shape ``galaxies + (n_band,)``:
    ``galaxies`` is () for one galaxy, (N,) for a catalogue.
    """
    n_band = len(phot.bands)
    if flux_err is None:
        raise ValueError("flux_err is required (AB maggies, one per band)")
    for name, value in (("flux", flux), ("flux_err", flux_err), ("upper_limit", upper_limit)):
        if value is not None and np.shape(value) != tuple(galaxies) + (n_band,):
            expected = "(" + ", ".join(["N"] * len(galaxies) + ["n_band"]) + ("," if not galaxies else "") + ")"
            sizes = (f"N = {galaxies[0]} galaxies, " if galaxies else "") + f"n_band = {n_band}"
            raise ValueError(f"{name} must have shape {expected} with {sizes} (one entry per band: "
                             f"{', '.join(phot.band_names)}), got shape {np.shape(value)}")
    check_positive("flux_err", flux_err)
    if flux is not None:
        check_finite("flux", flux)
    if not noise_floor >= 0:
        raise ValueError(f"noise_floor must be >= 0, got {noise_floor}")
    if redshift is not None and not isinstance(redshift, jax.core.Tracer):
        forward.check_redshift(phot, redshift)


def _log_uniform(name: str, low: float, high: float):
    """A log-uniform parameter, sampled as ``log_<name>`` ~ U(ln low, ln high) (flat geometry for NUTS)."""
    log_value = numpyro.sample(f"log_{name}", dist.Uniform(np.log(low), np.log(high)))
    return numpyro.deterministic(name, jnp.exp(log_value))


def _delayed_tau_timescale(age_gyr, low: float, high: float):
    """τ of the delayed-τ SFH, sampled as x = age/τ ~ LogUniform(age/high, age/low) given the age.

    This is exactly log τ ~ U(ln low, ln high) (x = T/τ at fixed T is a log-shift of τ),
    but NUTS moves in logit((x − x_lo)/(x_hi − x_lo)): linear in x where the data leave
    τ ≫ T unconstrained (ψ ∝ s e^{−x s} in s = t/T depends on x smoothly at x → 0),
    instead of in log τ, where the long-τ tail makes the age–τ posterior a funnel.
    """
    x = numpyro.sample("age_over_tau", dist.LogUniform(age_gyr / high, age_gyr / low))
    return numpyro.deterministic("tau_gyr", age_gyr / x)


def sample_sfh(kind: str, age_max_gyr: float, n_continuity: int) -> dict:
    """The SFH's parameters drawn from their priors (inside a model)."""
    sfhlib.check_kind(kind)
    if kind == "continuity":
        ratios = dist.StudentT(2.0, 0.0, 0.3).expand([n_continuity - 1]).to_event(1)
        return {"log_sfr_ratios": numpyro.sample("log_sfr_ratios", ratios)}
    params = {"age_gyr": numpyro.sample("age_gyr", dist.Uniform(0.01, age_max_gyr))}
    if kind == "delayed-tau":
        params["tau_gyr"] = _delayed_tau_timescale(params["age_gyr"], *TAU_RANGE_GYR)
    if kind == "double-power-law":
        params["tau_gyr"] = _log_uniform("tau_gyr", *TAU_RANGE_GYR)
    if kind == "double-power-law":
        params["alpha"] = _log_uniform("alpha", 0.1, 1000.0)
        params["beta"] = _log_uniform("beta", 0.1, 1000.0)
    if kind == "lognormal":
        params["t0_gyr"] = _log_uniform("t0_gyr", 0.05, 20.0)
        params["sigma"] = numpyro.sample("sigma", dist.Uniform(0.1, 2.0))
    return params


def sample_dust(kind: str) -> dict:
    """The dust model's parameters drawn from their priors (inside a model)."""
    if kind not in forward.DUST_KINDS:
        raise ValueError(f"dust must be one of {forward.DUST_KINDS}, got {kind!r}")
    params = {"av": numpyro.sample("av", dist.Uniform(0.0, 4.0))}
    if kind == "noll":
        params["dust_delta"] = numpyro.sample("dust_delta", dist.Uniform(-1.2, 0.4))
    if kind == "charlot-fall":
        params["av_bc"] = numpyro.sample("av_bc", dist.Uniform(0.0, 4.0))
        params["dust_index"] = numpyro.sample("dust_index", dist.Uniform(-1.5, 0.0))
    return params


def _age_max_gyr(phot, redshift, z_range) -> float:
    z = float(redshift) if redshift is not None and _concrete_number(redshift) else z_range[0]
    return min(age_of_universe_gyr(z), phot.edges_yr[-1] / 1e9)


def _galaxy_parameters(sfh, dust, age_max):
    log_flux = numpyro.sample("log_mean_flux", dist.Uniform(*LOG_MEAN_FLUX_RANGE))
    log_z_sun = numpyro.sample("log_z_sun", dist.Uniform(*LOG_Z_SUN_RANGE))
    sfh_params = sample_sfh(sfh, age_max, sfhlib.continuity_edges_yr(1e9 * age_max).size - 1)
    return log_flux, log_z_sun, sfh_params, sample_dust(dust)


def scale_to_mean_flux(log_mean_flux, unit_flux, unit_derived):
    """Fluxes and derived masses of the galaxy whose mean model flux is 10^log_mean_flux.

    ``unit_flux`` and ``unit_derived`` are the forward model's output for 1 M☉ formed; the
    flux is linear in the mass formed, so log_mass = log_mean_flux − log10(mean_i unit_flux_i).
    The data pin the flux scale to a few per cent whatever the SED's shape, while the mass
    formed moves with the mass-to-light ratio along the age–τ–Z ridge: sampling the flux
    scale keeps that ridge straight in the sampler's coordinates.
    """
    log_mass = log_mean_flux - jnp.log10(jnp.mean(unit_flux, axis=-1))
    numpyro.deterministic("log_mass", log_mass)
    numpyro.deterministic("log_stellar_mass", unit_derived["log_stellar_mass"] + log_mass)
    numpyro.deterministic("log_sfr", jnp.log10(jnp.maximum(unit_derived["sfr"], 1e-30)) + log_mass)
    return 10.0 ** log_mass[..., None] * unit_flux


def profile_flux_scale(values: dict, arrays: dict) -> dict:
    """``values`` with the flux scale moved to the best amplitude for their SED shape.

    The model flux F is proportional to 10^log_mean_flux, so the amplitude that
    fits the data best by weighted least squares, A = Σ f F / σ² / Σ F² / σ²
    (f the fluxes, σ their errors), shifts log_mean_flux by log10 A, kept
    inside its prior. A starting point for optimisers (the ``start_refinement``
    of the SED problems): a candidate drawn from the prior is usually off by
    orders of magnitude in flux, far out on a flat likelihood.

    Args:
        values: constrained values of one point, ``log_mean_flux`` and the
            deterministic ``model_flux`` included (shape (..., n_band)).
        arrays: the model's array arguments, ``flux`` and ``flux_err`` included.
    """
    weight = 1.0 / arrays["flux_err"] ** 2
    model = values["model_flux"]
    amplitude = jnp.sum(weight * arrays["flux"] * model, -1) / jnp.sum(weight * model**2, -1)
    low, high = LOG_MEAN_FLUX_RANGE
    shifted = values["log_mean_flux"] + jnp.log10(jnp.clip(amplitude, 1e-6, None))
    return values | {"log_mean_flux": jnp.clip(shifted, low + 0.05, high - 0.05)}


def _noise(flux_err, model_flux, noise_floor):
    return jnp.sqrt(jnp.asarray(flux_err) ** 2 + (noise_floor * model_flux) ** 2)


def _upper_limit_term(flux, model_flux, sigma, upper_limit):
    below = jax.scipy.stats.norm.logcdf((jnp.asarray(flux) - model_flux) / sigma)
    return jnp.where(jnp.asarray(upper_limit, bool), below, 0.0)


@model_inputs(flux_err=None, flux=None, upper_limit=None, observed=("flux",))  # shapes: check_inputs
def photometry(
    flux=None,
    flux_err=None,
    upper_limit=None,
    redshift=0.1,
    *,
    filters=DEFAULT_FILTERS,
    z_range=(0.005, 1.0),
    sfh="delayed-tau",
    dust="calzetti",
    bump=False,
    noise_floor=0.05,
):
    """Broadband photometry of one galaxy (see the module docstring for priors and likelihood).

    Args:
        flux: observed fluxes [AB maggies], shape (n_band,), or None to simulate.
        flux_err: their 1σ uncertainties [maggies], > 0.
        upper_limit: boolean, shape (n_band,): True where ``flux`` is an upper limit; None: none.
        redshift: a number (fixed; the photometer is built at exactly this z), a traced
            scalar (fixed per galaxy in a catalogue; z interpolated over ``z_range``), or
            None (free, uniform over ``z_range``).
        filters: a named set, a sedpy filter name, a ``.par`` path or a tuple of these.
        z_range: (low, high) of the redshift grid, within [0.001, 6].
        sfh: one of :data:`astrozoo.models.sed.sfh.KINDS`.
        dust: "calzetti", "noll" or "charlot-fall"; ``bump`` adds the 2175 Å bump.
        noise_floor: fractional error added in quadrature to ``flux_err``.
    """
    phot = photometer_for(filters, redshift, z_range)
    check_inputs(phot, flux, flux_err, upper_limit, redshift, noise_floor)
    age_max = _age_max_gyr(phot, redshift, z_range)
    log_mean_flux, log_z_sun, sfh_params, dust_params = _galaxy_parameters(sfh, dust, age_max)
    if redshift is None:
        redshift = numpyro.sample("redshift", dist.Uniform(*z_range))
    unit_flux, unit_derived = forward.photometry(
        phot, redshift, 0.0, log_z_sun + LGMET_SUN, sfh, sfh_params, dust, dust_params, bump, age_max
    )
    model_flux = scale_to_mean_flux(log_mean_flux, unit_flux, unit_derived)
    sigma = _noise(flux_err, model_flux, noise_floor)
    detected = True if upper_limit is None or flux is None else ~jnp.asarray(upper_limit, bool)
    with numpyro.plate("band", len(phot.bands)):
        numpyro.deterministic("model_flux", model_flux)
        numpyro.sample("flux", dist.Normal(model_flux, sigma).mask(detected), obs=flux)
        if upper_limit is not None and flux is not None:
            numpyro.factor("upper_limits", _upper_limit_term(flux, model_flux, sigma, upper_limit))


@model_inputs(redshift="(N,)", flux_err=None, flux=None, upper_limit=None, observed=("flux",))  # see check_inputs
def photometry_catalog(
    flux=None,
    flux_err=None,
    redshift=None,
    upper_limit=None,
    *,
    filters=DEFAULT_FILTERS,
    z_range=(0.005, 1.0),
    sfh="delayed-tau",
    dust="calzetti",
    bump=False,
    noise_floor=0.05,
):
    """Independent galaxies of a catalogue, each as :func:`photometry` at its known redshift.

    The galaxies sit in ``numpyro.plate("galaxy", n)``; each galaxy's bands form one
    event, so the pointwise log-likelihood is per galaxy; ``model_flux`` has shape
    (n_galaxy, n_band). The upper age bound of the
    SFH prior is the age of the universe at ``z_range[0]`` for every galaxy.

    Args:
        flux, flux_err, upper_limit: shape (n_galaxy, n_band), as :func:`photometry`.
        redshift: shape (n_galaxy,), within ``z_range`` (required: photo-z fits of whole
            catalogues are not offered).
    """
    if redshift is None or np.ndim(redshift) != 1:
        raise ValueError("redshift must be given for every galaxy, shape (n_galaxy,)")
    phot = photometer_for(filters, None, z_range)
    check_inputs(phot, flux, flux_err, upper_limit, redshift, noise_floor, galaxies=np.shape(redshift))
    age_max = _age_max_gyr(phot, None, z_range)

    def one(z, log_z_sun, sfh_params, dust_params):
        return forward.photometry(phot, z, 0.0, log_z_sun + LGMET_SUN, sfh, sfh_params, dust, dust_params,
                                  bump, age_max)

    with numpyro.plate("galaxy", np.shape(redshift)[0]):
        log_mean_flux, log_z_sun, sfh_params, dust_params = _galaxy_parameters(sfh, dust, age_max)
        # lax.map in blocks keeps memory bounded when predictive draws are vmapped on top.
        unit_flux, unit_derived = jax.lax.map(
            lambda args: one(*args), (jnp.asarray(redshift), log_z_sun, sfh_params, dust_params),
            batch_size=8,
        )
        model_flux = scale_to_mean_flux(log_mean_flux, unit_flux, unit_derived)
        sigma = _noise(flux_err, model_flux, noise_floor)
        detected = True if upper_limit is None or flux is None else ~jnp.asarray(upper_limit, bool)
        numpyro.sample("flux", dist.Normal(model_flux, sigma).mask(detected).to_event(1), obs=flux)
        if upper_limit is not None and flux is not None:
            numpyro.factor("upper_limits", _upper_limit_term(flux, model_flux, sigma, upper_limit).sum(-1))
    numpyro.deterministic("model_flux", model_flux)  # (galaxy, band): outside the plate, whose dim is the last
