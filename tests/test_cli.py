"""The command line, run in-process through ``astrozoo.cli.main`` (and once as a process, for SIGTERM).

A mistake of the user ends with a message and a non-zero exit status, never a
traceback: 2 for a usage error (options, --out, environment), 1 for a request
the library refuses, 130 and 143 for SIGINT and SIGTERM.
"""

import logging
import os
import signal
import subprocess
import sys
import textwrap
import time

import arviz as az
import numpy as np
import pytest
import xarray as xr

from astrozoo import cli, fitting
from astrozoo.inference import save
from astrozoo.problems import all_problems


def run(argv, capsys) -> tuple[int, str]:
    """The exit status of ``astrozoo ARGV`` and its stderr (argparse exits by SystemExit)."""
    try:
        code = cli.main(argv)
    except SystemExit as done:
        code = done.code
    return code, capsys.readouterr().err


@pytest.fixture
def places(tmp_path):
    """Paths to put in an argv: a folder, a text file, a truncated fit."""
    (tmp_path / "file").write_text("not a fit\n")
    fit = save(az.from_dict(posterior={"a": np.zeros((1, 50))}), tmp_path / "cut.nc")
    fit.write_bytes(fit.read_bytes()[:1000])
    return {"tmp": str(tmp_path), "file": str(tmp_path / "file"), "cut": str(fit)}


def fail(*args, **kwargs):
    raise AssertionError("this should not have run")


@pytest.fixture
def no_fit(monkeypatch):
    """Any call of the fitting pipeline fails the test: the mistake must be found before it."""
    monkeypatch.setattr(fitting, "fit_problem", fail)


@pytest.fixture
def no_data(monkeypatch):
    """Loading a problem's data fails the test: its settings are checked before."""
    monkeypatch.setattr(fitting.registry, "recording", fail)


USAGE_ERRORS = [
    (["fit", "line", "--seed", "1e20"], "argument --seed: must be a whole number from 0 to 4294967295, got '1e20'"),
    (["fit", "line", "--seed", str(10**20)], "argument --seed: must be a whole number from 0 to 4294967295"),
    (["fit", "line", "--seed", "-1"], "argument --seed: "),
    (["fit", "line", "--chains", "0"], "argument --chains: must be a whole number ≥ 1, got '0'"),
    (["fit", "line", "--chains", "two"], "argument --chains: must be a whole number ≥ 1, got 'two'"),
    (["fit", "line", "--draws", "0"], "argument --draws: must be a whole number ≥ 1"),
    (["fit", "line", "--warmup", "-1"], "argument --warmup: must be a whole number ≥ 0"),
    (["fit", "line", "--method", "hmc"], "argument --method: invalid choice: 'hmc'"),
    (["fit", "line", "--out", "{tmp}"], "argument --out: {tmp} is a folder; give a file name"),
    (["fit", "line", "--out", "{file}/fit.nc"], "argument --out: cannot write {file}/fit.nc: {file} is a file"),
    (["fit", "line", "--out", "/proc/astrozoo/fit.nc"], "argument --out: cannot write /proc/astrozoo/fit.nc"),
    (["fit"], "the following arguments are required: problem"),
    (["fit", "line", "--bogus"], "unrecognized arguments: --bogus"),
    (["frobnicate"], "argument command: invalid choice: 'frobnicate'"),
    ([], "the following arguments are required: command"),
    (["report", "{file}", "--out", "{file}"], "argument --out: {file} is a file; give a folder"),
    (["demo", "--out", "{file}"], "argument --out: {file} is a file; give a folder"),
    (["data", "build-ssp", "--points", "1"], "argument --points: must be a whole number ≥ 2"),
    (["data", "build-ssp", "--wavelength-range", "0", "10"], "argument --wavelength-range: must be a finite wavelength"),
    (["data", "build-ssp", "--wheel", "{tmp}/none.whl"], "argument --wheel: no file at '{tmp}/none.whl'"),
    (["data", "build-ssp", "--out", "{tmp}"], "argument --out: {tmp} is a folder"),
]

ENVIRONMENT_ERRORS = [
    ({"ASTROZOO_CPU_DEVICES": "abc"}, "ASTROZOO_CPU_DEVICES must be a whole number ≥ 1, got 'abc'"),
    ({"ASTROZOO_CPU_DEVICES": "0"}, "ASTROZOO_CPU_DEVICES must be a whole number ≥ 1, got '0'"),
    ({"ASTROZOO_JAX_CACHE": "/proc/astrozoo-jax"}, "ASTROZOO_JAX_CACHE: cannot write /proc/astrozoo-jax"),
    ({"ASTROZOO_JAX_CACHE": "{file}/jax"}, "ASTROZOO_JAX_CACHE: cannot write {file}/jax: {file} is a file"),
    ({"ASTROZOO_DATA_DIR": "{tmp}/mirror"}, "ASTROZOO_DATA_DIR must be an existing folder, got '{tmp}/mirror'"),
    ({"ASTROZOO_CACHE": ""}, "ASTROZOO_CACHE must name a folder for downloads, got ''"),
    ({"ASTROZOO_CACHE": "{file}"}, "ASTROZOO_CACHE must name a folder for downloads"),
]

REFUSED = [
    (["fit", "no-such-problem"], "unknown problem 'no-such-problem'; known problems: line, line-scatter"),
    (["fit", "line", "--method", "map", "--chains", "2"], "method 'map' does not take the setting(s) ['chains']"),
    (["fit", "sed-catalog-mock", "--method", "nuts"], "sed-catalog-mock is fitted object by object with method 'map'"),
    (["demo", "line", "no-such-problem", "--out", "{tmp}/reports"], "unknown problem 'no-such-problem'"),
    (["report", "{tmp}/absent.nc"], "no InferenceData file at {tmp}/absent.nc"),
    (["report", "{tmp}"], "{tmp} is a folder, not an InferenceData file"),
    (["report", "{file}", "--out", "{tmp}/report"], "{file} is not an astrozoo fit (InferenceData netCDF)"),
    (["report", "{cut}", "--out", "{tmp}/report"], "{cut} is truncated"),
    (["data", "fetch", "no-such-data"], "unknown dataset 'no-such-data'; registered: "),
    (["data", "build-ssp", "--wavelength-range", "5000", "1000"], "MIN_AA must be below MAX_AA, got 5000 and 1000"),
]


@pytest.mark.parametrize("argv, message", USAGE_ERRORS, ids=[" ".join(a) or "nothing" for a, _ in USAGE_ERRORS])
def test_a_usage_error_exits_2_with_a_message_and_no_traceback(argv, message, places, no_fit, capsys):
    code, err = run([a.format(**places) for a in argv], capsys)
    assert code == 2
    assert message.format(**places) in err and "Traceback" not in err
    assert err.splitlines()[-1].startswith("astrozoo")


@pytest.mark.parametrize("env, message", ENVIRONMENT_ERRORS, ids=[f"{k}={v}" for e, _ in ENVIRONMENT_ERRORS for k, v in e.items()])
@pytest.mark.parametrize("argv", [["list"], ["fit", "line"]])
def test_a_bad_environment_variable_exits_2_before_anything_runs(env, message, argv, places, no_fit, monkeypatch,
                                                                 capsys):
    for name, value in env.items():
        monkeypatch.setenv(name, value.format(**places))
    code, err = run(argv, capsys)
    assert code == 2 and err.count("\n") == 1
    assert err.startswith(f"astrozoo: error: {message.format(**places)}")


def test_a_bad_environment_variable_stops_the_command_not_the_import():
    env = os.environ | {"ASTROZOO_CPU_DEVICES": "abc"}
    done = subprocess.run([sys.executable, "-m", "astrozoo.cli", "list"], env=env, capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stderr == "astrozoo: error: ASTROZOO_CPU_DEVICES must be a whole number ≥ 1, got 'abc'\n"


@pytest.mark.parametrize("argv, message", REFUSED, ids=[" ".join(a) for a, _ in REFUSED])
def test_a_request_the_library_refuses_exits_1_with_one_line(argv, message, places, no_data, capsys):
    code, err = run([a.format(**places) for a in argv], capsys)
    assert code == 1
    lines = [line for line in err.splitlines() if not line.startswith("[astrozoo]")]
    assert len(lines) == 1 and lines[0].startswith("astrozoo: error: ")
    assert message.format(**places) in lines[0]


def test_a_default_out_that_cannot_be_written_stops_before_the_fit(tmp_path, no_fit, monkeypatch, capsys):
    (tmp_path / "line.nc").mkdir()
    monkeypatch.chdir(tmp_path)
    assert run(["fit", "line"], capsys) == (1, "astrozoo: error: line.nc is a folder; give a file name\n")
    (tmp_path / "fit.nc").write_text("not read: the default report folder is checked first")
    (tmp_path / "fit").write_text("x")
    assert run(["report", "fit.nc"], capsys) == (1, "astrozoo: error: fit is a file; give a folder\n")


def test_a_bug_keeps_its_traceback(monkeypatch):
    def broken(name):
        raise TypeError("a bug")
    monkeypatch.setattr("astrozoo.problems.get", broken)
    with pytest.raises(TypeError, match="a bug"):
        cli.main(["fit", "line"])


def tiny_fit(draws: int = 20) -> az.InferenceData:
    rng = np.random.default_rng(0)
    return az.from_dict(posterior={"a": rng.normal(size=(1, draws))}, observed_data={"y": rng.normal(size=5)},
                        posterior_predictive={"y": rng.normal(size=(1, draws, 5))})


@pytest.mark.parametrize("signum, code, line", [
    (signal.SIGINT, 130, "astrozoo: interrupted (SIGINT)\n"),
    (signal.SIGTERM, 143, "astrozoo: terminated (SIGTERM)\n"),
])
def test_a_signal_during_the_save_keeps_the_old_file_and_exits_128_plus_its_number(
        signum, code, line, tmp_path, monkeypatch, capsys):
    out = tmp_path / "line.nc"
    out.write_bytes(b"the previous fit")
    monkeypatch.setattr(fitting, "fit_problem", lambda *args, **kwargs: tiny_fit())
    real = xr.Dataset.to_netcdf

    def signalled(self, *args, **kwargs):
        if kwargs.get("group") == "observed_data":
            os.kill(os.getpid(), signum)  # Python raises it at the next bytecode, mid-save
        return real(self, *args, **kwargs)

    monkeypatch.setattr(xr.Dataset, "to_netcdf", signalled)
    before = signal.getsignal(signal.SIGTERM)
    assert run(["fit", "line", "--out", str(out)], capsys) == (code, line)
    assert out.read_bytes() == b"the previous fit"
    assert os.listdir(tmp_path) == ["line.nc"]
    assert signal.getsignal(signal.SIGTERM) is before  # main put the handler back


SLOW_SAVE = textwrap.dedent("""
    import sys, time
    import arviz as az, numpy as np, xarray as xr
    from astrozoo import cli, fitting
    fitting.fit_problem = lambda *a, **k: az.from_dict(posterior={"a": np.zeros((1, 5))})
    real = xr.Dataset.to_netcdf
    def slow(self, *args, **kwargs):
        print("saving", file=sys.stderr, flush=True)
        time.sleep(30)
    xr.Dataset.to_netcdf = slow
    sys.exit(cli.main(sys.argv[1:]))
""")


def test_sigterm_sent_to_the_process_during_a_save_leaves_no_partial_file(tmp_path):
    out = tmp_path / "fit.nc"
    out.write_bytes(b"the previous fit")
    process = subprocess.Popen([sys.executable, "-c", SLOW_SAVE, "fit", "line", "--quiet", "--out", str(out)],
                               stderr=subprocess.PIPE, text=True)
    while process.stderr.readline() not in ("saving\n", ""):  # warnings may come first
        pass
    process.send_signal(signal.SIGTERM)
    began = time.perf_counter()
    assert process.wait(timeout=60) == 143 and time.perf_counter() - began < 5
    assert process.stderr.read() == "astrozoo: terminated (SIGTERM)\n"
    assert out.read_bytes() == b"the previous fit" and os.listdir(tmp_path) == ["fit.nc"]


@pytest.mark.slow
def test_sigterm_during_a_real_fit_exits_143_and_writes_nothing(tmp_path):
    out = tmp_path / "fit.nc"
    command = [sys.executable, "-m", "astrozoo.cli", "fit", "line-outliers-synthetic", "--chains", "1",
               "--warmup", "50", "--draws", "50", "--out", str(out)]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    process.stderr.readline()  # the first log line: the fit has begun
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=300) == 143
    err = process.stderr.read()
    assert "astrozoo: terminated (SIGTERM)" in err and "Traceback" not in err
    assert os.listdir(tmp_path) == []


def test_report_of_a_fit_of_few_draws(tmp_path, capsys):
    fit = save(tiny_fit(draws=7), tmp_path / "fit.nc")
    assert cli.main(["report", str(fit)]) == 0
    assert capsys.readouterr().out == f"wrote {tmp_path / 'fit' / 'index.html'}\n"
    assert sorted(os.listdir(tmp_path / "fit")) == ["corner.png", "index.html", "ppc.png", "summary.csv",
                                                    "summary.md", "trace.png"]


def test_help_lists_every_command_and_exits_cleanly(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for command in ("list", "fit", "report", "demo", "data", "--quiet"):
        assert command in out


def test_list_prints_every_problem(capsys):
    assert cli.main(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    names = [line.split()[0] for line in lines]
    assert names == [p.name for p in all_problems()]


@pytest.mark.parametrize("argv", [["--quiet", "list"], ["-q", "list"]])
def test_quiet_is_accepted_and_raises_the_log_level(argv, capsys):
    assert cli.main(argv) == 0
    assert logging.getLogger("astrozoo").level == logging.WARNING
    assert cli.main(["list"]) == 0
    assert logging.getLogger("astrozoo").level == logging.INFO


def test_quiet_after_the_command_turns_progress_off():
    args = cli.parser().parse_args(["fit", "line", "--quiet"])
    assert args.quiet and cli._progress(args) is False
    args = cli.parser().parse_args(["fit", "line"])
    assert not args.quiet and cli._progress(args) is None


def test_help_imports_neither_jax_nor_arviz():
    code = "import sys, astrozoo.cli as c; c.parser().format_help(); print(sorted({'jax', 'arviz', 'astropy'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
