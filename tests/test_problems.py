"""The problem registry and the command line."""

import inspect

import pytest

from astrozoo import problems
from astrozoo.cli import main
from astrozoo.inference import load

LINE_PROBLEMS = ["line", "line-scatter", "line-2d", "line-outliers", "line-outliers-synthetic"]


def test_registry_lists_the_line_problems():
    names = [p.name for p in problems.all_problems()]
    assert names[: len(LINE_PROBLEMS)] == LINE_PROBLEMS


@pytest.mark.parametrize("problem", problems.all_problems(), ids=lambda p: p.name)
def test_every_problem_is_well_formed(problem):
    data = problem.load()
    parameters = inspect.signature(problem.model).parameters
    assert set(data) <= set(parameters), f"{problem.name}: load() gives arguments the model lacks"
    assert set(problem.observed) <= set(data)
    assert problem.method in ("nuts", "svi", "map")
    assert problem.report and set(problem.references) <= set(problem.report)


def test_unknown_problem_lists_known_ones():
    with pytest.raises(ValueError, match="unknown problem 'nope'; known problems: line, "):
        problems.get("nope")


def test_cli_list(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in LINE_PROBLEMS)


def test_cli_fit_and_report(tmp_path, capsys):
    out = tmp_path / "fit.nc"
    assert main(["fit", "line", "--chains", "2", "--warmup", "300", "--draws", "300", "--seed", "1", "--out", str(out)]) == 0
    idata = load(out)
    assert {"posterior", "sample_stats", "log_likelihood", "observed_data", "prior", "prior_predictive",
            "posterior_predictive"} <= set(idata.groups())
    assert idata.attrs["problem"] == "line" and idata.posterior.sizes == {"chain": 2, "draw": 300}
    assert main(["report", str(out), "--out", str(tmp_path / "report")]) == 0
    written = {p.name for p in (tmp_path / "report").iterdir()}
    assert {"corner.png", "trace.png", "ppc.png", "prior_ppc.png", "summary.csv", "summary.md", "index.html"} <= written
    page = (tmp_path / "report" / "index.html").read_text()
    assert "corner.png" in page and "Hogg et al. (2010), exercise 1" in page
    table = (tmp_path / "report" / "summary.md").read_text()
    assert table.splitlines()[0].startswith("| | mean | sd")


def test_cli_reports_errors_plainly(capsys):
    assert main(["fit", "nope"]) == 2
    assert "astrozoo: error: unknown problem 'nope'" in capsys.readouterr().err
