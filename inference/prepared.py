"""The prepared-call step every driver starts with.

A driver receives ``model, *args, **kwargs``. :func:`prepare` binds them to the
model's parameters (defaults included), traces the model once for its
structure (:func:`~astrozoo.inference.export.inspect_model`: the model's own
input checks run here, on the concrete data, before anything compiles), splits
the arguments into traced arrays and hashable static settings, and fixes the
static ones in the model (:func:`~astrozoo.inference.compiled.with_static`), so
that compiled programs are cached per (model, static settings).
"""

from collections.abc import Callable
from dataclasses import dataclass

from astrozoo.inference.compiled import bind_arguments, split_arguments, with_static
from astrozoo.inference.export import ModelStructure, inspect_model


@dataclass(frozen=True)
class PreparedCall:
    """A model call ready for the drivers.

    Attributes:
        model: the model as given.
        named: every argument by parameter name, defaults included.
        structure: its latent, deterministic and observed sites, dims and sizes.
        arrays: the array arguments (data), as JAX arrays: the traced inputs.
        static: the other arguments, sorted (name, value) pairs: fixed in ``bound``.
        bound: ``model`` with ``static`` fixed; the same object for the same key.
    """

    model: Callable
    named: dict
    structure: ModelStructure
    arrays: dict
    static: tuple
    bound: Callable


def prepare(model, args: tuple, kwargs: dict) -> PreparedCall:
    """Bind, inspect and split one model call (see the module docstring)."""
    named = bind_arguments(model, args, kwargs)
    structure = inspect_model(model, **named)
    arrays, static = split_arguments(named)
    return PreparedCall(model, named, structure, arrays, static, with_static(model, static))
