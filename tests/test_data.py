"""The data registry: local mirror first, checksums, clear errors without a network."""

import hashlib

import pytest

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
