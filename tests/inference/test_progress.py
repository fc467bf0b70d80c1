"""Progress bars and chunked programs: the bar changes nothing, and nothing is compiled twice."""

import logging

import jax
import numpy as np
import numpyro
import numpyro.distributions as dist
import pytest

from astrozoo.data.line.synthetic import line_data
from astrozoo.inference import mcmc, nuts, svi, variational
from astrozoo.inference.calibration import sbc
from astrozoo.inference.chain import NutsSettings, one_chain
from astrozoo.inference.chunked import chunk_length, chunks
from astrozoo.inference.compiled import with_static
from astrozoo.inference.progress import progress_bar
from astrozoo.models.line import line

pytestmark = pytest.mark.filterwarnings("ignore::astrozoo.inference.diagnostics.ConvergenceWarning")

PRIORS = {"slope_scale": 1e3, "intercept_scale": 1e3}
SHORT = {"chains": 2, "warmup": 60, "draws": 45, "seed": 4}


@pytest.fixture(scope="module")
def data():
    return line_data(n=25, seed=7)[0]


def _posterior(idata):
    return {name: idata.posterior[name].values for name in ("m", "b")} | {
        name: idata.sample_stats[name].values for name in ("n_steps", "step_size", "diverging")
    }


def _assert_identical(a, b, rtol=0.0):
    assert a.keys() == b.keys()
    for name in a:
        np.testing.assert_allclose(a[name], b[name], rtol=rtol, atol=0.0, err_msg=name)


def test_progress_bar_writes_to_stderr_only_when_enabled(capsys):
    with progress_bar(10, desc="demo", unit="step") as bar:
        bar.update(4)
        bar.update(6)
    shown = capsys.readouterr()
    assert shown.out == "" and "demo" in shown.err and "10/10" in shown.err
    with progress_bar(10, desc="quiet", enabled=False) as bar:
        bar.update(10)
        bar.set_postfix_str("nothing")
    assert capsys.readouterr() == ("", "")


def test_progress_bar_rejects_a_negative_total():
    with pytest.raises(ValueError, match="total must be >= 0, got -1"), progress_bar(-1, desc="x"):
        pass


def test_chunks_cover_the_steps_with_one_length():
    assert chunk_length(4000, 100) == 40 and chunk_length(3, 100) == 1 and chunk_length(101, 100) == 2
    plan = chunks(105, 40, "sampling")
    assert [c.steps for c in plan] == [40, 40, 25] and all(c.keep and c.note == "sampling" for c in plan)
    assert chunks(0, 40, "warm-up") == []


@pytest.mark.parametrize(
    "settings, message",
    [
        (NutsSettings(warmup=-1), "warmup must be >= 0, got -1"),
        (NutsSettings(draws=0), "draws must be >= 1, got 0"),
        (NutsSettings(target_accept=1.0), r"target_accept must be in \(0, 1\), got 1.0"),
        (NutsSettings(max_tree_depth=0), "max_tree_depth must be >= 1, got 0"),
    ],
)
def test_nuts_settings_name_a_bad_value(settings, message):
    with pytest.raises(ValueError, match=message):
        settings.checked()


@pytest.mark.parametrize("chain_method", ["parallel", "sequential", "vectorized"])
def test_nuts_draws_do_not_depend_on_the_bar_or_the_chunks(data, chain_method, monkeypatch, capsys):
    quiet = _posterior(nuts(line, **data, **PRIORS, **SHORT, chain_method=chain_method, progress=False))
    shown = _posterior(nuts(line, **data, **PRIORS, **SHORT, chain_method=chain_method, progress=True))
    bar = capsys.readouterr().err
    assert "NUTS, 2 chain(s)" in bar and "105/105" in bar and "sampling" in bar
    # Without a bar one fused program runs; vmapped over chains, XLA fuses it differently from the
    # chunked programs and the draws differ in the last bits (measured: 4e-15 relative).
    _assert_identical(quiet, shown, rtol=1e-12 if chain_method == "vectorized" else 0.0)
    monkeypatch.setattr(mcmc, "BAR_UPDATES", 8)  # chunks of 14 steps, the last of warm-up and of sampling shorter
    _assert_identical(shown, _posterior(nuts(line, **data, **PRIORS, **SHORT, chain_method=chain_method, progress=True)))


def test_chunked_nuts_equals_one_chain_in_one_loop(data):
    """The driver's chunked programs and one_chain (used inside SBC and catalogue fits) give the same draws."""
    idata = nuts(line, **data, **PRIORS, **SHORT, chain_method="sequential", progress=False)
    run = one_chain(with_static(line, tuple(sorted(PRIORS.items()))),
                    NutsSettings(SHORT["warmup"], SHORT["draws"]), numpyro.infer.init_to_uniform)
    keys = jax.random.split(jax.random.PRNGKey(SHORT["seed"]), SHORT["chains"])
    arrays = {k: jax.numpy.asarray(v) for k, v in data.items()}
    samples, stats, _ = jax.jit(lambda ks: jax.lax.map(lambda k: run({"rng_key": k}, arrays), ks))(keys)
    np.testing.assert_array_equal(idata.posterior["m"].values, samples["m"])
    np.testing.assert_array_equal(idata.sample_stats["n_steps"].values, stats["n_steps"])


def test_second_fit_with_the_bar_traces_and_compiles_nothing(data):
    """New data of the same shapes: the model runs once (the structure check) and XLA is asked for nothing."""
    calls = []

    def counted(x, sigma_y, y=None):
        calls.append(1)
        line(x, sigma_y, y, slope_scale=1e3, intercept_scale=1e3)

    nuts(counted, **data, **SHORT, progress=True)
    requests = []
    listen = lambda event, **kwargs: requests.append(event)  # noqa: E731
    jax.monitoring.register_event_listener(listen)
    calls.clear()
    try:
        nuts(counted, **line_data(n=25, seed=9)[0], **SHORT, progress=True)
    finally:
        jax.monitoring.unregister_event_listener(listen)
    assert len(calls) == 1
    assert "/jax/compilation_cache/compile_requests_use_cache" not in requests


@pytest.fixture
def astrozoo_log(caplog):
    """caplog, attached to the astrozoo logger itself (the CLI stops it propagating to the root)."""
    logger = logging.getLogger("astrozoo")
    logger.addHandler(caplog.handler)
    yield caplog
    logger.removeHandler(caplog.handler)


def test_nuts_logs_what_it_runs(data, astrozoo_log):
    caplog = astrozoo_log
    with caplog.at_level(logging.INFO, logger="astrozoo"):
        nuts(line, **data, **PRIORS, **SHORT, chain_method="sequential", progress=False)
    assert "NUTS: 2 chain(s) x (60 warm-up + 45 draws), sequential" in caplog.text


def test_svi_losses_do_not_depend_on_the_bar_or_the_chunks(data, monkeypatch, capsys, astrozoo_log):
    caplog = astrozoo_log
    settings = {"steps": 205, "draws": 50, "learning_rate": 0.02, "seed": 2}
    with caplog.at_level(logging.INFO, logger="astrozoo"):
        quiet = svi(line, **data, **PRIORS, **settings, progress=False)
    assert "SVI (normal, 205 steps" in caplog.text
    shown = svi(line, **data, **PRIORS, **settings, progress=True)
    assert "205/205" in capsys.readouterr().err
    monkeypatch.setattr(variational, "BAR_UPDATES", 3)
    chunked = svi(line, **data, **PRIORS, **settings, progress=False)
    for other in (shown, chunked):
        np.testing.assert_array_equal(quiet.optimization.loss.values, other.optimization.loss.values)
        np.testing.assert_array_equal(quiet.posterior["m"].values, other.posterior["m"].values)


def _mean_of_five(y=None):
    theta = numpyro.sample("theta", dist.Normal(0.0, 1.0))
    with numpyro.plate("data", 5):
        numpyro.sample("y", dist.Normal(theta, 1.0), obs=y)


def test_sbc_bar_counts_replications_and_changes_nothing(capsys):
    settings = {"y": None, "params": ("theta",), "replications": 6, "warmup": 50, "draws": 19, "thin": 1, "bins": 5}
    shown = sbc(_mean_of_five, **settings, progress=True)
    assert "SBC" in (bar := capsys.readouterr().err) and "6/6" in bar
    quiet = sbc(_mean_of_five, **settings, progress=False)
    np.testing.assert_array_equal(shown.ranks["theta"], quiet.ranks["theta"])
    assert shown.ranks["theta"].shape == (6,) and shown.divergences == quiet.divergences
