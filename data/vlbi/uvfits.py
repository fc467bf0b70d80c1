"""A reader of uvfits random-groups files of calibrated Stokes I VLBI data, scan averaging and band merging.

Conventions (they fix the signs of closure phases and position angles):

* Baselines are stored with ``station1 < station2`` (indices into ``stations``). A record
  written the other way round is conjugated and its (u, v) negated, since V_ji = conj V_ij
  and (u, v)_ji = −(u, v)_ij.
* (u, v) are in wavelengths: the file's UU, VV (light seconds once PSCAL is applied) times the
  reference frequency. u points east, v north.
* The visibility is V(u, v) = ∫∫ I(x, y) exp(+2πi (u x + v y)) dx dy, x the offset towards
  east (RA increasing) and y towards north, in radians: the positive-exponent convention of the
  EHT data (and of Comrade.jl). With it, an m-ring fit to day 101 puts the bright side in the
  south, as the EHT images do (EHT Collaboration 2019, ApJL 875, L4).
* σ is the standard deviation of each of the real and imaginary parts of V. The EHT 2017
  release (EHT Collaboration 2019, ApJL 875, L3) writes Stokes I into both RR and LL, each
  with weight 1/σ_RR² where σ_RR = √2 σ_I; so I = mean of the valid RR, LL and σ_I = σ_RR/√2.
* Records whose weight is zero, negative or not finite in every parallel-hand product are
  flagged (dropped); ``n_flagged`` counts them.
* Times are hours UT from 0 h of the observing date (header MJD).
"""

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from astrozoo.data.opening import open_fits

SCAN_GAP_S = 60.0  # a gap longer than this between records starts a new scan
_EXPECTED = "a uvfits random-groups file of visibilities with an AIPS AN antenna table"


@dataclass(frozen=True)
class Visibilities:
    """Complex Stokes I visibilities, one row per record (or per scan and baseline once averaged).

    Attributes:
        stations: station names; ``station1``/``station2`` index this tuple.
        time_h: hours UT.
        scan: scan number (0-based, per band).
        station1, station2: station indices, station1 < station2.
        u, v: baseline coordinates [λ].
        vis: complex visibility [Jy].
        sigma: thermal σ of the real and of the imaginary part [Jy].
        freq_hz: observing frequency per row [Hz].
        band: band index per row (0 for a single file; see :func:`merge_bands`).
        n_flagged: records flagged while reading.
    """

    stations: tuple[str, ...]
    time_h: np.ndarray
    scan: np.ndarray
    station1: np.ndarray
    station2: np.ndarray
    u: np.ndarray
    v: np.ndarray
    vis: np.ndarray
    sigma: np.ndarray
    freq_hz: np.ndarray
    band: np.ndarray = field(default=None)
    n_flagged: int = 0

    def __len__(self):
        return len(self.vis)

    @property
    def uv_distance(self) -> np.ndarray:
        """|(u, v)| [λ]."""
        return np.hypot(self.u, self.v)

    def stations_with_data(self) -> tuple[str, ...]:
        """Names of the stations on at least one baseline."""
        used = np.union1d(self.station1, self.station2)
        return tuple(self.stations[i] for i in used)

    def take(self, index) -> "Visibilities":
        """The rows selected by ``index`` (a boolean mask or integer indices)."""
        rows = {k: getattr(self, k)[index] for k in _ROW_FIELDS}
        return replace(self, **rows)


_ROW_FIELDS = ("time_h", "scan", "station1", "station2", "u", "v", "vis", "sigma", "freq_hz", "band")


def read_uvfits(path, stations: tuple[str, ...] | None = None, scan_gap_s: float = SCAN_GAP_S) -> Visibilities:
    """Read calibrated Stokes I visibilities from a uvfits random-groups file.

    Scans are numbered from the times of all records, flagged ones included: a
    gap longer than ``scan_gap_s`` starts a new scan.

    Args:
        path: the file (gzipped or not).
        stations: keep only baselines between these stations (names as in the
            antenna table); None keeps all.
        scan_gap_s: the shortest gap between scans [s].

    Returns:
        :class:`Visibilities` at the file's time resolution, flagged records removed.

    Raises:
        FileNotFoundError: no file at ``path``.
        ValueError: naming the file: it is a directory, empty, not FITS, truncated (shorter
            than its headers declare) or corrupt; not a random-groups file with an AIPS AN
            table; has more than one IF or channel (not supported yet, see issue #12), no RR
            and LL, or a random parameter missing; names a station the antenna table lacks;
            ``stations`` names an unknown station; or a scan has no unflagged record.
    """
    from astropy.io import fits

    path = Path(path)
    with open_fits(path, "uvfits file", _EXPECTED) as hdus:
        try:
            hdus.verify("exception")
        except fits.VerifyError as err:
            raise ValueError(f"uvfits file {path} is not valid FITS: {err}") from None
        primary = hdus[0]
        if not isinstance(primary, fits.GroupsHDU):
            raise ValueError(f"uvfits file {path} is not a uvfits file: its primary HDU is not random groups "
                             f"(expected {_EXPECTED})")
        if "AIPS AN" not in {hdu.name for hdu in hdus}:
            raise ValueError(f"uvfits file {path} has no AIPS AN (antenna) table; "
                             f"its HDUs are {[h.name for h in hdus]}")
        header, groups = primary.header, primary.data
        hands, freq = _layout(header, path)
        missing = sorted({"UU---SIN", "VV---SIN", "BASELINE", "DATE"} - {n.upper() for n in groups.parnames})
        if missing:
            raise ValueError(f"uvfits file {path} lacks the random parameter(s) {missing}")
        if len(groups) == 0:
            raise ValueError(f"uvfits file {path} holds no visibility records (GCOUNT = 0)")
        try:
            params = {name.upper(): i for i, name in enumerate(groups.parnames)}
            uu = np.asarray(groups.par(params["UU---SIN"]), float)
            vv = np.asarray(groups.par(params["VV---SIN"]), float)
            baseline = np.asarray(groups.par(params["BASELINE"]), float)
            jd = sum(np.asarray(groups.par(i), float) for i, n in enumerate(groups.parnames) if n.upper() == "DATE")
            data = np.asarray(groups.data, float).reshape(len(groups), header["NAXIS3"], 3)
            antennas = hdus["AIPS AN"].data
            ant_names = [str(n).strip() for n in antennas["ANNAME"]]
            ant_numbers = [int(n) for n in antennas["NOSTA"]]
        except (KeyError, IndexError, TypeError, ValueError) as err:
            raise ValueError(f"uvfits file {path} is corrupt: {type(err).__name__}: {err}") from None
        mjd = float(header["MJD"]) if "MJD" in header else float(np.floor(jd.min() - 2400000.5))

    broken = ~(np.isfinite(uu) & np.isfinite(vv) & np.isfinite(baseline) & np.isfinite(jd))
    if broken.any():
        raise ValueError(f"uvfits file {path}: {int(broken.sum())} record(s) have a non-finite u, v, baseline or time "
                         f"(the first is record {int(np.argmax(broken))}, 0-based)")
    times = np.unique(jd)
    scan_of_time = np.concatenate([[0], np.cumsum(np.diff(times) * 86400.0 > scan_gap_s)])
    scan = scan_of_time[np.searchsorted(times, jd)]
    parallel = data[:, hands, :]  # (groups, RR/LL, re/im/weight)
    weight = parallel[..., 2]
    valid = np.isfinite(weight) & (weight > 0) & np.isfinite(parallel[..., 0]) & np.isfinite(parallel[..., 1])
    n_valid = valid.sum(axis=1)
    keep = n_valid > 0
    empty = np.setdiff1d(np.unique(scan), np.unique(scan[keep]))
    if empty.size:
        first = times[scan_of_time == empty[0]][0]
        raise ValueError(
            f"uvfits file {path}: scan {int(empty[0])} (0-based, starting at JD {first:.5f}) is entirely flagged "
            "(no record with a positive finite weight)"
        )
    complex_hands = parallel[..., 0] + 1j * parallel[..., 1]
    vis = np.where(valid, complex_hands, 0).sum(axis=1)[keep] / n_valid[keep]
    sigma_hand = np.where(valid, 1 / np.sqrt(np.where(valid, weight, 1.0)), 0).sum(axis=1)[keep] / n_valid[keep]
    sigma = sigma_hand / np.sqrt(2)

    ant1, ant2 = (baseline // 256).astype(int)[keep], np.round(baseline % 256).astype(int)[keep]
    number_to_index = {n: i for i, n in enumerate(ant_numbers)}
    unknown = sorted(set(ant1.tolist() + ant2.tolist()) - set(number_to_index))
    if unknown:
        raise ValueError(
            f"uvfits file {path}: baselines name antenna number(s) {unknown} absent from the antenna table "
            f"(known: {dict(zip(ant_numbers, ant_names))})"
        )
    s1 = np.array([number_to_index[a] for a in ant1], int)
    s2 = np.array([number_to_index[a] for a in ant2], int)
    u, v = uu[keep] * freq, vv[keep] * freq
    swap = s1 > s2
    s1, s2 = np.where(swap, s2, s1), np.where(swap, s1, s2)
    u, v, vis = np.where(swap, -u, u), np.where(swap, -v, v), np.where(swap, np.conj(vis), vis)
    if np.any(s1 == s2):
        raise ValueError(f"uvfits file {path}: autocorrelations are not supported")
    time_h = (jd[keep] - 2400000.5 - mjd) * 24.0
    result = Visibilities(
        stations=tuple(ant_names), time_h=time_h, scan=scan[keep], station1=s1, station2=s2,
        u=u, v=v, vis=vis, sigma=sigma, freq_hz=np.full(len(vis), freq), band=np.zeros(len(vis), int),
        n_flagged=int((~keep).sum()),
    )
    if stations is not None:
        result = select_stations(result, stations)
    return result


def _layout(header, path) -> tuple[list[int], float]:
    """The indices of RR and LL on the Stokes axis and the frequency [Hz] of a one-IF, one-channel file.

    Axis 2 must be COMPLEX (re, im, weight) and axis 3 STOKES, as every uvfits writer has
    them; the later axes are named by their CTYPE and must have length 1.
    """
    def world(i, pixel):  # the coordinate of 1-based ``pixel`` on axis i
        return float(header.get(f"CRVAL{i}", 0)) + (pixel - float(header.get(f"CRPIX{i}", 1))) * float(
            header.get(f"CDELT{i}", 0))

    def axis(i):  # (CTYPE, length, coordinate of the first pixel)
        return str(header.get(f"CTYPE{i}", f"axis {i}")).strip().upper(), int(header.get(f"NAXIS{i}", 0)), world(i, 1)

    axes = [axis(i) for i in range(2, int(header["NAXIS"]) + 1)]
    if [a[0] for a in axes[:2]] != ["COMPLEX", "STOKES"] or axes[0][1] != 3:
        raise ValueError(f"uvfits file {path}: expected axis 2 COMPLEX of length 3 and axis 3 STOKES, "
                         f"got {[a[:2] for a in axes[:2]]}")
    later = {name: (n, world) for name, n, world in axes[2:]}
    n_if, n_chan = later.get("IF", (1,))[0], later.get("FREQ", (1,))[0]
    if n_if > 1 or n_chan > 1:
        raise ValueError(f"uvfits file {path} has {n_if} IFs and {n_chan} channels: more than one IF or channel "
                         "is not supported yet, see issue #12 (average them first)")
    if any(n != 1 for n, _ in later.values()) or not later.get("FREQ", (1, 0))[1] > 0:
        raise ValueError(f"uvfits file {path}: expected a FREQ axis at a positive frequency and every axis after "
                         f"the Stokes axis of length 1, got (length, value) {later}")
    codes = world(3, np.arange(axes[1][1]) + 1)
    if not {-1.0, -2.0} <= set(codes.tolist()):
        raise ValueError(f"uvfits file {path}: expected RR (Stokes code -1) and LL (-2), "
                         f"got Stokes codes {codes.tolist()}")
    return [int(np.flatnonzero(codes == c)[0]) for c in (-1, -2)], later["FREQ"][1]


def select_stations(vis: Visibilities, stations) -> Visibilities:
    """Only the baselines between the named stations; ValueError for a name not in ``vis.stations``."""
    unknown = [s for s in stations if s not in vis.stations]
    if unknown:
        raise ValueError(f"unknown station(s) {unknown}; this file has stations {list(vis.stations)}")
    wanted = np.isin(np.arange(len(vis.stations)), [vis.stations.index(s) for s in stations])
    return vis.take(wanted[vis.station1] & wanted[vis.station2])


def scan_average(vis: Visibilities) -> Visibilities:
    """Coherent average of each baseline over each scan, weighted by 1/σ².

    V̄ = Σ w V / Σ w and σ̄ = (Σ w)^(-1/2), w = 1/σ²; (u, v) and the frequency
    are weighted means; every point of a scan carries the scan's mean time as
    its single time label. Rows are ordered by band, scan, station1, station2.
    """
    if len(vis) == 0:
        raise ValueError("no visibilities to average")
    n_scans, n_st = int(vis.scan.max()) + 1, len(vis.stations)
    scan_id = vis.band * n_scans + vis.scan
    key = (scan_id * n_st + vis.station1) * n_st + vis.station2
    groups, inverse = np.unique(key, return_inverse=True)
    weight = 1.0 / vis.sigma**2
    total = np.bincount(inverse, weight)

    def mean(values):
        if np.iscomplexobj(values):
            return mean(values.real) + 1j * mean(values.imag)
        return np.bincount(inverse, weight * values) / total

    scan_time = np.bincount(scan_id, vis.time_h) / np.maximum(np.bincount(scan_id), 1)
    first = np.unique(inverse, return_index=True)[1]
    return replace(
        vis, time_h=scan_time[scan_id[first]], scan=vis.scan[first], station1=vis.station1[first], station2=vis.station2[first],
        u=mean(vis.u), v=mean(vis.v), vis=mean(vis.vis), sigma=1 / np.sqrt(total), freq_hz=mean(vis.freq_hz),
        band=vis.band[first],
    )


def add_systematic(vis: Visibilities, fraction: float) -> Visibilities:
    """σ ← √(σ² + (f |V|)²): a fractional systematic error added in quadrature."""
    if not (np.isfinite(fraction) and fraction >= 0):
        raise ValueError(f"fraction must be finite and >= 0, got {fraction}")
    return replace(vis, sigma=np.hypot(vis.sigma, fraction * np.abs(vis.vis)))


def merge_bands(*bands: Visibilities) -> Visibilities:
    """Concatenate data sets of the same array (e.g. the 227 and 229 GHz bands), band i getting ``band == i``.

    Stations are matched by name; scans keep their per-band numbering, so
    closures (formed per band and scan) never mix frequencies.
    """
    if not bands:
        raise ValueError("merge_bands needs at least one data set")
    stations = list(bands[0].stations)
    for b in bands[1:]:
        stations += [s for s in b.stations if s not in stations]
    parts = []
    for i, b in enumerate(bands):
        remap = np.array([stations.index(s) for s in b.stations], int)
        parts.append(replace(b, station1=remap[b.station1], station2=remap[b.station2], band=np.full(len(b), i)))
    rows = {k: np.concatenate([getattr(p, k) for p in parts]) for k in _ROW_FIELDS}
    return replace(bands[0], stations=tuple(stations), n_flagged=sum(b.n_flagged for b in bands), **rows)
