"""Fit files: atomic writes, the user's umask, compression, provenance and data-file records."""

import datetime
import hashlib
import json
import os
import re
import subprocess
import sys
from importlib.metadata import version

import arviz as az
import h5py
import jax
import numpy as np
import numpyro
import numpyro.distributions as dist
import pytest
import xarray as xr

from astrozoo.data import registry
from astrozoo.files import atomic_write, sha256sum
from astrozoo.inference import load, save
from astrozoo.inference.export import to_inference_data
from astrozoo.inference.io import DERIVED_GROUPS
from astrozoo.inference.provenance import ARRAY_IN_FULL, problem_attrs, provenance, read


def slope(x, y=None):
    a = numpyro.sample("a", dist.Normal(0.0, 1.0))
    with numpyro.plate("data", x.shape[0]):
        numpyro.sample("y", dist.Normal(a * x, 0.5), obs=y)


SETTINGS = {"chains": 2, "draws": 50, "seed": 7, "target_accept": 0.9, "init_params": {"a": np.zeros(2)}}


@pytest.fixture(scope="module")
def fit():
    rng = np.random.default_rng(1)
    x = np.linspace(-1.0, 1.0, 30)
    y = 1.5 * x + 0.5 * rng.standard_normal(30)
    posterior = {"a": 1.5 + 0.1 * rng.standard_normal((2, 50))}
    idata = to_inference_data(
        slope, {"x": x, "y": y}, posterior, attrs=provenance("nuts", SETTINGS) | {"wall_seconds": 1.25}
    )
    replicas = posterior["a"][..., None] * x + 0.5 * rng.standard_normal((2, 50, 30))
    idata.add_groups(posterior_predictive={"y": replicas}, prior={"a": rng.standard_normal((1, 40))},
                     dims={"y": ["data"]})
    idata.attrs |= problem_attrs("slope", [{"name": "d", "path": "/d.csv", "sha256": "ab" * 32, "url": "u"}])
    return idata


@pytest.fixture
def umask():
    """Set the process umask for one test, restoring it afterwards."""
    old = os.umask(0o022)
    yield os.umask
    os.umask(old)


@pytest.mark.parametrize("mask, mode", [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600)])
def test_saved_file_gets_the_umask_mode(fit, tmp_path, umask, mask, mode):
    umask(mask)
    path = save(fit, tmp_path / "fit.nc")
    assert os.stat(path).st_mode & 0o777 == mode
    with atomic_write(tmp_path / "program.bin") as part:
        part.write_bytes(b"x")
    assert os.stat(tmp_path / "program.bin").st_mode & 0o777 == mode


def test_atomic_write_names_its_temporary_file_after_the_output_and_its_process(tmp_path):
    with atomic_write(tmp_path / "sub" / "out.bin") as part:
        assert part.parent == tmp_path / "sub"
        assert re.fullmatch(rf"\.out\.bin\.{os.getpid():08x}[0-9a-f]{{8}}\.part", part.name)
        assert not (tmp_path / "sub" / "out.bin").exists()
        part.write_bytes(b"abc")
    assert (tmp_path / "sub" / "out.bin").read_bytes() == b"abc"
    assert os.listdir(tmp_path / "sub") == ["out.bin"]


def test_failed_save_leaves_the_old_file_and_no_part_file(fit, tmp_path, monkeypatch):
    path = save(fit, tmp_path / "fit.nc")
    original = path.read_bytes()
    calls = []

    def fail_on_second_group(self, *args, **kwargs):
        calls.append(kwargs.get("group"))
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(self, *args, **kwargs)

    real = xr.Dataset.to_netcdf
    monkeypatch.setattr(xr.Dataset, "to_netcdf", fail_on_second_group)
    with pytest.raises(KeyboardInterrupt):
        save(fit, path)
    assert path.read_bytes() == original
    assert os.listdir(tmp_path) == ["fit.nc"]
    calls.clear()
    with pytest.raises(KeyboardInterrupt):
        save(fit, tmp_path / "new.nc")
    assert os.listdir(tmp_path) == ["fit.nc"]


def test_a_save_removes_what_a_killed_save_of_the_same_file_left(fit, tmp_path):
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = int(ended.stdout)
    left = {name: tmp_path / name for name in (
        f".fit.nc.{dead:08x}0123abcd.part",  # killed: removed
        f".fit.nc.{os.getppid():08x}0123abcd.part",  # a save still going on in a running process: kept
        f".other.nc.{dead:08x}0123abcd.part",  # another output's: kept
        f".fit.nc.{dead:08x}0123abcd.part.txt",  # not the pattern: kept
        "fit.nc.part",
    )}
    for path in left.values():
        path.write_bytes(b"partial")
    save(fit, tmp_path / "fit.nc")
    assert sorted(os.listdir(tmp_path)) == sorted(["fit.nc", *list(left)[1:]])


def test_a_write_that_cannot_start_names_the_output_not_its_temporary_file(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(NotADirectoryError, match=r"^cannot write \S*/file/out.bin: \S*/file is a file, not a folder$"):
        with atomic_write(tmp_path / "file" / "out.bin"):
            pass
    assert os.listdir(tmp_path) == ["file"]


def test_load_returns_the_saved_values_at_their_stored_precision(fit, tmp_path):
    back = load(save(fit, tmp_path / "fit.nc"))
    assert set(back.groups()) == set(fit.groups())
    for group in fit.groups():
        for name, value in fit[group].data_vars.items():
            got = back[group][name].values
            assert got.dtype == value.dtype, (group, name)
            if group in DERIVED_GROUPS and value.dtype == np.float64:
                np.testing.assert_array_equal(got, value.values.astype(np.float32).astype(np.float64))
                np.testing.assert_allclose(got, value.values, rtol=2.0**-24)
            else:
                np.testing.assert_array_equal(got, value.values)
    assert back.attrs == fit.attrs


def test_derived_groups_are_stored_as_compressed_float32(fit, tmp_path):
    path = save(fit, tmp_path / "fit.nc")
    with h5py.File(path) as f:
        assert f["posterior/a"].dtype == np.float64
        assert f["log_likelihood/y"].dtype == np.float32
        assert f["posterior_predictive/y"].dtype == np.float32
        assert f["prior/a"].dtype == np.float32
        for name in ("posterior/a", "log_likelihood/y", "observed_data/y", "constant_data/x"):
            assert f[name].compression == "gzip" and f[name].shuffle, name
    assert az.from_netcdf(path).posterior["a"].shape == (2, 50)  # ArviZ reads the file as it is


def test_every_fit_carries_versions_time_seed_and_settings(fit):
    attrs = read(fit.attrs)
    assert attrs["jax_version"] == jax.__version__ and attrs["numpyro_version"] == numpyro.__version__
    assert attrs["arviz_version"] == az.__version__ and attrs["astrozoo_version"] == version("astrozoo")
    created = datetime.datetime.fromisoformat(attrs["created"])
    assert created.utcoffset() == datetime.timedelta(0)
    assert abs((datetime.datetime.now(datetime.timezone.utc) - created).total_seconds()) < 600
    assert attrs["inference"] == "nuts" and attrs["seed"] == 7 and attrs["wall_seconds"] == 1.25
    assert attrs["settings"] == {"chains": 2, "draws": 50, "seed": 7, "target_accept": 0.9,
                                 "init_params": {"a": [0.0, 0.0]}}
    assert attrs["problem"] == "slope" and attrs["data_files"][0]["sha256"] == "ab" * 32


def test_settings_record_large_arrays_by_digest_and_functions_by_name():
    big = np.arange(ARRAY_IN_FULL + 1, dtype=float)
    settings = json.loads(provenance("nuts", {"mass": big, "init_strategy": numpyro.infer.init_to_median})["settings"])
    assert settings["mass"] == {"shape": [ARRAY_IN_FULL + 1], "dtype": "float64",
                                "sha256": hashlib.sha256(big.tobytes()).hexdigest()}
    assert settings["init_strategy"] == "numpyro.infer.initialization.init_to_median"


def test_provenance_rejects_bad_arguments():
    with pytest.raises(ValueError, match="driver must be"):
        provenance("", {})
    with pytest.raises(ValueError, match="settings must be a dict"):
        provenance("nuts", [("seed", 1)])


def test_registry_records_the_files_fetched_inside_a_recording(tmp_path, monkeypatch):
    (tmp_path / "tiny").mkdir()
    (tmp_path / "tiny" / "t.csv").write_text("1,2\n")
    digest = sha256sum(tmp_path / "tiny" / "t.csv")
    dataset = registry.Dataset("tiny-test", "tiny/t.csv", "https://example.org/t.csv", digest, "nobody")
    monkeypatch.setitem(registry.DATASETS, dataset.name, dataset)
    monkeypatch.setenv("ASTROZOO_DATA_DIR", str(tmp_path))
    registry.fetch("tiny-test")  # outside any recording: noted nowhere
    with registry.recording() as outer:
        with registry.recording() as inner:
            registry.fetch("tiny-test")
        registry.fetch("tiny-test")
    entry = {"name": "tiny-test", "path": str(tmp_path / "tiny" / "t.csv"), "sha256": digest,
             "url": "https://example.org/t.csv"}
    assert outer == [entry] and inner == [entry]


def test_report_shows_the_provenance(fit):
    from astrozoo.report import provenance_section

    page = provenance_section(fit.attrs)
    assert "<h2>Provenance</h2>" in page
    for text in ("nuts", "target_accept", "0.9", "ab" * 32, "jax_version", "wall_seconds"):
        assert text in page
    assert provenance_section({}) == ""
