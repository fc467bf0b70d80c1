"""The README's Python example runs as written, without divergences or convergence warnings."""

import re
import warnings
from pathlib import Path

import numpy as np

from astrozoo.inference import ConvergenceWarning

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks(text: str) -> list[str]:
    """The bodies of the ```python fenced blocks of a Markdown text."""
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M)


def test_readme_python_example_runs_clean():
    (example,) = python_blocks(README.read_text())
    namespace = {}
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        exec(compile(example, str(README), "exec"), namespace)
    idata, truth = namespace["idata"], namespace["truth"]
    assert int(idata.sample_stats.diverging.sum()) == 0
    post = idata.posterior
    assert post.sizes["chain"] == 2 and post.sizes["draw"] == 2000
    for name in ("m", "b"):  # the 15 points recover the line within 3 posterior sd
        assert abs(float(post[name].mean()) - truth[name]) < 3 * float(post[name].std()), name
    assert np.all((post["q"] > 0) & (post["q"] < 1))
