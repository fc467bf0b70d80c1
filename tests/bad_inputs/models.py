"""Bad data and prior settings for every model, given to a fitting driver: each must fail before compiling.

The driver is NUTS with tiny settings: a check that does not fire lets a (short) fit run, and the
case fails because nothing was raised.
"""

import jax.numpy as jnp
import numpy as np
from bad_inputs import Case

from astrozoo.inference import map_fit, nuts
from astrozoo.models import gaia, line, sed, supernova
from astrozoo.models.vlbi import model as vlbi

N = 12
X = np.linspace(0.0, 10.0, N)
ONES = np.ones(N)
LINE = {"x": X, "sigma_y": ONES, "y": 2 * X + 1}
PLX = {"plx_err_mas": np.full(6, 0.1), "plx_mas": np.linspace(0.9, 1.3, 6)}
SN = {"z": np.linspace(0.05, 1.0, 8), "sigma_mag": np.full(8, 0.1), "mag": np.linspace(37.0, 44.0, 8)}
UV = {"u": np.linspace(1e9, 6e9, 6), "v": np.linspace(-3e9, 3e9, 6)}
RING = UV | {
    "cphase_index": np.array([[0, 1, 2], [3, 4, 5]]), "cphase_sigma": np.full(2, 0.1),
    "lcamp_index": np.array([[0, 1, 2, 3]]), "lcamp_sigma": np.full(1, 0.1),
    "cphase": np.zeros(2), "lcamp": np.zeros(1),
}
GAUSS = UV | {"sigma": np.full(6, 0.05), "vis_re": np.ones(6), "vis_im": np.zeros(6)}
N_BAND = 14  # the default filter set (sdss, 2mass, wise, galex)
GALAXY = {"flux": np.full(N_BAND, 1e-8), "flux_err": np.full(N_BAND, 1e-9), "redshift": 0.1}
CATALOG = {"flux": np.full((3, N_BAND), 1e-8), "flux_err": np.full((3, N_BAND), 1e-9),
           "redshift": np.array([0.05, 0.1, 0.2])}


def fit(model, **kwargs):
    """A tiny NUTS run: reached only if the inputs pass every check."""
    return lambda: nuts(model, **kwargs, chains=1, warmup=3, draws=3, progress=False)


def changed(base: dict, **changes) -> dict:
    return base | changes


def without(base: dict, *names) -> dict:
    return {k: v for k, v in base.items() if k not in names}


CASES = [
    # ---- line: shapes, lists, observations, values, prior scales (every line model)
    Case("line-x-column-vector", fit(line.line, **changed(LINE, x=X[:, None])), ValueError,
         r"x must have shape \(N,\); got shape \(12, 1\)"),
    Case("line-y-column-vector", fit(line.line, **changed(LINE, y=X[:, None])), ValueError,
         r"y must have shape \(N,\) with N = 12; got shape \(12, 1\)"),
    Case("line-sigma-matrix", fit(line.line, **changed(LINE, sigma_y=np.ones((N, 2)))), ValueError,
         r"sigma_y must have shape \(\) or \(N,\) with N = 12; got shape \(12, 2\)"),
    Case("line-y-too-short", fit(line.line, **changed(LINE, y=X[:-1])), ValueError,
         r"y must have shape \(N,\) with N = 12; got shape \(11,\)"),
    Case("line-x-scalar", fit(line.line, **changed(LINE, x=3.0)), ValueError, r"x must have shape \(N,\); got shape \(\)"),
    Case("line-ragged-list", fit(line.line, **changed(LINE, x=[[1.0, 2.0], [3.0]])), ValueError,
         r"x must be a rectangular array of numbers"),
    Case("line-strings", fit(line.line, **changed(LINE, x=["a", "b"])), ValueError, r"x must hold numbers"),
    Case("line-no-y", fit(line.line, **without(LINE, "y")), ValueError,
         r"no observations given: y is None, so a fit would only sample the prior"),
    Case("line-no-y-map", lambda: map_fit(line.line, X, ONES), ValueError, r"no observations given: y is None"),
    Case("line-nan-y", fit(line.line, **changed(LINE, y=np.where(X > 5, np.nan, X))), ValueError,
         r"y has 6 non-finite value\(s\)"),
    Case("line-inf-x", fit(line.line, **changed(LINE, x=np.where(X > 9, np.inf, X))), ValueError,
         r"x has 2 non-finite value\(s\)"),
    Case("line-zero-sigma", fit(line.line, **changed(LINE, sigma_y=np.where(X > 9, 0.0, 1.0))), ValueError,
         r"sigma_y must be > 0 everywhere; min is 0.0"),
    Case("line-empty", fit(line.line, x=np.zeros(0), sigma_y=np.zeros(0), y=np.zeros(0)), ValueError, r"x is empty"),
    Case("line-negative-slope-scale", fit(line.line, **LINE, slope_scale=-1.0), ValueError,
         r"slope_scale must be > 0 everywhere; min is -1.0"),
    Case("line-zero-intercept-scale", fit(line.line, **LINE, intercept_scale=0.0), ValueError,
         r"intercept_scale must be > 0"),
    Case("line-scatter-scale", fit(line.line_scatter, **LINE, scatter_scale=-2.0), ValueError,
         r"scatter_scale must be > 0"),
    Case("line-scatter-column-x", fit(line.line_scatter, **changed(LINE, x=X[:, None])), ValueError,
         r"x must have shape \(N,\)"),
    Case("line-angle-offset-scale", fit(line.line_angle, **LINE, offset_scale=0.0), ValueError,
         r"offset_scale must be > 0"),
    Case("line-2d-rho-one", fit(line.line_2d, **LINE, sigma_x=ONES, rho_xy=np.ones(N)), ValueError,
         r"rho_xy must satisfy \|rho_xy\| < 1"),
    Case("line-2d-sigma-x-shape", fit(line.line_2d, **LINE, sigma_x=np.ones((2, N)), rho_xy=np.zeros(N)), ValueError,
         r"sigma_x must have shape \(\) or \(N,\) with N = 12; got shape \(2, 12\)"),
    Case("line-2d-no-y", fit(line.line_2d, **without(LINE, "y"), sigma_x=ONES, rho_xy=np.zeros(N)), ValueError,
         r"no observations given: y is None"),
    Case("line-outliers-width-scale", fit(line.line_outliers, **LINE, outlier_width_scale=-1.0), ValueError,
         r"outlier_width_scale must be > 0"),
    Case("line-outliers-mean-scale-nan", fit(line.line_outliers, **LINE, outlier_mean_scale=float("nan")), ValueError,
         r"outlier_mean_scale has 1 non-finite value"),
    Case("line-outliers-jax-column", fit(line.line_outliers, **changed(LINE, y=jnp.asarray(X)[:, None])), ValueError,
         r"y must have shape \(N,\) with N = 12; got shape \(12, 1\)"),
    # ---- Gaia
    Case("gaia-reversed-distances", fit(gaia.cluster_marginal, **PLX, distance_min_pc=2000.0, distance_max_pc=200.0),
         ValueError, r"distance_min_pc must be < distance_max_pc, got distance_min_pc=2000.0, distance_max_pc=200.0"),
    Case("gaia-negative-distance", fit(gaia.cluster, **PLX, distance_min_pc=-5.0), ValueError,
         r"distance_min_pc must be > 0"),
    Case("gaia-sigma-scale", fit(gaia.cluster_marginal, **PLX, sigma_scale_pc=0.0), ValueError,
         r"sigma_scale_pc must be > 0"),
    Case("gaia-length-scale", fit(gaia.cluster_marginal, **PLX, L_median_pc=-1.0), ValueError,
         r"L_median_pc must be > 0"),
    Case("gaia-offset-scale", fit(gaia.cluster_marginal, **PLX, fit_offset=True, offset_scale_mas=0.0), ValueError,
         r"offset_scale_mas must be > 0"),
    Case("gaia-plx-column", fit(gaia.cluster_marginal, **changed(PLX, plx_mas=PLX["plx_mas"][:, None])), ValueError,
         r"plx_mas must have shape \(N,\) with N = 6; got shape \(6, 1\)"),
    Case("gaia-err-column", fit(gaia.cluster, **changed(PLX, plx_err_mas=PLX["plx_err_mas"][:, None])), ValueError,
         r"plx_err_mas must have shape \(N,\); got shape \(6, 1\)"),
    Case("gaia-zero-point-length", fit(gaia.cluster_marginal, **PLX, zero_point_mas=np.zeros(5)), ValueError,
         r"zero_point_mas must have shape \(\) or \(N,\) with N = 6; got shape \(5,\)"),
    Case("gaia-no-parallaxes", fit(gaia.cluster_marginal, plx_err_mas=PLX["plx_err_mas"]), ValueError,
         r"no observations given: plx_mas is None"),
    Case("gaia-negative-error", fit(gaia.cluster_marginal, **changed(PLX, plx_err_mas=-PLX["plx_err_mas"])), ValueError,
         r"plx_err_mas must be > 0 everywhere"),
    Case("gaia-nan-parallax", fit(gaia.cluster_marginal, **changed(PLX, plx_mas=np.full(6, np.nan))), ValueError,
         r"plx_mas has 6 non-finite value"),
    Case("gaia-star-length-scale", fit(gaia.single_star, plx_err_mas=0.1, plx_mas=1.0, L_pc=0.0), ValueError,
         r"L_pc must be > 0"),
    Case("gaia-star-shapes", fit(gaia.single_star, plx_err_mas=0.1, plx_mas=np.ones(3)), ValueError,
         r"plx_mas must have the shape of plx_err_mas \(\), got \(3,\)"),
    Case("gaia-star-no-parallax", fit(gaia.single_star, plx_err_mas=0.1), ValueError,
         r"no observations given: plx_mas is None"),
    # ---- supernovae (every cosmology)
    Case("sn-omega-lambda-max-negative", fit(supernova.lcdm, **SN, omega_lambda_max=-1.0), ValueError,
         r"omega_lambda_max must be > 0"),
    Case("sn-offset-scale", fit(supernova.flat_lcdm, **SN, offset="fitted", offset_scale=0.0), ValueError,
         r"offset_scale must be > 0"),
    Case("sn-offset-mean-nan", fit(supernova.flat_wcdm, **SN, offset_mean=float("nan")), ValueError,
         r"offset_mean has 1 non-finite value"),
    Case("sn-mag-column", fit(supernova.flat_w0wa, **changed(SN, mag=SN["mag"][:, None])), ValueError,
         r"mag must have shape \(N,\) with N = 8; got shape \(8, 1\)"),
    Case("sn-z-column", fit(supernova.flat_lcdm, **changed(SN, z=SN["z"][:, None])), ValueError,
         r"z must have shape \(N,\); got shape \(8, 1\)"),
    Case("sn-scale-tril-size", fit(supernova.lcdm, **without(SN, "sigma_mag"), scale_tril=np.eye(7)), ValueError,
         r"scale_tril must have shape \(N, N\) with N = 8; got shape \(7, 7\)"),
    Case("sn-scale-tril-upper", fit(supernova.flat_lcdm, **without(SN, "sigma_mag"), scale_tril=np.triu(np.ones((8, 8)))),
         ValueError, r"scale_tril must be lower triangular"),
    Case("sn-both-errors", fit(supernova.flat_lcdm, **SN, scale_tril=np.eye(8)), ValueError,
         r"give exactly one of sigma_mag"),
    Case("sn-no-errors", fit(supernova.flat_wcdm, **without(SN, "sigma_mag")), ValueError,
         r"give exactly one of sigma_mag"),
    Case("sn-negative-z", fit(supernova.flat_lcdm, **changed(SN, z=-SN["z"])), ValueError, r"z must be > 0 everywhere"),
    Case("sn-no-magnitudes", fit(supernova.flat_w0wa, **without(SN, "mag")), ValueError,
         r"no observations given: mag is None"),
    Case("sn-bad-offset-kind", fit(supernova.lcdm, **SN, offset="free"), ValueError, r"offset must be one of"),
    Case("sn-lists", fit(supernova.flat_lcdm, **changed(SN, mag=[1.0, 2.0])), ValueError,
         r"mag must have shape \(N,\) with N = 8; got shape \(2,\)"),
    # ---- VLBI
    Case("vlbi-reversed-diameter", fit(vlbi.mring, **RING, d_range_uas=(70.0, 20.0)), ValueError,
         r"d_range_uas must satisfy low < high \(both finite\), got \(70.0, 20.0\)"),
    Case("vlbi-negative-width", fit(vlbi.mring, **RING, width_range_uas=(-1.0, 40.0)), ValueError,
         r"d_range_uas and width_range_uas must be > 0"),
    Case("vlbi-diameter-not-a-pair", fit(vlbi.mring, **RING, d_range_uas=42.0), ValueError,
         r"d_range_uas must be a \(low, high\) pair of numbers, got 42.0"),
    Case("vlbi-beta-max", fit(vlbi.mring, **RING, beta_max=0.0), ValueError, r"beta_max must be > 0"),
    Case("vlbi-systematic-scale", fit(vlbi.mring, **RING, systematic_scale=-0.1), ValueError,
         r"systematic_scale must be > 0"),
    Case("vlbi-jax-index-out-of-range",
         fit(vlbi.mring, **changed(RING, cphase_index=jnp.array([[0, 1, 2], [3, 4, 999]]))), ValueError,
         r"cphase_index must hold indices in 0..5, got 0..999"),
    Case("vlbi-negative-index", fit(vlbi.mring, **changed(RING, lcamp_index=np.array([[0, 1, 2, -1]]))), ValueError,
         r"lcamp_index must hold indices in 0..5, got -1..2"),
    Case("vlbi-float-index", fit(vlbi.mring, **changed(RING, cphase_index=np.array([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]))),
         ValueError, r"cphase_index must hold integers"),
    Case("vlbi-index-width", fit(vlbi.mring, **changed(RING, cphase_index=np.array([[0, 1], [3, 4]]))), ValueError,
         r"cphase_index must have shape \(M, 3\); got shape \(2, 2\)"),
    Case("vlbi-list-index-out-of-range", fit(vlbi.mring, **changed(RING, cphase_index=[[0, 1, 2], [3, 4, 6]])),
         ValueError, r"cphase_index must hold indices in 0..5, got 0..6"),
    Case("vlbi-cphase-length", fit(vlbi.mring, **changed(RING, cphase=np.zeros(3))), ValueError,
         r"cphase must have shape \(M,\) with M = 2; got shape \(3,\)"),
    Case("vlbi-no-closures", fit(vlbi.mring, **without(RING, "cphase", "lcamp")), ValueError,
         r"no observations given: cphase, lcamp, amp are None"),
    Case("vlbi-jax-station-out-of-range",
         fit(vlbi.mring, **RING, use_amplitudes=True, amp=np.ones(6), amp_sigma=np.full(6, 0.1),
             station1=jnp.zeros(6, int), station2=jnp.full(6, 8)), ValueError,
         r"station2 must hold indices in 0..7, got 8..8"),
    Case("vlbi-order-zero", fit(vlbi.mring, **RING, order=0), ValueError, r"order must be >= 1, got 0"),
    Case("vlbi-gaussian-shift-scale", fit(vlbi.gaussian, **GAUSS, shift_scale_uas=0.0), ValueError,
         r"shift_scale_uas must be > 0"),
    Case("vlbi-gaussian-column", fit(vlbi.gaussian, **changed(GAUSS, vis_re=np.ones((6, 1)))), ValueError,
         r"vis_re must have shape \(N,\) with N = 6; got shape \(6, 1\)"),
    Case("vlbi-gaussian-no-data", fit(vlbi.gaussian, **without(GAUSS, "vis_re", "vis_im")), ValueError,
         r"no observations given: vis_re, vis_im are None"),
    # ---- SED
    Case("sed-flux-two-rows", fit(sed.photometry, **changed(GALAXY, flux=np.full((2, N_BAND), 1e-8))), ValueError,
         r"flux must have shape \(n_band,\) with n_band = 14 \(one entry per band: .*\), got shape \(2, 14\)"),
    Case("sed-flux-err-length", fit(sed.photometry, **changed(GALAXY, flux_err=np.full(N_BAND + 1, 1e-9))), ValueError,
         r"flux_err must have shape \(n_band,\) with n_band = 14 \(one entry .*\), got shape \(15,\)"),
    Case("sed-no-flux", fit(sed.photometry, **without(GALAXY, "flux")), ValueError,
         r"no observations given: flux is None"),
    Case("sed-reversed-z-range", fit(sed.photometry, **changed(GALAXY, redshift=None), z_range=(1.0, 0.1)), ValueError,
         r"z_range must satisfy low < high"),
    Case("sed-catalog-redshift-column", fit(sed.photometry_catalog, **changed(CATALOG, redshift=np.ones((3, 1)))),
         ValueError, r"redshift must have shape \(N,\); got shape \(3, 1\)"),
    Case("sed-catalog-flux-1d", fit(sed.photometry_catalog, **changed(CATALOG, flux=np.full(N_BAND, 1e-8))), ValueError,
         r"flux must have shape \(N, n_band\) with N = 3 galaxies, n_band = 14 \(one entry .*\), got shape \(14,\)"),
    Case("sed-catalog-no-flux", fit(sed.photometry_catalog, **without(CATALOG, "flux")), ValueError,
         r"no observations given: flux is None"),
]
