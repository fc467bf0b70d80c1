"""Input checks for loaders and model entry points.

Each raises ``ValueError`` naming the argument and what is wrong with it. They
run on concrete arrays at the boundary; inside a traced (jitted) call the data
were checked already, and the checks pass through.
"""

import functools
import inspect
import numbers
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
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number or an array of numbers, got {value!r}") from None
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


def check_interval(name: str, value) -> None:
    """A (low, high) pair of finite numbers with low < high, such as the bounds of a uniform prior."""
    try:
        low, high = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a (low, high) pair of numbers, got {value!r}") from None
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise ValueError(f"{name} must satisfy low < high (both finite), got ({low}, {high})")


def check_order(low_name: str, low, high_name: str, high) -> None:
    """Two finite bounds given as separate arguments, ``low`` < ``high``."""
    check_finite(low_name, low)
    check_finite(high_name, high)
    if _concrete(low) and _concrete(high) and not float(low) < float(high):
        raise ValueError(f"{low_name} must be < {high_name}, got {low_name}={low}, {high_name}={high}")


def _parse_shape(text: str) -> tuple:
    """"(N, 3)" -> ("N", 3); "()" -> ()."""
    inner = text.strip().removeprefix("(").removesuffix(")")
    return tuple(int(d) if d.isdigit() else d for d in (p.strip() for p in inner.split(",")) if d)


def _describe(shape: tuple) -> str:
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


def check_shapes(arguments: dict, shapes: dict[str, str | None]) -> dict[str, int]:
    """Check each argument's shape against its declared shapes; return the named sizes.

    Args:
        arguments: argument name -> value (None is skipped: an optional input).
        shapes: argument name -> the shapes it may have, e.g. ``"(N,)"``,
            ``"(N, n_band)"``, ``"(M, 3)"`` or ``"() or (N,)"``; a named size
            takes its value from the first argument that has it, in the order
            of ``shapes``. None: an array whose shape the model checks itself.

    Raises:
        ValueError: naming the argument, the expected shape with the sizes
            already known, and the shape given.
    """
    sizes: dict[str, int] = {}
    for name, declared in shapes.items():
        value = arguments.get(name)
        if value is None or declared is None:
            continue
        given = tuple(np.shape(value))
        options = [_parse_shape(option) for option in declared.split(" or ")]
        for option in options:
            if len(option) == len(given) and all(
                d == n if isinstance(d, int) else sizes.get(d, n) == n for d, n in zip(option, given)
            ):
                sizes |= {d: n for d, n in zip(option, given) if isinstance(d, str)}
                break
        else:
            known = ", ".join(f"{d} = {sizes[d]}" for d in dict.fromkeys(d for o in options for d in o) if d in sizes)
            expected = " or ".join(_describe(option) for option in options)
            raise ValueError(f"{name} must have shape {expected}{f' with {known}' if known else ''}; "
                             f"got shape {_describe(given)}")
    return sizes


def check_indices(name: str, index, n_rows: int) -> None:
    """Integer entries in 0..n_rows-1 (rows of a table, stations), checked on the concrete value: a NumPy
    or JAX array, but not a tracer (the drivers check the concrete data before they compile)."""
    if not _concrete(index):
        return
    dtype = np.asarray(index).dtype
    if not np.issubdtype(dtype, np.integer):
        raise ValueError(f"{name} must hold integers (indices), got dtype {dtype}")
    index = np.asarray(index)
    if index.size and (index.min() < 0 or index.max() >= n_rows):
        raise ValueError(f"{name} must hold indices in 0..{n_rows - 1}, got {index.min()}..{index.max()}")


def model_inputs(*, observed: tuple[str, ...] = (), **shapes: str | None):
    """Declare a model's array arguments and observations; check them on every call.

    The decorated model converts lists and tuples given for a declared
    argument to NumPy arrays and checks every declared shape
    (:func:`check_shapes`) before its body runs; shapes are known while JAX
    traces too, so a traced array is checked as strictly as a NumPy one. The
    declaration is kept on the model: ``model.shapes`` (argument -> shapes)
    and ``model.observed`` (the arguments holding observations, which the
    fitting drivers require).

    Args:
        observed: names of the observation arguments (None to simulate).
        **shapes: argument name -> its shapes, as for :func:`check_shapes`
            (None: converted, and its shape left to the model's own checks).
    """

    def decorate(model):
        signature = inspect.signature(model)

        @functools.wraps(model)
        def checked(*args, **kwargs):
            bound = signature.bind(*args, **kwargs)
            for name in shapes:
                if isinstance(bound.arguments.get(name), list | tuple):
                    bound.arguments[name] = as_array(name, bound.arguments[name])
            check_shapes(bound.arguments, shapes)
            return model(*bound.args, **bound.kwargs)

        checked.shapes = dict(shapes)
        checked.observed = tuple(observed)
        return checked

    return decorate


def as_array(name: str, value) -> np.ndarray:
    """A list or tuple of numbers as a NumPy array (float, or int if every entry is an integer)."""
    try:
        array = np.asarray(value)
    except ValueError as err:  # ragged
        raise ValueError(f"{name} must be a rectangular array of numbers: {err}") from None
    if array.dtype.kind not in "biuf":
        raise ValueError(f"{name} must hold numbers, got {array.dtype} entries")
    return array if array.dtype.kind in "iu" else array.astype(float)


def check_count(name: str, value, minimum: int = 1) -> None:
    """An integer (a bool is not one) >= ``minimum``: a number of points (minimum 1) or a seed (minimum 0)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")


_RULES = {"": lambda x: True, "> 0": lambda x: x > 0, ">= 0": lambda x: x >= 0, "in [0, 1]": lambda x: 0 <= x <= 1}


def check_scalar(name: str, value, rule: str = "") -> None:
    """One finite real number obeying ``rule``: "" (any), "> 0", ">= 0" or "in [0, 1]"."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = np.nan
    if not (np.isfinite(number) and _RULES[rule](number)):
        raise ValueError(f"{name} must be a finite number{' ' + rule if rule else ''}, got {value!r}")


def check_scalars(**arguments) -> None:
    """:func:`check_scalar` on each ``name=(value, rule)``, in order."""
    for name, (value, rule) in arguments.items():
        check_scalar(name, value, rule)
