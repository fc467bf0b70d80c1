"""Convergence diagnostics printed after every fit."""

import logging
import warnings
from dataclasses import dataclass

import arviz as az
import numpy as np

log = logging.getLogger("astrozoo")

RHAT_MAX = 1.01
ESS_MIN = 400


class ConvergenceWarning(UserWarning):
    """A fit that should not be trusted as it stands."""


@dataclass(frozen=True)
class Convergence:
    """The three numbers that decide whether a run has converged.

    Attributes:
        divergences: number of divergent transitions after warm-up.
        r_hat_max: largest rank-normalised split r_hat over the variables (nan for one chain).
        ess_bulk_min: smallest bulk effective sample size over the variables.
    """

    divergences: int
    r_hat_max: float
    ess_bulk_min: float

    @property
    def converged(self) -> bool:
        return (
            self.divergences == 0 and self.r_hat_max < RHAT_MAX and self.ess_bulk_min >= ESS_MIN
        )

    def __str__(self) -> str:
        return (
            f"divergences={self.divergences}  max r_hat={self.r_hat_max:.3f}  "
            f"min ess_bulk={self.ess_bulk_min:.0f}"
        )


def convergence(idata: az.InferenceData, var_names=None) -> Convergence:
    """Divergences, worst r_hat and smallest bulk ESS of ``var_names`` (default: all posterior)."""
    post = idata.posterior if var_names is None else idata.posterior[list(var_names)]
    divergences = 0
    if "sample_stats" in idata.groups() and "diverging" in idata.sample_stats:
        divergences = int(idata.sample_stats["diverging"].sum())
    finite = post[[v for v in post.data_vars if np.isfinite(post[v].values).all()]]
    if not finite.data_vars:
        return Convergence(divergences, float("nan"), float("nan"))
    ess = az.ess(finite, method="bulk")
    ess_min = min(float(np.nanmin(ess[v].values)) for v in ess.data_vars)
    r_hat_max = float("nan")
    if post.sizes["chain"] > 1:
        r_hat = az.rhat(finite)
        r_hat_max = max(float(np.nanmax(r_hat[v].values)) for v in r_hat.data_vars)
    return Convergence(divergences, r_hat_max, ess_min)


def report_convergence(idata: az.InferenceData, var_names=None, label: str = "NUTS") -> Convergence:
    """Log one compact diagnostic line (the ``astrozoo`` logger) and warn about anything untrustworthy."""
    result = convergence(idata, var_names)
    log.info("%s: %s", label, result)
    if result.divergences:
        warnings.warn(
            f"{result.divergences} divergent transitions: the posterior geometry is not being "
            "explored reliably; raise target_accept or reparametrise",
            ConvergenceWarning,
            stacklevel=3,
        )
    if result.r_hat_max > RHAT_MAX:
        warnings.warn(
            f"max r_hat = {result.r_hat_max:.3f} > {RHAT_MAX}: the chains disagree",
            ConvergenceWarning,
            stacklevel=3,
        )
    if result.ess_bulk_min < ESS_MIN:
        warnings.warn(
            f"min ess_bulk = {result.ess_bulk_min:.0f} < {ESS_MIN}: too few effective draws",
            ConvergenceWarning,
            stacklevel=3,
        )
    return result
