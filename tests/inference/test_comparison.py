"""PSIS-LOO against the exact leave-one-out of a Gaussian-linear model; comparisons of fits of the same data."""

import arviz as az
import numpy as np
import pytest
from scipy import stats

from astrozoo.cli import main
from astrozoo.data.line import hogg2010
from astrozoo.inference import nuts, save
from astrozoo.inference.comparison import compare, loo, observed_digest
from astrozoo.models.line import line, line_outliers

pytestmark = pytest.mark.filterwarnings("ignore::astrozoo.inference.diagnostics.ConvergenceWarning",
                                        "ignore::UserWarning")
SCALES = {"slope_scale": 10.0, "intercept_scale": 100.0}


def _exact_loo(x, y, sigma):
    """Σ_i log p(y_i | y_-i) of the line with Gaussian priors: each predictive is Gaussian in closed form."""
    design = np.stack([x, np.ones_like(x)], axis=1)
    prior_precision = np.diag([SCALES["slope_scale"] ** -2, SCALES["intercept_scale"] ** -2])
    total = 0.0
    for i in range(len(x)):
        keep = np.arange(len(x)) != i
        weights = np.diag(sigma[keep] ** -2)
        cov = np.linalg.inv(design[keep].T @ weights @ design[keep] + prior_precision)
        mean = cov @ design[keep].T @ weights @ y[keep]
        total += stats.norm.logpdf(y[i], design[i] @ mean, np.sqrt(sigma[i] ** 2 + design[i] @ cov @ design[i]))
    return total


@pytest.fixture(scope="module")
def hogg_fits():
    data = hogg2010.table1()
    args = (data["x"], data["sigma_y"])
    return {
        "line": nuts(line, *args, y=data["y"], warmup=500, seed=1, progress=False),
        "line-outliers": nuts(line_outliers, *args, y=data["y"], target_accept=0.95, warmup=500, seed=1,
                              progress=False),
    }


def test_psis_loo_matches_the_exact_leave_one_out_of_a_gaussian_linear_model():
    data = hogg2010.table1(first=5)  # the 16 points without outliers
    x, y, sigma = data["x"], data["y"], data["sigma_y"]
    result = loo(nuts(line, x, sigma, y=y, **SCALES, warmup=500, seed=3, progress=False))
    assert result.points == 16 and result.bad_k <= 1  # the point of highest leverage measured k̂ 0.62 and 0.72
    assert result.elpd_loo == pytest.approx(_exact_loo(x, y, sigma), abs=0.35)  # measured: 0.25
    assert result.p_loo == pytest.approx(2.0, abs=0.3)  # two parameters, weak priors


def test_loo_finds_the_outliers_and_the_comparison_prefers_the_mixture(hogg_fits):
    plain = loo(hogg_fits["line"])
    assert plain.bad_k >= 3  # the outliers cannot be left out reliably under the plain line
    assert plain.worst[0][1] in {0, 1, 2, 3}  # the worst is one of Hogg's outliers, his points 1 to 4
    table = compare(hogg_fits)
    assert list(table.index) == ["line-outliers", "line"]
    assert table.loc["line", "elpd_diff"] > 2 * table.loc["line", "dse"]
    assert table.loc["line-outliers", "weight"] > 0.9


def test_compare_refuses_fits_of_different_data(hogg_fits):
    data = hogg2010.table1(first=5)
    other = nuts(line, data["x"], data["sigma_y"], y=data["y"], warmup=100, draws=100, progress=False)
    with pytest.raises(ValueError, match=r"the fits are of different data \(same data within each group: "
                                         r"line, line-outliers; subset\)"):
        compare(hogg_fits | {"subset": other})
    assert observed_digest(hogg_fits["line"]) == observed_digest(hogg_fits["line-outliers"])


def test_compare_needs_two_fits_with_a_log_likelihood(hogg_fits):
    with pytest.raises(ValueError, match="compare needs at least two fits, got 1"):
        compare({"line": hogg_fits["line"]})
    bare = az.InferenceData(posterior=hogg_fits["line"].posterior, observed_data=hogg_fits["line"].observed_data)
    with pytest.raises(ValueError, match="the fit has no log_likelihood group"):
        compare({"a": bare, "b": hogg_fits["line"]})


def test_compare_command_writes_the_table_and_the_plot(hogg_fits, tmp_path, capsys):
    files = [save(idata, tmp_path / f"{name}.nc") for name, idata in hogg_fits.items()]
    assert main(["compare", *map(str, files), "--out", str(tmp_path / "cmp")]) == 0
    shown = capsys.readouterr().out
    assert shown.index("line-outliers") < shown.index("\nline ")
    assert {"comparison.csv", "comparison.md", "comparison.png"} <= {p.name for p in (tmp_path / "cmp").iterdir()}
    assert main(["compare", str(files[0])]) == 1
    assert "compare needs at least two fits, got 1" in capsys.readouterr().err


def test_report_shows_loo_and_names_the_points_of_high_pareto_k(hogg_fits, tmp_path):
    from astrozoo.report import write_report

    page = write_report(hogg_fits["line"], tmp_path / "report").read_text()
    result = loo(hogg_fits["line"])
    assert "Leave-one-out cross-validation (PSIS-LOO)" in page
    assert f"{result.elpd_loo:.2f} ± {result.se:.2f}" in page
    assert f"y[{result.worst[0][1]}] k̂ = {result.worst[0][2]:.2f}" in page
