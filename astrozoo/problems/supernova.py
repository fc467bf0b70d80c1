"""Type Ia supernova cosmology problems: Union2.1 (Suzuki et al. 2012) and binned Pantheon (Scolnic et al. 2018)."""

from astrozoo.problems import Problem, Reference

UNION21_CITATION = "Suzuki et al. (2012), ApJ 746, 85: the Union2.1 compilation"
PANTHEON_CITATION = "Scolnic et al. (2018), ApJ 859, 101: the Pantheon sample"
_FIGURES = "astrozoo.figures.supernova"

_SETTINGS = {"chains": 4, "warmup": 500, "draws": 1000}
PANTHEON_OFFSET = -19.35
"""Centre (mag) of the offset's simulation prior for Pantheon m_B: M ≈ −19.35 at H0 = 70."""


def _union21():
    from astrozoo.data.supernova.hubble_diagrams import union21

    table = union21()
    return {"z": table["z"], "sigma_mag": table["sigma_mu"], "mag": table["mu"]}


def _union21_curved():
    """Union2.1 with ΩΛ < 1.2: every prior draw then has a big bang beyond z = 1.414
    (see :func:`astrozoo.models.supernova.lcdm`); no posterior draw of a U(0, 2) fit exceeds 1.11."""
    return _union21() | {"omega_lambda_max": 1.2}


def _pantheon():
    from astrozoo.data.supernova.hubble_diagrams import pantheon_binned
    from astrozoo.models.supernova import covariance_cholesky

    table = pantheon_binned()
    return {
        "z": table["z"],
        "scale_tril": covariance_cholesky(table["cov"], "pantheon-binned covariance"),
        "mag": table["mb"],
        "offset_mean": PANTHEON_OFFSET,
    }


_SCOLNIC = "Scolnic et al. (2018), ApJ 859, 101: flat ΛCDM from SNe Ia alone (full Pantheon sample)"

PROBLEMS = [
    Problem(
        name="sn-union21-flat-lcdm",
        title="Flat ΛCDM from the Union2.1 Hubble diagram (580 SNe Ia, offset marginalised)",
        model_path="astrozoo.models.supernova:flat_lcdm",
        load=_union21,
        observed=("mag",),
        settings=_SETTINGS,
        report=("omega_m", "offset"),
        plots=(f"{_FIGURES}:hubble_figure",),
        citation=UNION21_CITATION,
    ),
    Problem(
        name="sn-union21-lcdm",
        title="ΛCDM with curvature, (Ωm, ΩΛ), from Union2.1 (offset marginalised)",
        model_path="astrozoo.models.supernova:lcdm",
        load=_union21_curved,
        observed=("mag",),
        settings=_SETTINGS | {"dense_mass": True},
        report=("omega_m", "omega_lambda", "omega_k", "offset"),
        plots=(f"{_FIGURES}:density_figure", f"{_FIGURES}:hubble_figure",),
        citation=UNION21_CITATION,
    ),
    Problem(
        name="sn-pantheon-flat-lcdm",
        title="Flat ΛCDM from binned Pantheon with its systematic covariance (M marginalised)",
        model_path="astrozoo.models.supernova:flat_lcdm",
        load=_pantheon,
        observed=("mag",),
        settings=_SETTINGS,
        report=("omega_m", "offset"),
        references={"omega_m": Reference(0.298, 0.022, _SCOLNIC)},
        plots=(f"{_FIGURES}:hubble_figure",),
        citation=PANTHEON_CITATION,
    ),
    Problem(
        name="sn-pantheon-wcdm",
        title="Flat wCDM, (Ωm, w), from binned Pantheon with its systematic covariance (M marginalised)",
        model_path="astrozoo.models.supernova:flat_wcdm",
        load=_pantheon,
        observed=("mag",),
        settings={"chains": 4, "warmup": 1000, "draws": 2000, "dense_mass": True},  # a curved Ωm–w degeneracy
        report=("omega_m", "w", "offset"),
        plots=(f"{_FIGURES}:w_figure", f"{_FIGURES}:hubble_figure",),
        citation=PANTHEON_CITATION,
    ),
]
