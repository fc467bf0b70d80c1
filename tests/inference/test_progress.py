"""Progress bars and chunked programs: the bar changes nothing, and nothing is compiled twice."""

import logging

import jax
import numpy as np
import numpyro
import numpyro.distributions as dist
import pytest

from astrozoo.data.line.synthetic import line_data
from astrozoo.inference import nuts, svi
from astrozoo.inference.calibration import sbc
from astrozoo.inference.chain import NutsSettings, advance, begin, one_chain
from astrozoo.inference import chunked
from astrozoo.inference.chunked import Phase, run_chunks
from astrozoo.inference.compiled import with_static
from astrozoo.inference.progress import progress_bar
from astrozoo.inference.starts import best_of_optimisations
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
    } | {"warmup_n_steps": np.asarray(idata.attrs["warmup_n_steps"])}


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


def _chunk_lengths(phases, fixed=None):
    """The chunk lengths run_chunks chooses, and the notes shown, with an advance that only counts."""
    lengths, notes = [], []

    class Bar:
        def update(self, n):
            lengths.append(n)

        def set_postfix_str(self, text, refresh=True):
            notes.append(text)

    done = run_chunks(lambda carry, n: carry + int(n), 0, phases, Bar(), fixed=fixed)
    return done, lengths, notes


def test_chunks_cover_every_phase_without_crossing_into_the_next(monkeypatch):
    done, lengths, notes = _chunk_lengths([Phase(7, "fitting")], fixed=3)
    assert done == 7 and lengths == [3, 3, 1] and notes == ["fitting"] * 3
    monkeypatch.setattr(chunked, "UPDATE_SECONDS", 0.0)  # every later chunk one step long
    done, lengths, notes = _chunk_lengths([Phase(250, "warm-up"), Phase(50, "sampling")])
    assert done == 300 and lengths[:2] == [3, 3] and set(lengths[2:]) == {1}
    assert notes.count("warm-up") == len(lengths) - 50 and notes[-50:] == ["sampling"] * 50
    monkeypatch.setattr(chunked, "UPDATE_SECONDS", 1e9)  # chunks as long as the phase allows
    assert _chunk_lengths([Phase(250, "warm-up"), Phase(50, "sampling")])[1] == [3, 3, 244, 50]


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
    monkeypatch.setattr(chunked, "UPDATE_SECONDS", 0.0)  # after the first two, chunks of one transition
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
    np.testing.assert_array_equal(idata.attrs["warmup_n_steps"], stats["warmup_n_steps"])


def test_warmup_gradient_evaluations_are_the_leapfrog_steps_of_the_warmup_transitions(data):
    """Warm-up transitions advanced one at a time: each leaves its n_steps in slot 0; they sum to the count."""
    model = with_static(line, tuple(sorted(PRIORS.items())))
    settings = NutsSettings(SHORT["warmup"], SHORT["draws"])
    arrays = {k: jax.numpy.asarray(v) for k, v in data.items()}

    def run(key):
        def one(chain, _):
            chain = advance(model, settings, chain, arrays, 1)
            return chain, chain.records[1]["n_steps"][0]

        chain = begin(model, settings, numpyro.infer.init_to_uniform, {"rng_key": key}, arrays)
        chain, n_steps = jax.lax.scan(one, chain, length=settings.warmup)
        return chain.state[1], n_steps

    warmup_steps, n_steps = jax.jit(run)(jax.random.PRNGKey(3))
    assert int(warmup_steps) == int(n_steps.sum()) > settings.warmup


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
    monkeypatch.setattr(chunked, "UPDATE_SECONDS", 0.0)
    one_step_chunks = svi(line, **data, **PRIORS, **settings, progress=True)
    for other in (shown, one_step_chunks):
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


def test_best_of_optimisations_bar_counts_adam_steps_and_changes_nothing(data, capsys, monkeypatch):
    settings = {"candidates": 64, "starts": 4, "max_steps": 120, "seed": 5}
    quiet = best_of_optimisations(line, **data, **PRIORS, **settings, progress=False)
    assert capsys.readouterr().err == ""
    monkeypatch.setattr(chunked, "UPDATE_SECONDS", 0.0)  # after the first two, chunks of one step
    shown = best_of_optimisations(line, **data, **PRIORS, **settings, progress=True)
    assert "Adam, 4 searches" in (bar := capsys.readouterr().err) and "120/120" in bar
    np.testing.assert_array_equal(quiet[2], shown[2])
    for name in ("m", "b"):
        np.testing.assert_array_equal(quiet[1][name], shown[1][name])
