"""astrozoo: a NumPyro model zoo for astronomers.

Importing any part of astrozoo first switches JAX to float64, turns on the
persistent compilation cache and gives the host one CPU device per core (see
:mod:`astrozoo.inference.runtime`).
"""

import astrozoo.inference  # noqa: F401  (configures JAX before anything else touches it)

__version__ = "0.1.0"
