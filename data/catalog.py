"""Every registered dataset: importing the data modules registers theirs.

Each module of :mod:`astrozoo.data` that defines datasets calls
:func:`astrozoo.data.registry.register` at import; :func:`registered` imports
them all.
"""

import importlib
import pkgutil

import astrozoo.data
from astrozoo.data.registry import DATASETS, Dataset


def registered() -> dict[str, Dataset]:
    """Name -> Dataset for every dataset the zoo knows."""
    for module in pkgutil.iter_modules(astrozoo.data.__path__):
        importlib.import_module(f"astrozoo.data.{module.name}")
    return DATASETS
