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

import jax
import numpy as np

from astrozoo.inference.compiled import bind_arguments, split_arguments, with_static
from astrozoo.inference.export import ModelStructure, inspect_model
from astrozoo.validate import as_array


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


def _declared(model, attribute: str, default):
    """A declaration of :func:`astrozoo.validate.model_inputs` on ``model`` (or the function of a partial)."""
    return getattr(model, attribute, getattr(getattr(model, "func", None), attribute, default))


def missing_observations(model, named: dict, structure: ModelStructure) -> list[str]:
    """The observation arguments left None, if every observed site of the model received None, else [].

    A model's declared observations (``model.observed``) if it has them; otherwise the None
    arguments named like one of its latent sample sites (the convention ``y=None`` simulates ``y``).
    """
    if structure.observed:
        return []
    declared = _declared(model, "observed", None)
    if declared is not None:
        return [name for name in declared if named.get(name) is None]
    return [name for name, value in named.items() if value is None and name in structure.latent]


def prepare(model, args: tuple, kwargs: dict, simulate: bool = False) -> PreparedCall:
    """Bind, inspect and split one model call (see the module docstring).

    Lists and tuples given for a model's declared array arguments
    (:func:`astrozoo.validate.model_inputs`) become NumPy arrays. Unless
    ``simulate`` (predictive draws, calibration), a call whose observations are
    all None is a ValueError naming them: a fit of it would sample the prior.
    """
    named = bind_arguments(model, args, kwargs)
    for name in _declared(model, "shapes", {}):
        if isinstance(named.get(name), list | tuple):
            named[name] = as_array(name, named[name])
    structure = inspect_model(model, **named)
    missing = [] if simulate else missing_observations(model, named, structure)
    if missing:
        raise ValueError(f"no observations given: {', '.join(missing)} {'is' if len(missing) == 1 else 'are'} None, "
                         f"so a fit would only sample the prior; pass the data (to simulate data, use "
                         f"prior_predictive or posterior_predictive)")
    arrays, static = split_arguments(named)
    return PreparedCall(model, named, structure, arrays, static, with_static(model, static))


def rng_key(seed) -> jax.Array:
    """The JAX random key of ``seed``, an integer in [0, 2**63); ValueError naming ``seed`` otherwise."""
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or not 0 <= int(seed) < 2**63:
        raise ValueError(f"seed must be an integer in [0, 2**63), got {seed!r}")
    return jax.random.PRNGKey(int(seed))
