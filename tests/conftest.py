import os
from pathlib import Path

import pytest

import astrozoo  # noqa: F401  (configures JAX: float64, compile cache, CPU devices)

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
if "ASTROZOO_DATA_DIR" not in os.environ and SHARED_DATA.is_dir():
    os.environ["ASTROZOO_DATA_DIR"] = str(SHARED_DATA)


@pytest.fixture
def no_network(monkeypatch, tmp_path):
    """An empty data mirror and download cache, and an address nothing answers on."""
    (tmp_path / "mirror").mkdir()
    monkeypatch.setenv("ASTROZOO_DATA_DIR", str(tmp_path / "mirror"))
    monkeypatch.setenv("ASTROZOO_CACHE", str(tmp_path / "cache"))
    return tmp_path
