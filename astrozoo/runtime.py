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
    Number of host CPU devices; defaults to the number of cores.
``ASTROZOO_CACHE``
    Download cache of registered data files; defaults to ``<user cache>/astrozoo/data``.
"""

import os
import warnings
from pathlib import Path

_OFF = {"", "0", "off", "false", "no"}


def default_cache_dir() -> Path:
    """The user's cache directory for astrozoo (data downloads, compiled XLA)."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("astrozoo"))


def data_cache_dir() -> Path:
    """Where downloads and built grids go: ``$ASTROZOO_CACHE`` or ``<user cache>/astrozoo/data``."""
    return Path(os.environ.get("ASTROZOO_CACHE", default_cache_dir() / "data")).expanduser()


def compilation_cache_dir() -> Path | None:
    """Where compiled XLA programs persist, or None when the cache is off."""
    value = os.environ.get("ASTROZOO_JAX_CACHE")
    if value is None:
        return default_cache_dir() / "jax"
    if value.strip().lower() in _OFF:
        return None
    return Path(value).expanduser()


def cpu_devices() -> int:
    """The number of host CPU devices asked for: ``$ASTROZOO_CPU_DEVICES`` or the number of cores."""
    return int(os.environ.get("ASTROZOO_CPU_DEVICES", os.cpu_count() or 1))


def set_environment_defaults() -> None:
    """Environment defaults that JAX reads when it starts (an explicit setting is kept)."""
    os.environ.setdefault("JAX_ENABLE_X64", "1")
    os.environ.setdefault("JAX_NUM_CPU_DEVICES", str(cpu_devices()))


_configured = False


def configure() -> None:
    """Switch on float64, the persistent compilation cache and one CPU device per core.

    Idempotent: only the first call in a process does anything.
    """
    global _configured
    if _configured:
        return
    _configured = True
    import jax

    jax.config.update("jax_enable_x64", True)
    cache = compilation_cache_dir()
    if cache is not None:
        cache.mkdir(parents=True, exist_ok=True)
        jax.config.update("jax_compilation_cache_dir", str(cache))
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
        jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    n_devices = cpu_devices()
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
