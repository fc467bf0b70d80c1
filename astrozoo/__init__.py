"""astrozoo: a NumPyro model zoo for astronomers.

Importing :mod:`astrozoo` is cheap: it imports neither JAX nor ArviZ. It sets
the environment defaults that JAX reads when it starts (float64, one CPU device
per core, the persistent compilation cache; see :mod:`astrozoo.runtime`), and
importing :mod:`astrozoo.models` or :mod:`astrozoo.inference` applies them to a
JAX that is already running.
"""

from astrozoo import runtime as _runtime

_runtime.set_environment_defaults()

__version__ = "0.1.0"
