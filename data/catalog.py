"""Every registered dataset: importing the field modules registers theirs."""

import importlib

from astrozoo.data.registry import DATASETS, Dataset

_MODULES: tuple[str, ...] = ()


def registered() -> dict[str, Dataset]:
    """Name -> Dataset for every dataset the zoo knows."""
    for module in _MODULES:
        importlib.import_module(f"astrozoo.data.{module}")
    return DATASETS
