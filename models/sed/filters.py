"""Broadband filters (the ``.par`` curves bundled with astro-sedpy) and AB photometry.

The AB flux of a source in a band with transmission R(λ) (detector signal per
photon) is the photon-weighted mean of f_ν (Fukugita et al. 1996, AJ 111,
1748, eq. 7; Hogg et al. 2002, arXiv:astro-ph/0210394, eq. 7):

    maggies = ∫ f_ν(λ) R(λ) dλ/λ  /  ∫ f_ν,AB R(λ) dλ/λ,   f_ν,AB = 3631 Jy,

and m_AB = −2.5 log10(maggies).
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

AB_ZEROPOINT_CGS = 3631e-23  # erg s⁻¹ cm⁻² Hz⁻¹

NAMED_SETS = {
    "sdss": ("sdss_u0", "sdss_g0", "sdss_r0", "sdss_i0", "sdss_z0"),
    "2mass": ("twomass_J", "twomass_H", "twomass_Ks"),
    "wise": ("wise_w1", "wise_w2", "wise_w3", "wise_w4"),
    "galex": ("galex_FUV", "galex_NUV"),
    "jwst-nircam": tuple(f"jwst_f{w}w" for w in ("070", "090", "115", "150", "200", "277", "356", "444")),
}


@dataclass(frozen=True, eq=False)
class Filter:
    """A transmission curve: ``name``, ``wave_aa`` [Å] (increasing) and ``transmission`` (≥ 0)."""

    name: str
    wave_aa: np.ndarray
    transmission: np.ndarray


def sedpy_filter_dir() -> Path:
    """The folder of ``.par`` files shipped with astro-sedpy."""
    import sedpy

    return Path(sedpy.__file__).parent / "data" / "filters"


def read_par(path) -> Filter:
    """A filter from a two-column text file: wavelength [Å], transmission; ``#`` starts a comment."""
    path = Path(path)
    data = np.loadtxt(path, comments="#", usecols=(0, 1), ndmin=2)
    wave, trans = data[:, 0], np.clip(data[:, 1], 0.0, None)
    order = np.argsort(wave)
    wave, trans = wave[order], trans[order]
    if wave.size < 2 or np.any(np.diff(wave) <= 0) or not np.any(trans > 0):
        raise ValueError(f"filter file {path} needs >= 2 distinct wavelengths and some positive transmission")
    return Filter(path.stem, wave, trans)


def _unknown(name: str) -> ValueError:
    return ValueError(
        f"unknown filter {name!r}: give a named set ({', '.join(NAMED_SETS)}), "
        f"the name of a sedpy filter (e.g. 'sdss_r0') or the path of a .par file"
    )


def resolve(filters) -> tuple[Filter, ...]:
    """Filters from names: a named set, a sedpy filter name, a ``.par`` path, or a sequence of these.

    Raises:
        ValueError: a name is neither (the message lists the named sets).
    """
    items = [filters] if isinstance(filters, (str, Path)) else list(filters)
    if not items:
        raise ValueError("filters is empty")
    resolved = []
    for item in items:
        if isinstance(item, Filter):
            resolved.append(item)
            continue
        name = str(item)
        if name in NAMED_SETS:
            resolved.extend(read_par(sedpy_filter_dir() / f"{n}.par") for n in NAMED_SETS[name])
        elif name.endswith(".par"):
            if not Path(name).is_file():
                raise ValueError(f"filter file {name} does not exist")
            resolved.append(read_par(name))
        elif (sedpy_filter_dir() / f"{name}.par").is_file():
            resolved.append(read_par(sedpy_filter_dir() / f"{name}.par"))
        else:
            raise _unknown(name)
    return tuple(resolved)


def maggies(wave_aa, f_nu_cgs, band: Filter):
    """AB maggies of a spectrum f_ν [erg s⁻¹ cm⁻² Hz⁻¹] sampled at ``wave_aa`` [Å].

    The numerator is integrated with the trapezoid rule in λ on the
    spectrum's samples, the transmission interpolated onto them (zero outside
    the curve; only the samples where the band transmits, plus one neighbour
    each side, enter). The denominator, a property of the band alone, is
    integrated exactly for the band's curve taken as linear between its samples
    (:func:`ab_normalisation`).
    ``f_nu_cgs`` may carry leading batch axes.
    """
    wave = np.asarray(wave_aa, float)
    trans = np.interp(wave, band.wave_aa, band.transmission, left=0.0, right=0.0)
    inside = np.flatnonzero(trans > 0)
    if inside.size == 0:
        raise ValueError(f"the spectrum does not reach band {band.name}")
    part = slice(max(inside[0] - 1, 0), inside[-1] + 2)
    w, r = wave[part], trans[part] / wave[part]
    return np.trapezoid(np.asarray(f_nu_cgs)[..., part] * r, w, axis=-1) / ab_normalisation(band)


def ab_normalisation(band: Filter) -> float:
    """f_ν,AB ∫ R(λ) dλ/λ [erg s⁻¹ cm⁻² Hz⁻¹], exact for R linear between the band's samples.

    On a segment [a, b] where R = R_a + s (λ − a): ∫ R dλ/λ = (R_a − s a) ln(b/a) + s (b − a).
    """
    a, b = band.wave_aa[:-1], band.wave_aa[1:]
    r_a = band.transmission[:-1]
    s = np.diff(band.transmission) / (b - a)
    return AB_ZEROPOINT_CGS * float(np.sum((r_a - s * a) * np.log(b / a) + s * (b - a)))
