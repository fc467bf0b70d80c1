"""Provenance: what produced a fit, as ``InferenceData.attrs``.

netCDF attributes must be numbers or strings, so nested values (the driver
settings, the data files) are stored as JSON strings; :func:`read` decodes
them again. The attributes a fit carries:

==================  ==========================================================
``inference``       the driver, e.g. ``"nuts"`` (:func:`provenance`)
``settings``        JSON: every setting the driver ran with (:func:`provenance`)
``seed``            the random seed, when the settings have one
``*_version``       astrozoo, jax, numpyro and arviz versions (:func:`stamp`)
``created``         UTC time the InferenceData was built, ISO 8601 (:func:`stamp`)
``wall_seconds``    the driver's wall time [s] (set by the driver)
``problem``         the registered problem (:func:`problem_attrs`)
``data_files``      JSON list of ``{name, path, sha256, url}`` (:func:`problem_attrs`)
==================  ==========================================================
"""

import datetime
import functools
import hashlib
import importlib.metadata
import json

import numpy as np

from astrozoo.inference.compiled import stable_repr

PACKAGES = ("astrozoo", "jax", "numpyro", "arviz")
"""The packages whose versions every fit records."""

ARRAY_IN_FULL = 64
"""Array settings with at most this many entries are stored in full; larger ones by shape, dtype and sha256."""

JSON_ATTRS = ("settings", "data_files")
"""The attributes stored as JSON strings."""


@functools.lru_cache(maxsize=1)
def versions() -> dict[str, str]:
    """``{"<package>_version": version}`` for each of :data:`PACKAGES`, from the installed metadata."""
    return {f"{name}_version": importlib.metadata.version(name) for name in PACKAGES}


def stamp() -> dict[str, str]:
    """The package versions and the creation time (UTC, ISO 8601, seconds)."""
    created = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    return versions() | {"created": created}


def _jsonable(value):
    """``value`` as plain JSON types: arrays by value when small, else by shape, dtype and sha256."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        array = np.asarray(value)
        if array.size <= ARRAY_IN_FULL:
            return array.tolist()
        digest = hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()
        return {"shape": list(array.shape), "dtype": str(array.dtype), "sha256": digest}
    return stable_repr(value)


def settings_json(settings: dict) -> str:
    """``settings`` as a JSON string with sorted keys (see :func:`_jsonable` for arrays and callables)."""
    return json.dumps(_jsonable(dict(settings)), sort_keys=True)


def provenance(driver: str, settings: dict) -> dict:
    """The attrs a driver passes to :func:`~astrozoo.inference.export.to_inference_data`.

    Args:
        driver: the driver's name, e.g. ``"nuts"``, ``"svi-normal"``, ``"laplace"``.
        settings: every setting the fit ran with, by name (chains, draws, seed,
            step-size target, ...; the model's own arguments excluded).

    Returns:
        ``{"inference": driver, "settings": JSON string, "seed": int}``
        (``seed`` only when ``settings`` has one). ``to_inference_data`` adds
        the :func:`stamp`.
    """
    if not isinstance(driver, str) or not driver:
        raise ValueError(f"driver must be a non-empty string, got {driver!r}")
    if not isinstance(settings, dict):
        raise ValueError(f"settings must be a dict of setting name -> value, got {type(settings).__name__}")
    attrs = {"inference": driver, "settings": settings_json(settings)}
    if settings.get("seed") is not None:
        attrs["seed"] = int(settings["seed"])
    return attrs


def problem_attrs(problem: str, data_files: list[dict]) -> dict:
    """The attrs the fitting pipeline adds: the problem's name and the data files it loaded.

    Args:
        problem: the registered problem's name.
        data_files: what :func:`astrozoo.data.registry.recording` collected
            while the problem's data were loaded (empty for synthetic data).
    """
    return {"problem": str(problem), "data_files": json.dumps(_jsonable(list(data_files)))}


def read(attrs: dict) -> dict:
    """``attrs`` with the JSON attributes (:data:`JSON_ATTRS`) decoded; files written before provenance read as they are."""
    out = dict(attrs)
    for key in JSON_ATTRS:
        if isinstance(out.get(key), str):
            out[key] = json.loads(out[key])
    return out
