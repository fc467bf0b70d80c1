"""Fit a registered problem end to end: the driver, then prior and posterior predictive draws."""

import inspect
import time

from astrozoo import inference
from astrozoo.inference.init import laplace_start
from astrozoo.problems import Problem

DRIVERS = {"nuts": inference.nuts, "svi": inference.svi, "map": inference.map_fit}


def driver_settings(problem: Problem, method: str, overrides: dict) -> dict:
    """The problem's default settings for ``method``, updated with the overrides the driver accepts."""
    if method not in DRIVERS:
        raise ValueError(f"method must be one of {tuple(DRIVERS)}, got {method!r}")
    accepted = inspect.signature(DRIVERS[method]).parameters
    settings = dict(problem.settings) if method == problem.method else {}
    settings |= {k: v for k, v in overrides.items() if v is not None}
    return {k: v for k, v in settings.items() if k in accepted}


def nuts_from_laplace(problem: Problem, method: str, **settings):
    """A ``Problem.fit`` for unimodal posteriors of a few parameters: NUTS tuned by the Laplace approximation.

    :func:`~astrozoo.inference.init.laplace_start` finds the mode by Newton
    steps; the chains start at overdispersed draws from the Laplace Gaussian,
    and its covariance H⁻¹ is NUTS's dense inverse mass matrix throughout, so
    the warm-up only tunes the step size. Without a positive-definite H the
    mass matrix is adapted as usual. Other methods go to their plain driver.
    ``idata.attrs["laplace_seconds"]`` records the time the start took.
    """
    data = problem.load()
    if method != "nuts":
        return DRIVERS[method](problem.model, **data, **settings)
    start = time.perf_counter()
    init, inverse_mass_matrix = laplace_start(
        problem.model, **data, chains=int(settings.get("chains", 4)), seed=settings.get("seed", 0),
        progress=settings.get("progress", True),
    )
    laplace_seconds = time.perf_counter() - start
    settings = settings | {
        "dense_mass": True, "init_params": init, "inverse_mass_matrix": inverse_mass_matrix,
        "adapt_mass_matrix": inverse_mass_matrix is None,
    }
    idata = inference.nuts(problem.model, **data, **settings)
    idata.attrs["laplace_seconds"] = laplace_seconds
    return idata


def fit_problem(problem: Problem, method: str | None = None, prior_draws: int = 500, **overrides):
    """Fit ``problem`` and add its prior and posterior predictive groups.

    Args:
        problem: a registered problem.
        method: "nuts", "svi" or "map"; default the problem's own.
        prior_draws: number of prior predictive draws.
        **overrides: driver settings (chains, warmup, draws, seed, ...); None
            values and settings the driver does not take are ignored.

    Returns:
        InferenceData with posterior, sample_stats (NUTS), log_likelihood,
        observed_data, constant_data, prior, prior_predictive and
        posterior_predictive; ``attrs["problem"]`` names the problem.
    """
    method = method or problem.method
    settings = driver_settings(problem, method, overrides)
    data = problem.load()
    if problem.fit is not None:
        idata = problem.fit(problem, method, **settings)
    else:
        idata = DRIVERS[method](problem.model, **data, **settings)
    simulate = problem.predictive_kwargs(data)
    seed = settings.get("seed", 0)
    inference.prior_predictive(problem.model, **simulate, draws=prior_draws, seed=seed, idata=idata)
    inference.posterior_predictive(idata, problem.model, **simulate, seed=seed + 1)
    idata.attrs["problem"] = problem.name
    idata.attrs["method"] = method
    return idata
