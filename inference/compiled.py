"""Compile-once plumbing shared by the drivers.

A model's keyword arguments split in two: arrays (data, which change from fit
to fit) and everything else (static settings: prior scales, flags, names).
Jitted programs close over the model and its static settings and take the
arrays as arguments, so a second fit with data of the same shapes reuses the
compiled program in the same process, and the persistent cache serves it to a
fresh one.
"""

import functools
import inspect

import jax
import jax.numpy as jnp
import numpy as np


def bind_arguments(model, args: tuple, kwargs: dict) -> dict:
    """All of a model call's arguments by parameter name, defaults included."""
    try:
        bound = inspect.signature(model).bind(*args, **kwargs)
    except TypeError as err:
        raise TypeError(f"arguments do not fit {getattr(model, '__name__', model)}: {err}") from None
    bound.apply_defaults()
    return dict(bound.arguments)


def _is_array(value) -> bool:
    return isinstance(value, (np.ndarray, jax.Array)) and np.ndim(value) > 0


def split_arguments(named: dict) -> tuple[dict, tuple]:
    """(arrays as float64/int jnp arrays, hashable static items sorted by name)."""
    arrays = {k: jnp.asarray(v) for k, v in named.items() if _is_array(v)}
    static = tuple(sorted((k, v) for k, v in named.items() if not _is_array(v)))
    try:
        hash(static)
    except TypeError as err:
        raise TypeError(
            f"non-array model arguments must be hashable (numbers, strings, tuples): {err}"
        ) from None
    return arrays, static


@functools.lru_cache(maxsize=256)
def with_static(model, static: tuple):
    """``model`` with its static keyword arguments fixed; the same object for the same key."""
    return functools.partial(model, **dict(static)) if static else model
