"""The notebooks run headless, top to bottom, at reduced sizes."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

SLOW = {"gaia", "sed", "vlbi"}  # 0.5 to 1 minute each even at quick sizes: run by `make validate` and `make notebooks`
NOTEBOOKS = [
    pytest.param(path, marks=pytest.mark.slow) if path.stem in SLOW else path
    for path in sorted((Path(__file__).parents[1] / "notebooks").glob("*.py"))
]


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(notebook, tmp_path):
    env = os.environ | {"MPLBACKEND": "Agg", "ASTROZOO_NOTEBOOK_QUICK": "1"}
    result = subprocess.run(
        [sys.executable, str(notebook)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900
    )
    assert result.returncode == 0, result.stderr[-3000:]
