"""The shared drivers: every one returns arviz.InferenceData."""

from astrozoo.inference import runtime as _runtime

_runtime.configure()

from astrozoo.inference.mcmc import nuts  # noqa: E402

__all__ = ["nuts"]
