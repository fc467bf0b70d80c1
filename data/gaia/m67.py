"""Gaia DR3 stars in a 0.5° cone around the open cluster M67, and their parallax zero-point.

The file is the one the NumPyro introduction for astronomers uses: Gaia DR3
``gaia_source`` rows (5,331) with parallax, its error, G, BP−RP and the inputs of
the Lindegren et al. (2021) zero-point. Units: parallaxes in mas, magnitudes in mag.

Quality cut (:func:`select`): plx_min_mas < ϖ < plx_max_mas (default 0.2 and 3 mas)
and finite ϖ, G, BP−RP and zero-point inputs; rows failing it are dropped.
A parallax error that is NaN or ≤ 0 is not a quality issue but a broken table,
and raises.

Zero-point policy (:func:`zero_point`): the Lindegren et al. (2021) model is
calibrated for 6 < G < 21, 1.1 < ν_eff < 1.9 μm⁻¹ (5-parameter solutions) and
1.24 < pseudocolour < 1.72 μm⁻¹ (6-parameter solutions). A star outside that
range gets the zero-point at the nearest point of the range (its inputs are
clipped to it) and is flagged in ``zpt_clipped``; it is kept.
"""

import functools
import io
import warnings
from pathlib import Path

import numpy as np

from astrozoo.data.registry import Dataset, fetch, register

CITATION = (
    "Gaia Collaboration, Vallenari et al. (2023), A&A 674, A1 (Gaia DR3); "
    "Lindegren et al. (2021), A&A 649, A4 (parallax zero-point); "
    "D. Foreman-Mackey, An introduction to NumPyro for astronomers (data/m67.fits.gz)"
)

DATASET = register(
    Dataset(
        name="gaia-m67",
        path="m67/m67.fits.gz",
        url="https://raw.githubusercontent.com/dfm-io/post--intro-to-numpyro/main/data/m67.fits.gz",
        sha256="e4e814895dae1a1ff34be33a9df87211ca760121ddd80784636e217b3483e089",
        citation=CITATION,
        licence="Gaia data: ESA/Gaia/DPAC (acknowledgement required); repository MIT",
        size=276903,
    )
)

COLUMNS = (
    "source_id",
    "parallax",
    "parallax_error",
    "phot_g_mean_mag",
    "bp_rp",
    "nu_eff_used_in_astrometry",
    "pseudocolour",
    "ecl_lat",
    "astrometric_params_solved",
)

# Where Lindegren et al. (2021) calibrated the zero-point.
G_RANGE = (6.0, 21.0)
NU_EFF_RANGE = (1.1, 1.9)
PSEUDOCOLOUR_RANGE = (1.24, 1.72)


def _check_solutions(astrometric_params_solved):
    solved = np.asarray(astrometric_params_solved)
    if not np.isin(solved, (31, 95)).all():
        bad = sorted(int(v) for v in set(np.unique(solved)) - {31, 95})
        raise ValueError(f"astrometric_params_solved must be 31 (5-parameter) or 95 (6-parameter); found {bad}")
    return solved


def zero_point(phot_g_mean_mag, nu_eff_used_in_astrometry, pseudocolour, ecl_lat, astrometric_params_solved):
    """The Lindegren et al. (2021) parallax zero-point [mas], with the range policy above.

    Computed by the ``gaiadr3-zeropoint`` package (``zero_point.zpt.get_zpt``) on
    inputs clipped to the calibrated range. Corrected parallax = ϖ − zero-point.

    Returns:
        (zero-point [mas], clipped: bool array, True where an input was outside the range).
    """
    from zero_point import zpt

    solved = _check_solutions(astrometric_params_solved)
    five = solved == 31
    g = np.asarray(phot_g_mean_mag, float)
    colour = np.where(five, nu_eff_used_in_astrometry, pseudocolour).astype(float)
    low, high = np.where(five, NU_EFF_RANGE[0], PSEUDOCOLOUR_RANGE[0]), np.where(five, NU_EFF_RANGE[1], PSEUDOCOLOUR_RANGE[1])
    clipped = (g <= G_RANGE[0]) | (g >= G_RANGE[1]) | (colour <= low) | (colour >= high)
    g_in = np.clip(g, *G_RANGE)
    colour_in = np.clip(colour, low, high)
    if not hasattr(zpt, "g_5"):
        zpt.load_tables()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # inputs at the edge of the range warn; they are ours
        value = zpt.get_zpt(
            g_in, np.where(five, colour_in, np.nan), np.where(five, np.nan, colour_in),
            np.asarray(ecl_lat, float), solved,
        )
    return np.asarray(value, float), clipped


def select(columns, plx_min_mas=0.2, plx_max_mas=3.0):
    """Apply the quality cut and compute the zero-point.

    Args:
        columns: mapping with the :data:`COLUMNS` (a table or a dict of arrays).
        plx_min_mas, plx_max_mas: keep plx_min_mas < ϖ < plx_max_mas.

    Returns:
        dict of arrays, one entry per kept star: ``plx_mas``, ``plx_err_mas``,
        ``zero_point_mas``, ``zpt_clipped``, ``phot_g_mean_mag``, ``bp_rp``, ``source_id``.

    Raises:
        ValueError: a column is missing, a parallax error is NaN or ≤ 0, the
            parallax window is empty, or no star passes the cut.
    """
    missing = [c for c in COLUMNS if c not in columns]
    if missing:
        raise ValueError(f"the Gaia table is missing column(s): {', '.join(missing)}")
    if not plx_min_mas < plx_max_mas:
        raise ValueError(f"plx_min_mas must be < plx_max_mas, got {plx_min_mas} and {plx_max_mas}")
    col = {c: np.asarray(columns[c]) for c in COLUMNS}
    err = col["parallax_error"].astype(float)
    if np.isnan(err).any():
        raise ValueError(f"parallax_error has {int(np.isnan(err).sum())} NaN value(s)")
    if (err <= 0).any():
        raise ValueError(f"parallax_error must be > 0 everywhere; min is {err.min()}")
    five = _check_solutions(col["astrometric_params_solved"]) == 31
    colour = np.where(five, col["nu_eff_used_in_astrometry"], col["pseudocolour"]).astype(float)
    plx = col["parallax"].astype(float)
    finite = np.all(
        [np.isfinite(a) for a in (plx, err, col["phot_g_mean_mag"].astype(float), col["bp_rp"].astype(float),
                                  colour, col["ecl_lat"].astype(float))],
        axis=0,
    )
    keep = finite & (plx > plx_min_mas) & (plx < plx_max_mas)
    if not keep.any():
        raise ValueError(
            f"no star passes the quality cut ({plx_min_mas} < parallax < {plx_max_mas} mas, finite values) "
            f"out of {len(plx)} rows"
        )
    zpt, clipped = zero_point(
        col["phot_g_mean_mag"][keep], col["nu_eff_used_in_astrometry"][keep], col["pseudocolour"][keep],
        col["ecl_lat"][keep], col["astrometric_params_solved"][keep],
    )
    return {
        "plx_mas": plx[keep],
        "plx_err_mas": err[keep],
        "zero_point_mas": zpt,
        "zpt_clipped": clipped,
        "phot_g_mean_mag": col["phot_g_mean_mag"][keep].astype(float),
        "bp_rp": col["bp_rp"][keep].astype(float),
        "source_id": col["source_id"][keep],
    }


_EXPECTED = f"expected a Gaia archive table with columns {', '.join(COLUMNS)}"


@functools.lru_cache(maxsize=4)
def _read(path: str, stamp: tuple[int, int]) -> dict[str, np.ndarray]:
    """The :data:`COLUMNS` of the FITS (gzipped or not) or VOTable table at ``path``, masked values as NaN.

    ``stamp`` (modification time, size) keys the cache, so a rewritten file is read again.
    """
    from astropy.io import fits
    from astropy.table import Table

    from astrozoo.data.opening import file_bytes, is_fits, open_fits

    name = f"gaia table {path}"
    raw = file_bytes(path, "gaia table")
    if is_fits(raw):
        with open_fits(path, "gaia table", _EXPECTED, raw) as hdus:
            tables = [hdu for hdu in hdus if isinstance(hdu, fits.BinTableHDU | fits.TableHDU)]
            if not tables:
                raise ValueError(f"{name} is a FITS file without a table HDU ({_EXPECTED})")
            return _columns(Table.read(tables[0]), name)
    if raw.lstrip()[:5] not in (b"<?xml", b"<VOTA"):
        raise ValueError(f"{name} is not a FITS or VOTable table ({_EXPECTED})")
    if b"</VOTABLE>" not in raw[-1000:]:
        raise ValueError(f"{name} is truncated: the VOTable does not end with </VOTABLE>")
    try:
        table = Table.read(io.BytesIO(raw), format="votable")
    except Exception as err:  # the VOTable parser raises many kinds
        raise ValueError(f"{name} is not a readable VOTable ({_EXPECTED}): {type(err).__name__}: {err}") from None
    return _columns(table, name)


def _columns(table, name: str) -> dict[str, np.ndarray]:
    """The :data:`COLUMNS` as arrays, masked floats as NaN; ValueError for a missing column or a masked integer."""
    missing = [c for c in COLUMNS if c not in table.colnames]
    if missing:
        raise ValueError(f"{name} lacks column(s) {', '.join(missing)} ({_EXPECTED})")
    columns = {}
    for c in COLUMNS:
        masked = np.ma.getmaskarray(table[c])
        if masked.any() and not np.issubdtype(table[c].dtype, np.floating):
            raise ValueError(f"{name}: column {c} has {int(masked.sum())} empty (masked) value(s)")
        columns[c] = np.where(masked, np.nan, np.ma.getdata(table[c])) if masked.any() else np.array(table[c])
    return columns


def load(plx_min_mas=0.2, plx_max_mas=3.0, path=None):
    """The M67 stars passing the quality cut (:func:`select`), from the registered file or ``path``.

    Raises:
        FileNotFoundError: no file at ``path``.
        ValueError: naming the file, when it is a directory, empty, truncated, not a FITS or
            VOTable table or lacks a column; or as :func:`select`.
    """
    path = Path(path or fetch(DATASET.name))
    stat = path.stat() if path.exists() else None
    columns = _read(str(path), (stat.st_mtime_ns, stat.st_size) if stat else (0, 0))
    return select(columns, plx_min_mas, plx_max_mas)
