"""The shared drivers. Each returns arviz.InferenceData.

Importing this package configures JAX first (float64, persistent compilation
cache, one CPU device per core): see :mod:`astrozoo.runtime`.
"""

from astrozoo import runtime as _runtime

_runtime.configure()

from astrozoo.inference.diagnostics import ConvergenceWarning, convergence  # noqa: E402
from astrozoo.inference.io import load, save  # noqa: E402
from astrozoo.inference.laplace import map_fit  # noqa: E402
from astrozoo.inference.mcmc import nuts  # noqa: E402
from astrozoo.inference.predictive import posterior_predictive, prior_predictive  # noqa: E402
from astrozoo.inference.variational import svi  # noqa: E402

__all__ = [
    "ConvergenceWarning",
    "convergence",
    "load",
    "map_fit",
    "nuts",
    "posterior_predictive",
    "prior_predictive",
    "save",
    "svi",
]
