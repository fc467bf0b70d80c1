"""Input checks for loaders and model entry points.

Each raises ``ValueError`` naming the argument and what is wrong with it. They
run on concrete arrays at the boundary; inside a traced (jitted) call the data
were checked already, and the checks pass through.
"""

import sys

import numpy as np


def _concrete(value) -> bool:
    """Not None and not a JAX tracer (no tracer exists before JAX is imported, so JAX is not imported here)."""
    jax = sys.modules.get("jax")
    return value is not None and not (jax is not None and isinstance(value, jax.core.Tracer))


def check_finite(name: str, value) -> None:
    """Non-empty and free of NaN and inf."""
    if not _concrete(value):
        return
    arr = np.asarray(value)
    if arr.size == 0:
        raise ValueError(f"{name} is empty")
    if not np.isfinite(arr).all():
        bad = int(np.size(arr) - np.isfinite(arr).sum())
        raise ValueError(f"{name} has {bad} non-finite value(s) (NaN or inf)")


def check_positive(name: str, value) -> None:
    """Finite and strictly positive, such as an uncertainty."""
    check_finite(name, value)
    if _concrete(value) and not (np.asarray(value) > 0).all():
        raise ValueError(f"{name} must be > 0 everywhere; min is {np.min(value)}")


def check_correlation(name: str, value) -> None:
    """Finite with |ρ| < 1."""
    check_finite(name, value)
    if _concrete(value) and not (np.abs(np.asarray(value)) < 1).all():
        raise ValueError(f"{name} must satisfy |{name}| < 1; max |{name}| is {np.max(np.abs(value))}")


def check_same_length(**arrays) -> None:
    """All non-None arrays that are not scalars share their leading length."""
    lengths = {k: np.shape(v)[0] for k, v in arrays.items() if v is not None and np.ndim(v) > 0}
    if len(set(lengths.values())) > 1:
        described = ", ".join(f"{k} has {n}" for k, n in lengths.items())
        raise ValueError(f"mismatched lengths: {described}")
