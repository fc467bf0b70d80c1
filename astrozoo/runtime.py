"""Process-wide settings: float64, the persistent compilation cache, host devices, cache folders.

A leaf module: it imports nothing from astrozoo, and JAX only when
:func:`configure` runs. :func:`set_environment_defaults` runs when
:mod:`astrozoo` is imported and writes the defaults into the environment
variables JAX reads when it starts; :func:`configure` runs when
:mod:`astrozoo.models` or :mod:`astrozoo.inference` is imported and applies
them to JAX's configuration. Environment variables:

``ASTROZOO_JAX_CACHE``
    Directory of the persistent XLA compilation cache. Defaults to
    ``<user cache>/astrozoo/jax``; ``off`` (or ``0``, or empty) turns it off.
``ASTROZOO_CPU_DEVICES``
    Number of host CPU devices, a whole number ≥ 1; defaults to the number of cores.
``ASTROZOO_CACHE``
    Download cache of registered data files; defaults to ``<user cache>/astrozoo/data``.
``ASTROZOO_DATA_DIR``
    A local mirror of the data files, searched first; an existing folder, or unset.

A malformed value is a ``ValueError`` naming the variable, raised by the
function that reads it (and so by :func:`configure`), never at ``import
astrozoo``: :func:`set_environment_defaults` leaves JAX's own default in place
of a value it cannot read.
"""

import contextlib
import os
import warnings
from pathlib import Path

_OFF = {"", "0", "off", "false", "no"}


def default_cache_dir() -> Path:
    """The user's cache directory for astrozoo (data downloads, compiled XLA)."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("astrozoo"))


def data_cache_dir() -> Path:
    """Where downloads and built grids go: ``$ASTROZOO_CACHE`` or ``<user cache>/astrozoo/data``.

    Raises:
        ValueError: ``ASTROZOO_CACHE`` is empty or names a file.
    """
    value = os.environ.get("ASTROZOO_CACHE")
    if value is None:
        return default_cache_dir() / "data"
    path = Path(value).expanduser()
    if not value.strip() or path.is_file():
        raise ValueError(f"ASTROZOO_CACHE must name a folder for downloads, got {value!r}")
    return path


def data_dir() -> Path | None:
    """The local data mirror ``$ASTROZOO_DATA_DIR``, or None when it is unset or empty.

    Raises:
        ValueError: ``ASTROZOO_DATA_DIR`` names no existing folder.
    """
    value = os.environ.get("ASTROZOO_DATA_DIR")
    if not value:
        return None
    path = Path(value).expanduser()
    if not path.is_dir():
        raise ValueError(f"ASTROZOO_DATA_DIR must be an existing folder, got {value!r}")
    return path


def compilation_cache_dir() -> Path | None:
    """Where compiled XLA programs persist, or None when the cache is off."""
    value = os.environ.get("ASTROZOO_JAX_CACHE")
    if value is None:
        return default_cache_dir() / "jax"
    if value.strip().lower() in _OFF:
        return None
    return Path(value).expanduser()


def cpu_devices() -> int:
    """The number of host CPU devices asked for: ``$ASTROZOO_CPU_DEVICES`` or the number of cores.

    Raises:
        ValueError: ``ASTROZOO_CPU_DEVICES`` is not a whole number ≥ 1.
    """
    value = os.environ.get("ASTROZOO_CPU_DEVICES")
    if value is None:
        return os.cpu_count() or 1
    if not value.strip().isdecimal() or int(value) < 1:
        raise ValueError(f"ASTROZOO_CPU_DEVICES must be a whole number ≥ 1, got {value!r}")
    return int(value)


def ready_compilation_cache() -> Path | None:
    """:func:`compilation_cache_dir`, created if missing, or None when the cache is off.

    Raises:
        ValueError: the folder cannot be created or written; the message names
            ``ASTROZOO_JAX_CACHE`` and how to turn the cache off.
    """
    cache = compilation_cache_dir()
    if cache is None:
        return None
    try:
        cache.mkdir(parents=True, exist_ok=True)
        probe = cache / f".astrozoo-probe-{os.getpid()}"
        probe.touch()
        probe.unlink()
    except OSError as err:
        raise ValueError(
            f"ASTROZOO_JAX_CACHE: cannot write the compilation cache folder {cache} ({err.strerror or err}); "
            "set ASTROZOO_JAX_CACHE to a writable folder, or to 'off' to run without the cache"
        ) from None
    return cache


def set_environment_defaults() -> None:
    """Environment defaults that JAX reads when it starts (an explicit setting is kept).

    A malformed ``ASTROZOO_CPU_DEVICES`` sets nothing here: :func:`configure`
    (and the command line, before it starts) reports it.
    """
    os.environ.setdefault("JAX_ENABLE_X64", "1")
    with contextlib.suppress(ValueError):
        os.environ.setdefault("JAX_NUM_CPU_DEVICES", str(cpu_devices()))


_configured = False


def configure() -> None:
    """Switch on float64, the persistent compilation cache and one CPU device per core.

    Idempotent: only the first call in a process that succeeds does anything.

    Raises:
        ValueError: a malformed ``ASTROZOO_CPU_DEVICES``, or an
            ``ASTROZOO_JAX_CACHE`` folder that cannot be written.
    """
    global _configured
    if _configured:
        return
    n_devices = cpu_devices()
    cache = ready_compilation_cache()
    _configured = True
    import jax

    jax.config.update("jax_enable_x64", True)
    if cache is not None:
        jax.config.update("jax_compilation_cache_dir", str(cache))
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
        jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    try:
        jax.config.update("jax_num_cpu_devices", n_devices)
    except RuntimeError:  # JAX's backends already exist; keep what they have
        if jax.local_device_count() < n_devices:
            warnings.warn(
                "astrozoo was imported after JAX initialised its backends, so chains "
                f"share {jax.local_device_count()} device(s); import astrozoo first to "
                "run chains in parallel",
                stacklevel=2,
            )


def default_chain_method(chains: int) -> str:
    """How to run several chains here: 'vectorized' on a GPU, 'parallel' over several CPU devices, else 'sequential'."""
    import jax

    if chains > 1 and jax.default_backend() == "gpu":
        return "vectorized"
    if chains > 1 and jax.local_device_count() > 1:
        return "parallel"
    return "sequential"
