"""The physics kernels (pure JAX) and NumPyro models, one subpackage per field.

Importing it configures JAX (float64, compilation cache, host devices; see
:mod:`astrozoo.runtime`). Models import no data readers, drivers or problems.
"""

from astrozoo import runtime as _runtime

_runtime.configure()
