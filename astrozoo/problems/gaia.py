"""Gaia parallax problems: one star's distance and the distance to M67 (the NumPyro introduction)."""

from astrozoo.problems import Problem

_CLUSTER_COLUMNS = ("plx_err_mas", "zero_point_mas", "plx_mas")
_REPORT = ("D", "sigma", "L", "Q")
_M67_CITATION = (
    "Gaia Collaboration, Vallenari et al. (2023), A&A 674, A1 (Gaia DR3); "
    "Lindegren et al. (2021), A&A 649, A4 (parallax zero-point); "
    "D. Foreman-Mackey, An introduction to NumPyro for astronomers (data/m67.fits.gz); "
    "Bailer-Jones (2015), PASP 127, 994 (distance prior)"
)
_FIGURES = "astrozoo.figures.gaia"


def _m67():
    from astrozoo.data.gaia import m67

    return m67.load()


def _load_m67():
    data = _m67()
    return {c: data[c] for c in _CLUSTER_COLUMNS}


def _load_star():
    """The brightest star passing the cut (a precise parallax), as arrays of length 1."""
    data = _m67()
    i = int(data["phot_g_mean_mag"].argmin())
    return {c: data[c][i : i + 1] for c in _CLUSTER_COLUMNS}


_M67_DRAWS = {"chains": 2, "warmup": 150, "draws": 800}
# With the Laplace covariance as mass matrix the posterior looks like a standard normal to NUTS,
# for which the optimal acceptance rate is 0.651 (Beskos et al. 2013, Bernoulli 19, 1501):
# steps near 1.0 and about 3 leapfrog steps per draw instead of 0.76 and 5 at the default 0.8.
_M67_SETTINGS = _M67_DRAWS | {"target_accept": 0.65}
# The latent distances start at the median of 15 prior draws: NumPyro's default start, uniform
# in (−2, 2) in the unconstrained space, puts every star within 7.4 pc of the Sun, from where the
# chains do not converge (r_hat 1.9 after 2 x (2,000 + 4,000) in bench/bench_gaia.py). Its target
# acceptance stays at the default 0.8: 4,267 parameters with an adapted diagonal mass matrix.
_M67_LATENT_SETTINGS = _M67_DRAWS

PROBLEMS = [
    Problem(
        name="gaia-star",
        title="One star's distance from its Gaia DR3 parallax (exponentially decreasing density prior)",
        model_path="astrozoo.models.gaia:single_star",
        load=_load_star,
        observed=("plx_mas",),
        settings={"chains": 2, "warmup": 1000, "draws": 2000},
        report=("r",),
        citation=_M67_CITATION,
    ),
    Problem(
        name="gaia-m67",
        title="Distance to M67: cluster + field mixture on 4,263 Gaia DR3 parallaxes (distances integrated out)",
        model_path="astrozoo.models.gaia:cluster_marginal",
        load=_load_m67,
        observed=("plx_mas",),
        settings=_M67_SETTINGS,
        report=_REPORT,
        plots=(f"{_FIGURES}:cmd_figure", f"{_FIGURES}:parallax_ppc_figure"),
        start="laplace",
        citation=_M67_CITATION,
    ),
    Problem(
        name="gaia-m67-latent",
        title="Distance to M67 with one latent distance per star (the NumPyro introduction's formulation)",
        model_path="astrozoo.models.gaia:cluster",
        load=_load_m67,
        observed=("plx_mas",),
        settings=_M67_LATENT_SETTINGS,
        start="prior-median",
        report=_REPORT,
        plots=(f"{_FIGURES}:parallax_ppc_figure",),
        citation=_M67_CITATION,
        in_demo=False,
    ),
]
