"""Bad settings of every driver (NUTS, SVI, MAP, catalogue fits, SBC, predictive draws, starts, the fitting
pipeline): each must fail before compiling, naming the setting."""

import arviz as az
import numpy as np
from bad_inputs import Case

from astrozoo.fitting import driver_settings, fit_problem
from astrozoo.inference import map_fit, nuts, posterior_predictive, prior_predictive, svi
from astrozoo.inference.batched import fit_objects
from astrozoo.inference.calibration import sbc
from astrozoo.inference.starts import best_of_optimisations, chain_starts, laplace_start
from astrozoo.models import line
from astrozoo.problems import get

X = np.linspace(0.0, 10.0, 12)
DATA = {"x": X, "sigma_y": np.ones(12), "y": 2 * X + 1}
TINY = {"chains": 1, "warmup": 3, "draws": 3, "progress": False}


def run(driver, *args, **kwargs):
    return lambda: driver(*args, **kwargs)


def nuts_with(**settings):
    return run(nuts, line.line, **DATA, **(TINY | settings))


def per_object(x=None, sigma_y=None, y=None):
    """A catalogue of independent straight lines, one row of points per object."""
    import numpyro
    import numpyro.distributions as dist

    with numpyro.plate("object", np.shape(x)[0], dim=-2):
        m = numpyro.sample("m", dist.Normal(0.0, 10.0))
        with numpyro.plate("point", np.shape(x)[1], dim=-1):
            numpyro.sample("y", dist.Normal(m * x, sigma_y), obs=y)


OBJECTS = {"x": np.ones((3, 4)), "sigma_y": np.ones((3, 4)), "y": np.ones((3, 4))}

CASES = [
    # ---- NUTS
    Case("nuts-zero-chains", nuts_with(chains=0), ValueError, r"chains must be >= 1, got 0"),
    Case("nuts-negative-warmup", nuts_with(warmup=-9), ValueError, r"warmup must be >= 0, got -9"),
    Case("nuts-zero-draws", nuts_with(draws=0), ValueError, r"draws must be >= 1, got 0"),
    Case("nuts-target-accept", nuts_with(target_accept=1.5), ValueError, r"target_accept must be in \(0, 1\), got 1.5"),
    Case("nuts-tree-depth", nuts_with(max_tree_depth=0), ValueError, r"max_tree_depth must be >= 1, got 0"),
    Case("nuts-chain-method", nuts_with(chain_method="gpu"), ValueError, r"chain_method must be one of"),
    Case("nuts-init-unknown-site", nuts_with(init_params={"slope": np.ones(1)}), ValueError,
         r"init_params names site\(s\) \['slope'\] that are not latent sites"),
    Case("nuts-init-chain-axis", nuts_with(init_params={"m": np.ones(3)}), ValueError,
         r"init_params\['m'\] must have a leading axis of length chains=1, got shape \(3,\)"),
    Case("nuts-init-nan", nuts_with(init_params={"m": np.array([np.nan])}), ValueError,
         r"init_params\['m'\] has non-finite values"),
    Case("nuts-mass-matrix-shape", nuts_with(inverse_mass_matrix=np.ones(3)), ValueError,
         r"inverse_mass_matrix must be a \(d,\) vector with dense_mass=False, d=2: expected shape \(2,\), got \(3,\)"),
    Case("nuts-mass-matrix-not-positive-definite", nuts_with(dense_mass=True, inverse_mass_matrix=-np.eye(2)),
         ValueError, r"inverse_mass_matrix must be positive definite"),
    Case("nuts-mass-matrix-asymmetric", nuts_with(dense_mass=True, inverse_mass_matrix=np.array([[1.0, 0.5], [0.0, 1.0]])),
         ValueError, r"inverse_mass_matrix must be symmetric"),
    Case("nuts-keep-nothing", nuts_with(adapt_mass_matrix=False), ValueError,
         r"adapt_mass_matrix=False needs an inverse_mass_matrix"),
    Case("nuts-negative-seed", nuts_with(seed=-1), ValueError, r"seed must be an integer in \[0, 2\*\*63\), got -1"),
    Case("nuts-float-seed", nuts_with(seed=1.5), ValueError, r"seed must be an integer in \[0, 2\*\*63\), got 1.5"),
    Case("nuts-huge-seed", nuts_with(seed=10**20), ValueError, r"seed must be an integer in \[0, 2\*\*63\)"),
    Case("nuts-bool-seed", nuts_with(seed=True), ValueError, r"seed must be an integer"),
    Case("nuts-unknown-argument", run(nuts, line.line, **DATA, slope=3.0), TypeError,
         r"arguments do not fit line: got an unexpected keyword argument 'slope'"),
    Case("nuts-dict-setting", run(nuts, line.line, **DATA, slope_scale={"a": 1}), ValueError,
         r"slope_scale must be a number or an array of numbers, got \{'a': 1\}"),
    # ---- SVI
    Case("svi-guide", run(svi, line.line, **DATA, guide="flow"), ValueError, r"guide must be one of"),
    Case("svi-zero-steps", run(svi, line.line, **DATA, steps=0), ValueError, r"steps must be >= 1, got 0"),
    Case("svi-learning-rate", run(svi, line.line, **DATA, learning_rate=0.0), ValueError,
         r"learning_rate must be > 0, got 0.0"),
    Case("svi-zero-draws", run(svi, line.line, **DATA, draws=0), ValueError, r"draws must be >= 1, got 0"),
    Case("svi-no-observations", run(svi, line.line, X, np.ones(12)), ValueError, r"no observations given: y is None"),
    Case("svi-seed", run(svi, line.line, **DATA, seed="1"), ValueError, r"seed must be an integer"),
    # ---- MAP / Laplace
    Case("map-zero-starts", run(map_fit, line.line, **DATA, starts=0), ValueError, r"starts must be >= 1, got 0"),
    Case("map-few-candidates", run(map_fit, line.line, **DATA, candidates=2, starts=4), ValueError,
         r"need candidates >= starts, got candidates=2, starts=4"),
    Case("map-zero-draws", run(map_fit, line.line, **DATA, draws=0), ValueError, r"draws must be >= 1, got 0"),
    Case("map-zero-steps", run(map_fit, line.line, **DATA, max_steps=0), ValueError, r"max_steps must be >= 1, got 0"),
    Case("map-seed", run(map_fit, line.line, **DATA, seed=-3), ValueError, r"seed must be an integer"),
    # ---- catalogue fits
    Case("objects-unknown", run(fit_objects, per_object, **OBJECTS, objects=("x", "flux")), ValueError,
         r"objects names \['flux'\], which are not array arguments of the model"),
    Case("objects-lengths", run(fit_objects, per_object, **(OBJECTS | {"y": np.ones((2, 4))}),
                                 objects=("x", "sigma_y", "y")), ValueError,
         r"the per-object arguments must share their first axis"),
    Case("objects-searches", run(fit_objects, per_object, **OBJECTS, objects=("x", "sigma_y", "y"), searches=9,
                                 candidates=4), ValueError, r"need searches <= candidates, got searches=9, candidates=4"),
    Case("objects-batch", run(fit_objects, per_object, **OBJECTS, objects=("x", "sigma_y", "y"), batch=0), ValueError,
         r"batch must be >= 1, got 0"),
    Case("objects-no-observations", run(fit_objects, per_object, x=OBJECTS["x"], sigma_y=OBJECTS["sigma_y"],
                                        objects=("x", "sigma_y")), ValueError, r"no observations given: y is None"),
    # ---- SBC
    Case("sbc-observed", run(sbc, line.line, **DATA, params=("m",)), ValueError,
         r"pass the model's observations as None"),
    Case("sbc-unknown-param", run(sbc, line.line, X, np.ones(12), y=None, params=("slope",)), ValueError,
         r"params \['slope'\] are not latent sites of the model"),
    Case("sbc-bins", run(sbc, line.line, X, np.ones(12), y=None, params=("m",), draws=10, bins=4), ValueError,
         r"bins=4 must divide draws \+ 1 = 11"),
    # ---- predictive draws
    Case("prior-predictive-observed", run(prior_predictive, line.line, **DATA), ValueError,
         r"has no site to simulate: pass its observation arguments as None"),
    Case("prior-predictive-seed", run(prior_predictive, line.line, X, np.ones(12), seed=-1), ValueError,
         r"seed must be an integer"),
    Case("prior-predictive-draws", run(prior_predictive, line.line, X, np.ones(12), draws=0), ValueError,
         r"draws must be >= 1, got 0"),
    Case("posterior-predictive-other-model",
         run(posterior_predictive, az.from_dict(posterior={"m": np.ones((1, 5))}), line.line_scatter, X, np.ones(12)),
         ValueError, r"idata's posterior lacks the latent site\(s\) \['b', 'scatter'\] of the model"),
    Case("posterior-predictive-no-posterior", run(posterior_predictive, az.InferenceData(), line.line, X, np.ones(12)),
         ValueError, r"idata has no posterior group"),
    # ---- starts
    Case("optima-starts", run(best_of_optimisations, line.line, **DATA, starts=8, candidates=4), ValueError,
         r"need 1 <= starts <= candidates, got starts=8, candidates=4"),
    Case("optima-no-observations", run(best_of_optimisations, line.line, X, np.ones(12)), ValueError,
         r"no observations given: y is None"),
    Case("laplace-start-chains", run(laplace_start, line.line, **DATA, chains=0), ValueError,
         r"chains must be >= 1, got 0"),
    Case("laplace-start-overdispersion", run(laplace_start, line.line, **DATA, chains=2, overdispersion=0.0), ValueError,
         r"overdispersion must be > 0, got 0.0"),
    Case("chain-starts-kind", run(chain_starts, "random", line.line, **DATA, chains=2), ValueError,
         r"start must be one of"),
    # ---- the fitting pipeline: settings that do not apply to the method
    Case("fit-map-chains", run(driver_settings, get("line-outliers"), "map", {"chains": 0}), ValueError,
         r"method 'map' does not take the setting\(s\) \['chains'\]"),
    Case("fit-svi-warmup", run(driver_settings, get("line-outliers"), "svi", {"warmup": -9}), ValueError,
         r"method 'svi' does not take the setting\(s\) \['warmup'\]"),
    Case("fit-unknown-method", run(fit_problem, get("line-outliers"), "hmc"), ValueError,
         r"method must be one of \('nuts', 'svi', 'map'\), got 'hmc'"),
    Case("fit-catalogue-nuts", run(fit_problem, get("sed-catalog-mock"), "nuts"), ValueError,
         r"sed-catalog-mock is fitted object by object with method 'map', got 'nuts'"),
    Case("fit-unknown-problem", run(get, "line-outlier"), ValueError, r"unknown problem 'line-outlier'; known problems: line, line-scatter"),
]
