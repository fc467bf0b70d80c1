"""The problem registry and the command line."""

import inspect
import subprocess
import sys

import pytest

from astrozoo import problems
from astrozoo.cli import main
from astrozoo.inference import load

LINE_PROBLEMS = ["line", "line-scatter", "line-all", "line-scatter-all", "line-2d", "line-outliers",
                 "line-outliers-synthetic"]


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
    for path in problem.plots + problem.summaries:
        assert callable(problems.resolve(path)), path


def test_the_declarations_import_no_jax():
    """Listing problems stays fast: models, figures and summaries are imported on use."""
    code = ("import sys; from astrozoo.problems import all_problems; all_problems(); "
            "print(sorted(m for m in ('jax', 'numpyro', 'arviz', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_declared_starts_are_the_drivers_starts():
    from astrozoo.inference.starts import STARTS

    assert problems.STARTS == STARTS


@pytest.mark.parametrize(
    "change, message",
    [
        ({"method": "mcmc"}, r"problem 'line': method must be one of \('nuts', 'svi', 'map'\), got 'mcmc'"),
        ({"start": "random"}, r"problem 'line': start must be one of"),
        ({"objects": ("x",)}, r"problem 'line': a problem fitted object by object has method 'map'"),
    ],
)
def test_a_problem_declaration_is_checked(change, message):
    import dataclasses

    with pytest.raises(ValueError, match=message):
        dataclasses.replace(problems.get("line"), **change)


@pytest.mark.parametrize(
    "method, overrides, message",
    [
        ("map", {"chains": 0}, r"method 'map' does not take the setting\(s\) \['chains'\]"),
        ("svi", {"warmup": -9}, r"method 'svi' does not take the setting\(s\) \['warmup'\]"),
        ("nuts", {"nuts_galaxies": 8}, r"does not take the setting\(s\) \['nuts_galaxies'\]"),
    ],
)
def test_settings_a_driver_does_not_take_are_an_error(method, overrides, message):
    from astrozoo.fitting import driver_settings

    with pytest.raises(ValueError, match=message):
        driver_settings(problems.get("line"), method, overrides)


def test_the_problem_settings_go_to_its_own_method_only():
    from astrozoo.fitting import driver_settings

    problem = problems.get("line-outliers")
    assert driver_settings(problem, "nuts", {"chains": None, "seed": 3}) == dict(problem.settings) | {"seed": 3}
    assert driver_settings(problem, "map", {"draws": 10}) == {"draws": 10}


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
    assert main(["fit", "nope"]) == 1
    assert "astrozoo: error: unknown problem 'nope'" in capsys.readouterr().err
