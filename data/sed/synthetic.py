"""Mock galaxy photometry with known truth, made with the SED forward model.

Fluxes are in AB maggies. Each band's uncertainty is σ = √((f_err F)² + (F_lim/5)²),
a fractional error plus the noise of a 5σ limiting magnitude; the observed flux is
F + N(0, σ² + (floor F)²), the same noise the model :func:`astrozoo.models.sed.photometry`
assumes with ``noise_floor = floor``.
"""


import jax
import jax.numpy as jnp
import numpy as np

from astrozoo.validate import check_count, check_scalars

DEFAULT_FILTERS = ("sdss", "2mass", "wise", "galex")
MOCK_TRUTH = {"log_mass": 10.8, "log_z_sun": 0.0, "age_gyr": 9.0, "tau_gyr": 3.0, "av": 0.6}
MOCK_REDSHIFT = 0.05
CATALOG_Z_RANGE = (0.01, 0.35)


def _forward():
    from astrozoo.models.sed import forward  # imported on use: data modules stay cheap to import

    return forward


def _check_noise(seed, frac_err, limit_mag, noise_floor):
    check_count("seed", seed, minimum=0)
    check_scalars(frac_err=(frac_err, ">= 0"), limit_mag=(limit_mag, ""), noise_floor=(noise_floor, ">= 0"))


def _noisy(rng, true_flux, frac_err, limit_mag, noise_floor):
    err = np.sqrt((frac_err * true_flux) ** 2 + (10 ** (-0.4 * limit_mag) / 5) ** 2)
    flux = true_flux + rng.normal(size=true_flux.shape) * np.sqrt(err**2 + (noise_floor * true_flux) ** 2)
    return flux, err


def _truth_flux(phot, z, truth):
    forward = _forward()
    lgmet = truth["log_z_sun"] + np.log10(0.02)
    sfh_params = {"age_gyr": truth["age_gyr"], "tau_gyr": truth["tau_gyr"]}
    return forward.photometry(phot, z, truth["log_mass"], lgmet, "delayed-tau", sfh_params, "calzetti",
                              {"av": truth["av"]})


def mock_galaxy(seed: int = 3, frac_err: float = 0.03, limit_mag: float = 24.0, noise_floor: float = 0.05):
    """One delayed-τ, Calzetti-attenuated galaxy at z = 0.05 in SDSS + 2MASS + WISE + GALEX.

    Returns:
        (data, truth): data holds ``flux``, ``flux_err`` (14 bands), ``redshift`` and
        ``filters``; truth holds :data:`MOCK_TRUTH` plus ``log_stellar_mass`` and ``log_sfr``.
    """
    _check_noise(seed, frac_err, limit_mag, noise_floor)
    forward = _forward()
    phot = forward.cached_photometer(DEFAULT_FILTERS, forward.z_nodes_for(MOCK_REDSHIFT))
    true_flux, derived = _truth_flux(phot, MOCK_REDSHIFT, MOCK_TRUTH)
    flux, err = _noisy(np.random.default_rng(seed), np.asarray(true_flux), frac_err, limit_mag, noise_floor)
    truth = MOCK_TRUTH | {"log_stellar_mass": float(derived["log_stellar_mass"]),
                          "log_sfr": float(np.log10(derived["sfr"]))}
    return {"flux": flux, "flux_err": err, "redshift": MOCK_REDSHIFT, "filters": DEFAULT_FILTERS}, truth


def mock_catalog(n: int = 1000, seed: int = 7, frac_err: float = 0.05, limit_mag: float = 23.0,
                 noise_floor: float = 0.05):
    """``n`` delayed-τ galaxies at 0.01 < z < 0.35 with truths drawn from broad distributions.

    Truths: log_mass ~ U(9.5, 11.5), log_z_sun ~ U(−1, 0.3), z ~ U(0.02, 0.33),
    age_gyr ~ U(1, 12), tau_gyr log-uniform in [0.3, 10], av ~ U(0, 1.5).

    Returns:
        (data, truth): data holds ``flux`` and ``flux_err`` (n, 14) and ``redshift`` (n,);
        truth holds each parameter, ``log_stellar_mass`` and ``log_sfr``, shape (n,).
    """
    check_count("n", n)
    _check_noise(seed, frac_err, limit_mag, noise_floor)
    forward = _forward()
    rng = np.random.default_rng(seed)
    truth = {
        "log_mass": rng.uniform(9.5, 11.5, n),
        "log_z_sun": rng.uniform(-1.0, 0.3, n),
        "age_gyr": rng.uniform(1.0, 12.0, n),
        "tau_gyr": np.exp(rng.uniform(np.log(0.3), np.log(10.0), n)),
        "av": rng.uniform(0.0, 1.5, n),
    }
    z = rng.uniform(0.02, 0.33, n)
    phot = forward.cached_photometer(DEFAULT_FILTERS, forward.z_nodes_for(None, CATALOG_Z_RANGE))
    run = jax.jit(jax.vmap(lambda zz, t: _truth_flux(phot, zz, t)))
    true_flux, derived = run(jnp.asarray(z), {k: jnp.asarray(v) for k, v in truth.items()})
    flux, err = _noisy(rng, np.asarray(true_flux), frac_err, limit_mag, noise_floor)
    truth |= {"log_stellar_mass": np.asarray(derived["log_stellar_mass"]), "log_sfr": np.log10(np.asarray(derived["sfr"]))}
    return {"flux": flux, "flux_err": err, "redshift": z}, truth
