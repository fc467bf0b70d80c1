"""Reports of fits whose variables have one value per object (galaxy, star, ...)."""

import arviz as az
import numpy as np
import pandas as pd

from astrozoo.report import SHOWN_PER_DIMENSION, write_report


def test_report_of_a_catalogue_shows_the_first_entries_and_keeps_all_in_the_csv(tmp_path):
    rng = np.random.default_rng(0)
    idata = az.from_dict(
        posterior={"mass": rng.normal(size=(2, 50, 200)), "slope": rng.normal(size=(2, 50))},
        dims={"mass": ["galaxy"]},
    )
    index = write_report(idata, tmp_path)
    assert {"corner.png", "trace.png", "summary.csv", "summary.md"} <= {p.name for p in tmp_path.iterdir()}
    assert len(pd.read_csv(tmp_path / "summary.csv", index_col=0)) == 200 + 1
    table_rows = (tmp_path / "summary.md").read_text().splitlines()[2:]
    assert len(table_rows) == SHOWN_PER_DIMENSION + 1
    assert "mass[0]" in index.read_text() and "mass[3]" not in index.read_text()
