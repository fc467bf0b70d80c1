"""Compile-once plumbing shared by the drivers.

A model's keyword arguments split in two: arrays (data, which change from fit
to fit) and everything else (static settings: prior scales, flags, names).
Jitted programs close over the model and its static settings and take the
arrays as arguments, so a second fit with data of the same shapes reuses the
compiled program in the same process, and the persistent cache serves it to a
fresh one.
"""

import functools
import hashlib
import inspect
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from astrozoo.files import atomic_write


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
    """(arrays as float64/int jnp arrays, hashable static items sorted by name; a list becomes a tuple)."""
    arrays = {k: jnp.asarray(v) for k, v in named.items() if _is_array(v)}
    static = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in named.items() if not _is_array(v)))
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


def stable_repr(value) -> str:
    """A repr that is the same in every process (functions by module and name, not address)."""
    if isinstance(value, functools.partial):
        return f"partial({stable_repr(value.func)}, {stable_repr(value.args)}, {stable_repr(sorted(value.keywords.items()))})"
    if callable(value) and hasattr(value, "__qualname__"):
        return f"{value.__module__}.{value.__qualname__}"
    if isinstance(value, (tuple, list)):
        return "(" + ", ".join(stable_repr(v) for v in value) + ")"
    return repr(value)


@functools.lru_cache(maxsize=1)
def _astrozoo_source_hash() -> str:
    """sha256 of every source file of the installed astrozoo packages (found, not imported)."""
    import importlib.util

    digest = hashlib.sha256()
    for package in ("astrozoo", "astrozoo.data", "astrozoo.inference", "astrozoo.models"):
        for folder in importlib.util.find_spec(package).submodule_search_locations:
            for path in sorted(Path(folder).rglob("*.py")):
                digest.update(path.read_bytes())
    return digest.hexdigest()


def program_fingerprint(model, settings: tuple) -> str | None:
    """What identifies a compiled program of an astrozoo model; None for models from elsewhere.

    It covers the model and its static arguments, the driver settings, the
    source of the whole astrozoo package and the versions of JAX and NumPyro.
    Models defined outside astrozoo get None: their programs are not exported,
    since their source (and what it imports) cannot be fingerprinted reliably.
    """
    import numpyro

    func = model.func if isinstance(model, functools.partial) else model
    if not getattr(func, "__module__", "").startswith("astrozoo."):
        return None
    return stable_repr(
        (model, settings, _astrozoo_source_hash(), jax.__version__, numpyro.__version__,
         jax.default_backend(), jax.local_device_count())
    )


_LOADED: dict[str, object] = {}


def exported_program(jitted, args: tuple, fingerprint: str | None, shardings: dict):
    """``jitted``, or its twin served from the on-disk program cache.

    Tracing and lowering a NUTS program costs about a second per process. The
    first time a program is needed it is exported (``jax.export``) to
    ``<compilation cache>/programs``; later processes deserialise it instead
    of tracing, and XLA's persistent cache supplies the compiled executable.
    Returns ``jitted`` unchanged when the cache is off or ``fingerprint`` is None.
    """
    from astrozoo.runtime import compilation_cache_dir

    cache = compilation_cache_dir()
    if fingerprint is None or cache is None:
        return jitted
    shapes = jax.tree.map(lambda a: (tuple(a.shape), str(a.dtype)), args)
    key = hashlib.sha256(f"{fingerprint}|{shapes}|{jax.tree.structure(args)}".encode()).hexdigest()
    if key not in _LOADED:
        path = cache / "programs" / f"{key}.jaxexport"
        if path.is_file():
            exported = jax.export.deserialize(bytearray(path.read_bytes()))
        else:
            exported = jax.export.export(jitted)(*args)
            with atomic_write(path) as part:
                part.write_bytes(exported.serialize())
        _LOADED[key] = jax.jit(exported.call, **shardings)
    return _LOADED[key]
