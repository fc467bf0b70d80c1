"""Distances from Gaia parallaxes: one star, and a cluster seen against the field.

Units: parallaxes ϖ and their errors in mas, distances in pc, so the true
parallax of a star at distance r is 1000 / r. The zero-point ``zero_point_mas``
(Lindegren et al. 2021, A&A 649, A4) is the bias of the catalogue parallax:
ϖ_obs = 1000 / r + zero_point + offset + noise, with noise ~ N(0, σ_ϖ²).

Every model is ``f(plx_err_mas, plx_mas=None, *, zero_point_mas=0.0, ...)``: pass
``plx_mas`` to condition on data, leave it None to simulate.

Distance priors:

* field (Bailer-Jones 2015, PASP 127, 994: the exponentially decreasing space
  density): p(r | L) = r² exp(−r/L) / (2 L³), r > 0, i.e. Gamma(3, rate 1/L),
  which is also 0.5 L χ²₆; mode 2L, mean 3L.
* cluster: Gaussian in distance (not log-distance), N(D, σ²) truncated to r > 0.

Two formulations of the cluster mixture give the same posterior of the
hyperparameters (D, σ, L, Q):

* :func:`cluster` samples one latent distance per star (the NumPyro
  introduction's model), with a mixture prior that numpyro 0.22 accepts
  (:class:`ClusterFieldDistance`).
* :func:`cluster_marginal` integrates every star's distance out with an adaptive
  Gauss–Hermite quadrature per star and component (:func:`log_field_marginal`,
  :func:`log_cluster_marginal`), vectorised over stars; per-star distances and
  memberships follow afterwards from their conditional posteriors
  (:func:`star_distances`).
"""

import jax
import jax.numpy as jnp
import numpy as np
import numpyro
import numpyro.distributions as dist

from astrozoo.models.gaia.distributions import ClusterFieldDistance, ClusterFieldParallax
from astrozoo.models.gaia.quadrature import MAS_PC, log_cluster_marginal, log_field_marginal
from astrozoo.validate import check_finite, check_order, check_positive, check_same_length, model_inputs

def _check(plx_err_mas, plx_mas, zero_point_mas):
    check_positive("plx_err_mas", plx_err_mas)
    if plx_mas is not None:
        check_finite("plx_mas", plx_mas)
    check_finite("zero_point_mas", zero_point_mas)
    check_same_length(plx_err_mas=plx_err_mas, plx_mas=plx_mas, zero_point_mas=zero_point_mas)


@model_inputs(plx_err_mas="() or (N,)", plx_mas="() or (N,)", zero_point_mas="() or (N,)", observed=("plx_mas",))
def single_star(plx_err_mas, plx_mas=None, *, zero_point_mas=0.0, L_pc=1350.0):
    """One star's distance with the exponentially decreasing space-density prior.

    Prior: r ~ Gamma(3, rate 1/L) [pc], L fixed (Bailer-Jones 2015; L = 1.35 kpc is
    the length scale of Astraatmadja & Bailer-Jones 2016).
    Likelihood: ϖ ~ N(1000 / r + zero_point, σ_ϖ²) [mas].
    Records the deterministic ``plx_true_mas`` = 1000 / r.

    Args:
        plx_err_mas: the parallax error (scalar or one per star), > 0.
        plx_mas: the catalogue parallax, or None to simulate.
        zero_point_mas: the parallax zero-point, subtracted implicitly.
        L_pc: the prior's length scale.
    """
    _check(plx_err_mas, plx_mas, zero_point_mas)
    if plx_mas is not None and np.shape(plx_mas) != np.shape(plx_err_mas):
        raise ValueError(f"plx_mas must have the shape of plx_err_mas {np.shape(plx_err_mas)}, got {np.shape(plx_mas)}")
    check_positive("L_pc", L_pc)
    shape = jnp.shape(plx_err_mas)
    r = numpyro.sample("r", dist.Gamma(3.0, 1.0 / L_pc).expand(shape).to_event(len(shape)))
    numpyro.deterministic("plx_true_mas", MAS_PC / r)
    numpyro.sample(
        "plx_mas", dist.Normal(MAS_PC / r + zero_point_mas, plx_err_mas).to_event(len(shape)), obs=plx_mas
    )


def _hyperpriors(fit_offset, distance_min_pc, distance_max_pc, sigma_scale_pc, L_median_pc, offset_scale_mas):
    check_positive("distance_min_pc", distance_min_pc)
    check_order("distance_min_pc", distance_min_pc, "distance_max_pc", distance_max_pc)
    for name, value in (("sigma_scale_pc", sigma_scale_pc), ("L_median_pc", L_median_pc), ("offset_scale_mas", offset_scale_mas)):
        check_positive(name, value)
    D = numpyro.sample("D", dist.Uniform(distance_min_pc, distance_max_pc))
    sigma = numpyro.sample("sigma", dist.HalfNormal(sigma_scale_pc))
    L = numpyro.sample("L", dist.LogNormal(jnp.log(L_median_pc), 1.0))
    Q = numpyro.sample("Q", dist.Uniform(0.0, 1.0))
    offset = numpyro.sample("plx_offset_mas", dist.Normal(0.0, offset_scale_mas)) if fit_offset else 0.0
    return D, sigma, L, Q, offset


_PRIORS_DOC = """
    Priors: D ~ U(distance_min_pc, distance_max_pc) [pc], the cluster's mean
    distance; σ ~ HalfNormal(sigma_scale_pc) [pc], its line-of-sight size;
    L ~ LogNormal(ln L_median_pc, 1) [pc], the field's length scale;
    Q ~ U(0, 1), the fraction of stars in the cluster; with ``fit_offset``,
    a global parallax offset plx_offset_mas ~ N(0, offset_scale_mas²) [mas] added to
    the zero-point.
"""


@model_inputs(plx_err_mas="(N,)", plx_mas="(N,)", zero_point_mas="() or (N,)", observed=("plx_mas",))
def cluster(
    plx_err_mas,
    plx_mas=None,
    *,
    zero_point_mas=0.0,
    fit_offset=False,
    distance_min_pc=200.0,
    distance_max_pc=2000.0,
    sigma_scale_pc=20.0,
    L_median_pc=1000.0,
    offset_scale_mas=0.05,
):
    """Cluster + field mixture with one latent distance per star (the NumPyro introduction's model).

    r_i ~ Q N₊(D, σ²) + (1 − Q) Gamma(3, 1/L) [pc] (:class:`ClusterFieldDistance`);
    ϖ_i ~ N(1000 / r_i + zero_point_i + offset, σ_ϖ,i²) [mas].
    Records ``p_member``: each star's cluster probability given its distance,
    Q N₊(r_i) / p(r_i); its posterior mean is the star's membership probability.
    """
    _check(plx_err_mas, plx_mas, zero_point_mas)
    D, sigma, L, Q, offset = _hyperpriors(
        fit_offset, distance_min_pc, distance_max_pc, sigma_scale_pc, L_median_pc, offset_scale_mas
    )
    prior = ClusterFieldDistance(D, sigma, L, Q)
    with numpyro.plate("stars", len(plx_err_mas)):
        r = numpyro.sample("r", prior)
        log_member, log_field = prior.component_log_probs(r)
        numpyro.deterministic("p_member", jax.nn.sigmoid(log_member - log_field))
        numpyro.sample("plx_mas", dist.Normal(MAS_PC / r + zero_point_mas + offset, plx_err_mas), obs=plx_mas)


@model_inputs(plx_err_mas="(N,)", plx_mas="(N,)", zero_point_mas="() or (N,)", observed=("plx_mas",))
def cluster_marginal(
    plx_err_mas,
    plx_mas=None,
    *,
    zero_point_mas=0.0,
    fit_offset=False,
    distance_min_pc=200.0,
    distance_max_pc=2000.0,
    sigma_scale_pc=20.0,
    L_median_pc=1000.0,
    offset_scale_mas=0.05,
):
    """The same mixture with every star's distance integrated out (fast formulation).

    ϖ_i ~ :class:`ClusterFieldParallax` (D, σ, L, Q; σ_ϖ,i; zero_point_i + offset):
    the posterior of (D, σ, L, Q) is that of :func:`cluster`. Membership
    probabilities and distances of the stars follow from :func:`star_distances`
    (not recorded per draw: that would cost a quadrature of every star at every
    draw, and the memory of it).
    """
    _check(plx_err_mas, plx_mas, zero_point_mas)
    D, sigma, L, Q, offset = _hyperpriors(
        fit_offset, distance_min_pc, distance_max_pc, sigma_scale_pc, L_median_pc, offset_scale_mas
    )
    likelihood = ClusterFieldParallax(D, sigma, L, Q, plx_err_mas, zero_point_mas + offset)
    with numpyro.plate("stars", len(plx_err_mas)):
        numpyro.sample("plx_mas", likelihood, obs=plx_mas)


cluster.__doc__ += _PRIORS_DOC
cluster_marginal.__doc__ += _PRIORS_DOC


def _conditional_moments(D_pc, sigma_pc, L_pc, Q, plx_mas, plx_err_mas):
    """Membership probability and E[r], E[r²] of each star given one set of hyperparameters.

    p(r | ϖ, θ) = p_member p(r | ϖ, member) + (1 − p_member) p(r | ϖ, field); the
    moments of each part are ratios of quadratures with power 2, 1 and 0.
    """
    cluster_ = [log_cluster_marginal(plx_mas, plx_err_mas, D_pc, sigma_pc, k) for k in (0, 1, 2)]
    field_ = [log_field_marginal(plx_mas, plx_err_mas, L_pc, k) for k in (0, 1, 2)]
    p = jax.nn.sigmoid(jnp.log(Q) + cluster_[0] - jnp.log1p(-Q) - field_[0])
    mean = p * jnp.exp(cluster_[1] - cluster_[0]) + (1 - p) * jnp.exp(field_[1] - field_[0])
    second = p * jnp.exp(cluster_[2] - cluster_[0]) + (1 - p) * jnp.exp(field_[2] - field_[0])
    return p, mean, second


def star_distances(posterior, plx_mas, plx_err_mas, zero_point_mas=0.0, max_draws=200, seed=0):
    """Each star's membership probability and distance, from the conditional posteriors.

    For every (thinned) posterior draw θ of (D, σ, L, Q[, plx_offset_mas]), each
    star's distance has the conditional posterior p(r | ϖ, θ), a two-component
    mixture computed by quadrature; averaging over draws gives the marginal
    posterior moments (laws of total expectation and variance).

    Args:
        posterior: mapping of site name -> draws (any leading shape), e.g.
            ``idata.posterior`` of a :func:`cluster_marginal` fit.
        plx_mas, plx_err_mas, zero_point_mas: the data the model was fitted to.
        max_draws: at most this many draws are used (chosen at random).
        seed: seed of that choice.

    Returns:
        dict with ``p_member``, ``r_mean_pc`` and ``r_sd_pc``, each shape (N,).
    """
    flat = {k: np.asarray(posterior[k]).reshape(-1) for k in ("D", "sigma", "L", "Q")}
    offset = np.asarray(posterior["plx_offset_mas"]).reshape(-1) if "plx_offset_mas" in posterior else 0.0 * flat["D"]
    n = len(flat["D"])
    pick = np.random.default_rng(seed).choice(n, min(n, max_draws), replace=False)
    thetas = jnp.stack([flat["D"][pick], flat["sigma"][pick], flat["L"][pick], flat["Q"][pick], offset[pick]], -1)
    plx = jnp.asarray(plx_mas) - jnp.asarray(zero_point_mas)
    err = jnp.asarray(plx_err_mas)

    @jax.jit
    def moments(thetas):
        return jax.lax.map(lambda t: _conditional_moments(t[0], t[1], t[2], t[3], plx - t[4], err), thetas)

    p, mean, second = (np.asarray(a).mean(0) for a in moments(thetas))
    return {"p_member": p, "r_mean_pc": mean, "r_sd_pc": np.sqrt(np.maximum(second - mean**2, 0.0))}
