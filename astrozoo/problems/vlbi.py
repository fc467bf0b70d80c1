"""VLBI problems: a Gaussian on synthetic data and the EHT 2017 M87 m-ring (EHT Collaboration 2019, ApJL 875, L1-L6)."""

from astrozoo.problems import Problem

_FIGURES = "astrozoo.figures.vlbi"
EHT_CITATION = "EHT Collaboration 2019, ApJL 875, L3 (M87 2017 data release 2019-D01-01)"
_MRING_REPORT = ("d_uas", "width_uas", "beta_abs", "pa_deg", "f_sys")


def load_m87(day: str = "101") -> dict:
    """The m-ring's keyword arguments for one day: both bands, scan averaged, minimal closure sets."""
    from astrozoo.data.vlbi import eht2017
    from astrozoo.models.vlbi.closures import closure_kwargs

    return closure_kwargs(eht2017.load(day))


def _load_gaussian():
    from astrozoo.data.vlbi.synthetic import gaussian_data

    return gaussian_data()[0]


PROBLEMS = [
    Problem(
        name="vlbi-gaussian-synthetic",
        title="Circular Gaussian fitted to real and imaginary parts: synthetic data on EHT 2017 day 101 coverage",
        model_path="astrozoo.models.vlbi.model:gaussian",
        load=_load_gaussian,
        observed=("vis_re", "vis_im"),
        settings={"chains": 4, "warmup": 500, "draws": 500, "dense_mass": True},
        report=("flux", "fwhm_uas", "x0_uas", "y0_uas"),
        start="best-of-optima",
        citation="synthetic; (u, v) and σ of EHT Collaboration 2019, ApJL 875, L3 (M87, 2017 April 11)",
    ),
    Problem(
        name="vlbi-m87",
        title="EHT 2017 M87, April 11 (both bands): thick m-ring (m = 1) on closure phases and log closure amplitudes",
        model_path="astrozoo.models.vlbi.model:mring",
        load=load_m87,
        observed=("cphase", "lcamp"),
        settings={"chains": 4, "warmup": 500, "draws": 500},
        report=_MRING_REPORT,
        plots=(f"{_FIGURES}:residual_figure", f"{_FIGURES}:closure_phase_check", f"{_FIGURES}:image_figure"),
        summaries=(f"{_FIGURES}:closure_chi2_summary",),
        start="best-of-optima",
        citation=f"{EHT_CITATION}; m-ring of Johnson et al. 2020, Sci. Adv. 6, eaaz1310",
    ),
]
