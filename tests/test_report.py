"""Reports: of fits of any size, and of fits whose variables have one value per object (galaxy, star, ...)."""

import os

import arviz as az
import numpy as np
import pandas as pd
import pytest

from astrozoo.report import SHOWN_PER_DIMENSION, corner_columns, corner_gap, write_report


def test_report_of_a_catalogue_shows_the_first_entries_and_keeps_all_in_the_csv(tmp_path):
    rng = np.random.default_rng(0)
    idata = az.from_dict(
        posterior={"mass": rng.normal(size=(2, 50, 200)), "slope": rng.normal(size=(2, 50))},
        dims={"mass": ["galaxy"]},
    )
    index = write_report(idata, tmp_path)
    assert {"corner.png", "trace.png", "summary.csv", "summary.md"} <= {p.name for p in tmp_path.iterdir()}
    assert len(pd.read_csv(tmp_path / "summary.csv", index_col=0)) == 200 + 1
    table_rows = (tmp_path / "summary.md").read_text().splitlines()[2:]
    assert len(table_rows) == SHOWN_PER_DIMENSION + 1
    assert "mass[0]" in index.read_text() and "mass[3]" not in index.read_text()


def fit_of(chains: int, draws: int, constant: bool = False) -> az.InferenceData:
    """A fit of ``chains`` × ``draws`` with observed data, 7 prior predictive draws and one per posterior draw."""
    rng = np.random.default_rng(1)
    a = np.full((chains, draws), 2.5) if constant else rng.normal(size=(chains, draws))
    return az.from_dict(
        posterior={"a": a, "b": rng.normal(size=(chains, draws))}, observed_data={"y": rng.normal(size=6)},
        posterior_predictive={"y": rng.normal(size=(chains, draws, 6))},
        prior_predictive={"y": rng.normal(size=(1, 7, 6))},
    )


@pytest.mark.parametrize("chains, draws, constant", [(1, 1, False), (2, 10, False), (1, 20, True)])
def test_report_of_a_fit_of_any_size(chains, draws, constant, tmp_path):
    index = write_report(fit_of(chains, draws, constant), tmp_path)
    files = set(os.listdir(tmp_path))
    assert {"index.html", "summary.csv", "summary.md", "ppc.png", "prior_ppc.png"} <= files
    assert not [name for name in files if name.startswith(".")]  # no temporary file left
    page = index.read_text()
    if chains * draws == 1:
        assert "corner.png" not in files and "trace.png" not in files
        assert "<p>no corner plot: 1 draw(s) of 2 quantities</p>" in page
    else:
        assert {"corner.png", "trace.png"} <= files and "no corner plot" not in page


def test_corner_columns_are_labelled_as_in_the_summary():
    posterior = az.from_dict(
        posterior={"m": np.arange(24.0).reshape(1, 3, 4, 2), "s": np.zeros((1, 3))},
        dims={"m": ["galaxy", "band"]}, coords={"galaxy": list("abcd"), "band": ["u", "g"]},
    ).posterior
    samples, labels = corner_columns(posterior, ["m", "s"])
    assert labels == ["m[a, u]", "m[a, g]", "m[b, u]", "m[b, g]", "m[c, u]", "m[c, g]", "m[d, u]", "m[d, g]", "s"]
    assert labels[:-1] == list(az.summary(posterior, var_names=["m"]).index)
    np.testing.assert_array_equal(samples[:, 3], posterior["m"].values[0, :, 1, 1])
    assert corner_gap(samples) == "no corner plot: 3 draw(s) of 9 quantities"
    assert corner_gap(samples[:, :2]) is None
    assert corner_gap(np.array([[1.0], [np.nan]])) == "no corner plot: some draws are NaN or infinite"


def test_report_warns_of_the_measured_coverage_of_approximate_methods():
    from astrozoo.report import coverage_note

    assert "0.5 % of mocks" in coverage_note({"inference": "svi-normal"})
    assert "45-62 %" in coverage_note({"inference": "laplace-per-object"})
    assert "exact only for a Gaussian posterior" in coverage_note({"inference": "laplace"})
    assert coverage_note({"inference": "nuts"}) == "" and coverage_note({}) == ""
