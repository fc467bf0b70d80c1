"""Closure quantities: closure phases, log closure amplitudes and debiased amplitudes.

Station-based errors corrupt a visibility as V_ij → g_i conj(g_j) V_ij. Closure
phases cancel the station phases and log closure amplitudes the station gain
amplitudes (Thompson, Moran & Swenson 2017, §10.3; Chael et al. 2018, ApJ 857, 23).

Conventions (baselines are stored with station1 < station2, see
:mod:`astrozoo.data.vlbi.uvfits`):

* closure phase of the triangle i < j < k:
  ψ_ijk = arg(V_ij V_jk V_ki) = arg(V_ij V_jk conj V_ik), in radians in (−π, π];
  ``index`` holds the rows of (ij, jk, ik).
* log closure amplitude of the quadrangle (a, b, c, d):
  ln(|V_ab| |V_cd| / (|V_ac| |V_bd|)); ``index`` holds the rows of (ab, cd, ac, bd).
* Minimal non-redundant sets: within each band and scan, candidate triangles
  (quadrangles) are taken in order of increasing σ and kept when they are
  linearly independent, as vectors over the scan's baselines, of those kept
  before. Their number is B − N + 1 closure phases and B − N log closure
  amplitudes for a connected scan of N stations and B baselines (the complete
  array gives (N−1)(N−2)/2 and N(N−3)/2).
* σ is propagated from thermal noise to first order: σ_ψ² = Σ (σ_b / |V_b|)²
  and the same for the log closure amplitude.
* Debiasing: the amplitude estimator is √(max(|V|² − σ², 0)) (to first order
  in σ²/|V|²); a log amplitude has E[ln |V + n|] = ln |V| + E₁(|V|²/(2σ²))/2
  for complex Gaussian noise of σ per part, so ln A − E₁(A²/(2σ²))/2 is used.

The data products here are numpy (they run once at load); the model-side
functions at the bottom are JAX.
"""

from dataclasses import dataclass
from itertools import combinations

import jax.numpy as jnp
import numpy as np
from scipy.special import exp1


@dataclass(frozen=True)
class Closures:
    """Closure quantities built from a set of visibilities.

    Attributes:
        index: rows of the visibility table, (M, 3) for closure phases, (M, 4) for
            log closure amplitudes, in the order of the module's conventions.
        value: the observed closure quantity [rad, or dimensionless log].
        sigma: its thermal σ.
        scan: scan of each closure; band: band of each closure; time_h: its time [h].
        stations: (M, 3) or (M, 4) station indices of the corners.
    """

    index: np.ndarray
    value: np.ndarray
    sigma: np.ndarray
    scan: np.ndarray
    band: np.ndarray
    time_h: np.ndarray
    stations: np.ndarray

    def __len__(self):
        return len(self.value)


def debiased_amplitudes(vis) -> np.ndarray:
    """√(max(|V|² − σ², 0)): amplitudes with the first-order Rice bias removed [Jy]."""
    return np.sqrt(np.maximum(np.abs(vis.vis) ** 2 - vis.sigma**2, 0.0))


def debiased_log_amplitudes(vis) -> np.ndarray:
    """ln |V| − E₁(|V|²/(2σ²))/2: log amplitudes with their noise bias removed."""
    amplitude = np.abs(vis.vis)
    return np.log(amplitude) - 0.5 * exp1(amplitude**2 / (2 * vis.sigma**2))


def _scan_groups(vis):
    keys = vis.band * (int(vis.scan.max()) + 1) + vis.scan
    for key in np.unique(keys):
        rows = np.flatnonzero(keys == key)
        yield rows, {(int(vis.station1[r]), int(vis.station2[r])): int(r) for r in rows}


def _independent(candidates, baselines_of, n_rows):
    """Greedy: the candidates (in the given order) that raise the rank of the kept set."""
    kept, basis = [], np.zeros((0, n_rows))
    for candidate in candidates:
        vector = np.zeros(n_rows)
        for row, sign in baselines_of(candidate):
            vector[row] += sign
        trial = np.vstack([basis, vector])
        if np.linalg.matrix_rank(trial) > len(basis):
            kept.append(candidate)
            basis = trial
    return kept


def closure_phases(vis) -> Closures:
    """A minimal non-redundant set of closure phases per band and scan (see the module conventions).

    Args:
        vis: :class:`astrozoo.data.vlbi.uvfits.Visibilities`, normally scan averaged.
    """
    rel = vis.sigma / np.abs(vis.vis)
    index = []
    for rows, row_of in _scan_groups(vis):
        stations = sorted({s for pair in row_of for s in pair})
        local = {r: n for n, r in enumerate(rows)}
        triangles = [
            (row_of[i, j], row_of[j, k], row_of[i, k])
            for i, j, k in combinations(stations, 3)
            if (i, j) in row_of and (j, k) in row_of and (i, k) in row_of
        ]
        triangles.sort(key=lambda t: sum(rel[r] ** 2 for r in t))
        signs = lambda t: [(local[t[0]], 1), (local[t[1]], 1), (local[t[2]], -1)]  # noqa: E731
        index += _independent(triangles, signs, len(rows))
    index = np.array(index, int).reshape(-1, 3)
    bispectrum = vis.vis[index[:, 0]] * vis.vis[index[:, 1]] * np.conj(vis.vis[index[:, 2]])
    return Closures(
        index=index, value=np.angle(bispectrum), sigma=np.sqrt((rel[index] ** 2).sum(axis=1)),
        scan=vis.scan[index[:, 0]], band=vis.band[index[:, 0]], time_h=vis.time_h[index[:, 0]],
        stations=np.stack([vis.station1[index[:, 0]], vis.station2[index[:, 0]], vis.station2[index[:, 1]]], -1),
    )


def log_closure_amplitudes(vis) -> Closures:
    """A minimal non-redundant set of debiased log closure amplitudes per band and scan.

    Args:
        vis: :class:`astrozoo.data.vlbi.uvfits.Visibilities`, normally scan averaged.
    """
    rel = vis.sigma / np.abs(vis.vis)
    index, corners = [], []
    for rows, row_of in _scan_groups(vis):
        stations = sorted({s for pair in row_of for s in pair})
        local = {r: n for n, r in enumerate(rows)}
        quads = []
        for a, b, c, d in combinations(stations, 4):
            # the three pairings of four stations: numerator baselines over denominator baselines
            for top, bottom in (
                (((a, b), (c, d)), ((a, c), (b, d))),
                (((a, b), (c, d)), ((a, d), (b, c))),
                (((a, c), (b, d)), ((a, d), (b, c))),
            ):
                edges = top + bottom
                if all(e in row_of for e in edges):
                    quads.append((tuple(row_of[e] for e in edges), (a, b, c, d)))
        quads.sort(key=lambda q: sum(rel[r] ** 2 for r in q[0]))
        signs = lambda q: [(local[r], s) for r, s in zip(q[0], (1, 1, -1, -1))]  # noqa: E731
        for rows4, corner in _independent(quads, signs, len(rows)):
            index.append(rows4)
            corners.append(corner)
    index = np.array(index, int).reshape(-1, 4)
    log_amp = debiased_log_amplitudes(vis)
    return Closures(
        index=index, value=log_amp[index] @ np.array([1.0, 1.0, -1.0, -1.0]),
        sigma=np.sqrt((rel[index] ** 2).sum(axis=1)),
        scan=vis.scan[index[:, 0]], band=vis.band[index[:, 0]], time_h=vis.time_h[index[:, 0]],
        stations=np.array(corners, int).reshape(-1, 4),
    )


def closure_kwargs(vis, amplitudes: bool = False) -> dict:
    """The keyword arguments of :func:`astrozoo.models.vlbi.model.mring` from a visibility table.

    Minimal closure-phase and log-closure-amplitude sets (:func:`closure_phases`,
    :func:`log_closure_amplitudes`) with their σ and the rows they use; with
    ``amplitudes`` the debiased amplitudes and station indices too, for fits
    with station gains.
    """
    cp, lca = closure_phases(vis), log_closure_amplitudes(vis)
    kwargs = {
        "u": vis.u, "v": vis.v,
        "cphase_index": cp.index, "cphase_sigma": cp.sigma, "cphase": cp.value,
        "lcamp_index": lca.index, "lcamp_sigma": lca.sigma, "lcamp": lca.value,
    }
    if amplitudes:
        kwargs |= {
            "amp": debiased_amplitudes(vis), "amp_sigma": vis.sigma, "station1": vis.station1,
            "station2": vis.station2, "use_amplitudes": True, "n_stations": len(vis.stations),
        }
    return kwargs


def model_closure_phases(vis, index):
    """Closure phases [rad] of model visibilities ``vis`` (JAX, complex) at triangles ``index`` (M, 3)."""
    return jnp.angle(vis[index[:, 0]] * vis[index[:, 1]] * jnp.conj(vis[index[:, 2]]))


def model_log_closure_amplitudes(vis, index):
    """Log closure amplitudes of model visibilities ``vis`` at quadrangles ``index`` (M, 4)."""
    log_amp = 0.5 * jnp.log(vis.real**2 + vis.imag**2)
    return log_amp[index[:, 0]] + log_amp[index[:, 1]] - log_amp[index[:, 2]] - log_amp[index[:, 3]]
