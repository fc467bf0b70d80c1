"""The data registry: local mirror first, checksums, clear errors without a network; truncated FITS files."""

import hashlib

import numpy as np
import pytest
from astropy.io import fits
from astropy.table import Table

from astrozoo.data.opening import check_sizes
from astrozoo.data.registry import DATASETS, Dataset, DataUnavailableError, fetch, register


@pytest.fixture
def dataset(tmp_path):
    content = b"x y\n1 2\n"
    ds = Dataset(
        name="test-table",
        path="test/table.txt",
        url="http://127.0.0.1:9/test/table.txt",  # nothing listens on the discard port
        sha256=hashlib.sha256(content).hexdigest(),
        citation="a test",
    )
    register(ds)
    yield ds, content
    DATASETS.pop(ds.name)


def test_fetch_reads_the_local_mirror(dataset, no_network):
    ds, content = dataset
    local = no_network / "mirror" / ds.path
    local.parent.mkdir(parents=True)
    local.write_bytes(content)
    assert fetch(ds.name) == local


def test_missing_file_without_network_names_dataset_path_and_address(dataset, no_network):
    ds, _ = dataset
    with pytest.raises(DataUnavailableError) as err:
        fetch(ds.name)
    message = str(err.value)
    assert "'test-table'" in message
    assert str(no_network / "mirror" / ds.path) in message
    assert ds.url in message


def test_checksum_mismatch_is_an_error(dataset, no_network):
    ds, content = dataset
    local = no_network / "mirror" / ds.path
    local.parent.mkdir(parents=True)
    local.write_bytes(content + b"tampered")
    with pytest.raises(DataUnavailableError, match="has sha256 .* expected"):
        fetch(ds.name)


def test_unknown_dataset(no_network):
    with pytest.raises(KeyError, match="unknown dataset 'nope'"):
        fetch("nope")


def test_a_name_registers_once(dataset):
    ds, _ = dataset
    register(ds)  # the same entry again is fine
    with pytest.raises(ValueError, match="already registered"):
        register(Dataset(ds.name, "other/path", ds.url, ds.sha256, ds.citation))


def test_a_short_file_is_reported_as_truncated(dataset, no_network):
    ds, content = dataset
    DATASETS[ds.name] = Dataset(ds.name, ds.path, ds.url, ds.sha256, ds.citation, size=len(content))
    local = no_network / "mirror" / ds.path
    local.parent.mkdir(parents=True)
    local.write_bytes(content[:3])
    message = rf"{local} is truncated \(3 of 8 bytes\): has sha256 [0-9a-f]{{64}}, expected {ds.sha256}"
    with pytest.raises(DataUnavailableError, match=message):
        fetch(ds.name)


def test_every_cut_of_a_fits_file_but_between_hdus_is_truncated(tmp_path):
    image = fits.PrimaryHDU(np.arange(1000.0).reshape(10, 100))
    table = fits.BinTableHDU(Table({"a": np.arange(50), "b": np.linspace(0, 1, 50)}))
    fits.HDUList([image, table]).writeto(tmp_path / "two.fits")
    raw = (tmp_path / "two.fits").read_bytes()
    with fits.open(tmp_path / "two.fits") as hdus:
        spans = [(hdu.fileinfo()["hdrLoc"], hdu.fileinfo()["datLoc"] + hdu.size) for hdu in hdus]
    check_sizes(raw, "whole")
    check_sizes(raw[: spans[1][0]], "the primary HDU alone")  # whole as far as its headers say
    for n in [*range(1, len(raw), 97), spans[-1][1]]:  # the last: all the data, without their padding
        if n != spans[1][0]:
            with pytest.raises(ValueError, match=r"^cut is truncated: (HDU [01] declares|the header of HDU [01])"):
                check_sizes(raw[:n], "cut")
