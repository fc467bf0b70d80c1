"""Fit a registered problem end to end, the same way for every problem.

The data are loaded once; the problem's declared start places the NUTS
chains; the driver runs; prior and posterior predictive draws are added.
Figures and summaries are left to the report (:mod:`astrozoo.report`).
"""

import inspect
import time

import arviz as az

from astrozoo import inference
from astrozoo.data import registry
from astrozoo.inference.batched import fit_objects
from astrozoo.inference.provenance import problem_attrs
from astrozoo.inference.starts import chain_starts
from astrozoo.problems import METHODS, Problem, resolve

DRIVERS = {"nuts": inference.nuts, "svi": inference.svi, "map": inference.map_fit}


def driver_for(problem: Problem, method: str):
    """The driver function that fits ``problem`` with ``method``."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if problem.objects:
        if method != "map":
            raise ValueError(f"{problem.name} is fitted object by object with method 'map', got {method!r}")
        return fit_objects
    return DRIVERS[method]


def driver_settings(problem: Problem, method: str, overrides: dict) -> dict:
    """The problem's default settings for ``method``, updated with the overrides that are not None.

    Raises:
        ValueError: a setting the driver does not take, named with the ones it does.
    """
    driver = driver_for(problem, method)
    settings = dict(problem.settings) if method == problem.method else {}
    settings |= {k: v for k, v in overrides.items() if v is not None}
    accepted = [name for name, p in inspect.signature(driver).parameters.items()
                if p.kind is p.KEYWORD_ONLY or (p.default is not p.empty and name != "objects")]
    unknown = sorted(set(settings) - set(accepted) - {"objects", "refine"})
    if unknown:
        raise ValueError(f"method {method!r} does not take the setting(s) {unknown}; it takes {sorted(accepted)}")
    return settings


def thinned(posterior, at_most: int):
    """``posterior`` with every k-th draw of each chain, k the smallest that leaves at most ``at_most`` in all."""
    total = posterior.sizes["chain"] * posterior.sizes["draw"]
    return posterior.isel(draw=slice(None, None, max(1, -(-total // int(at_most)))))


def fit_problem(problem: Problem, method: str | None = None, prior_draws: int = 100, predictive_draws: int = 200,
                **overrides):
    """Fit ``problem`` and add its prior and posterior predictive groups.

    Args:
        problem: a registered problem.
        method: "nuts", "svi" or "map"; default the problem's own.
        prior_draws: number of prior predictive draws (the report's check shows 100).
        predictive_draws: posterior predictive data sets at most, one per posterior
            draw of a thinned posterior (:func:`thinned`): they can be drawn again
            from the posterior at any time, and the report's checks show 100.
        **overrides: driver settings (chains, warmup, draws, seed, progress, ...);
            None values are ignored, settings the driver does not take are an error.

    Returns:
        InferenceData with posterior, sample_stats (NUTS), log_likelihood,
        observed_data, constant_data, prior, prior_predictive and
        posterior_predictive; ``attrs`` hold the driver's provenance, the
        problem, the data files read (with their sha256), the method and the start.
    """
    method = method or problem.method
    settings = driver_settings(problem, method, overrides)
    model = problem.model
    with registry.recording() as data_files:
        data = problem.load()
    refine = resolve(problem.start_refinement) if problem.start_refinement else None
    attrs = problem_attrs(problem.name, data_files) | {"method": method}
    if problem.objects:
        idata = fit_objects(model, **data, objects=problem.objects, refine=refine, **settings)
    elif method == "nuts" and problem.start != "prior":
        began = time.perf_counter()
        start = chain_starts(problem.start, model, **data, chains=int(settings.get("chains", 4)),
                             seed=settings.get("seed", 0), refine=refine, progress=settings.get("progress", True))
        attrs |= {"start": problem.start, "start_seconds": time.perf_counter() - began}
        idata = inference.nuts(model, **data, **(start | settings))
    else:
        idata = DRIVERS[method](model, **data, **settings)
    simulate = problem.predictive_kwargs(data)
    seed = settings.get("seed", 0)
    inference.prior_predictive(model, **simulate, draws=prior_draws, seed=seed, idata=idata)
    sample = inference.posterior_predictive(az.InferenceData(posterior=thinned(idata.posterior, predictive_draws)),
                                            model, **simulate, seed=seed + 1)
    idata.add_groups({"posterior_predictive": sample.posterior_predictive})
    idata.attrs |= attrs
    return idata
