"""Distances from Gaia parallaxes: one star, and a cluster seen against the field.

Physics: :mod:`.quadrature` (each star's distance integrated out) and
:mod:`.distributions` (the mixture prior and parallax likelihood); the NumPyro
models are in :mod:`.model` and exported here.
"""

from astrozoo.models.gaia.distributions import ClusterFieldDistance, ClusterFieldParallax
from astrozoo.models.gaia.model import cluster, cluster_marginal, single_star, star_distances
from astrozoo.models.gaia.quadrature import MAS_PC, log_cluster_marginal, log_field_marginal

__all__ = [
    "MAS_PC", "ClusterFieldDistance", "ClusterFieldParallax", "cluster", "cluster_marginal",
    "log_cluster_marginal", "log_field_marginal", "single_star", "star_distances",
]
