"""Bad files for every reader, bad names for the registry, bad arguments for the synthetic generators.

Files are made in ``tmp_path`` from copies of the real ones (read-only under $ASTROZOO_DATA_DIR):
cut short, of the wrong kind, empty, a directory, missing, or with a header card changed. Every
message names the file (or the argument) and says what is wrong: "truncated" for a file cut short,
the expected kind for a file of the wrong kind.
"""

import contextlib
import gzip
import os

import numpy as np
from astropy.io import fits
from astropy.table import MaskedColumn, Table
from bad_inputs import Case

from astrozoo.data.gaia import m67
from astrozoo.data.gaia.synthetic import cluster_data
from astrozoo.data.line.hogg2010 import table1
from astrozoo.data.line.synthetic import line_2d_data, line_data, outlier_data
from astrozoo.data.registry import DATASETS, DataUnavailableError, fetch
from astrozoo.data.sed.synthetic import mock_catalog, mock_galaxy
from astrozoo.data.supernova.hubble_diagrams import pantheon_binned, union21
from astrozoo.data.supernova.synthetic import hubble_diagram_data
from astrozoo.data.vlbi import eht2017
from astrozoo.data.vlbi.synthetic import gaussian_data, mring_data
from astrozoo.data.vlbi.uvfits import read_uvfits

UVFITS = "eht-m87-2017-101-lo"  # 650,880 bytes: primary header to 8,640, its data to 634,188; AN header at 636,480;
# AN data at 642,240; FQ header at 645,120, its data (24 bytes) at 648,000
EXPECTED_GAIA = r"\(expected a Gaia archive table with columns source_id, parallax"


def cut(name: str, size: int):
    """The registered file ``name`` cut to its first ``size`` bytes, written to tmp_path."""
    def make(tmp_path):
        return written(fetch(name).read_bytes()[:size], fetch(name).name)(tmp_path)
    return make


def written(content: bytes, name: str = "file.dat"):
    """A maker of files: called with tmp_path, it writes ``content`` there as ``name`` and returns the path."""
    def make(tmp_path):
        (tmp_path / name).write_bytes(content)
        return tmp_path / name
    return make


def gzipped_cut(name: str, fraction: float):
    def make(tmp_path):
        packed = gzip.compress(fetch(name).read_bytes())
        return written(packed[: int(len(packed) * fraction)], "cut.gz")(tmp_path)
    return make


def uvfits_with(**cards):
    """The uvfits file with primary header cards set; GCOUNT changed with NAXISn keeps the data size."""
    def make(tmp_path):
        raw = fetch(UVFITS).read_bytes()
        header = fits.Header.fromstring(raw[:8640].decode("ascii"))
        header.update(cards)
        edited = header.tostring().encode("ascii")
        assert len(edited) == 8640
        return written(edited + raw[8640:], "edited.uvfits")(tmp_path)
    return make


def uvfits_nan_u(record: int):
    """The uvfits file with u of ``record`` NaN: its first random parameter (groups of 84 bytes after the header)."""
    def make(tmp_path):
        raw = bytearray(fetch(UVFITS).read_bytes())
        start = 8640 + 84 * record
        raw[start:start + 4] = np.array(np.nan, ">f4").tobytes()
        return written(bytes(raw), "edited.uvfits")(tmp_path)
    return make


def directory(tmp_path):
    (tmp_path / "folder").mkdir()
    return tmp_path / "folder"


def image_fits(tmp_path):
    fits.PrimaryHDU(np.zeros((4, 4))).writeto(tmp_path / "image.fits")
    return tmp_path / "image.fits"


def gaia_fits(tmp_path, **columns):
    """A three-star Gaia table with every column, as FITS; ``columns`` replace or drop (None) some."""
    columns = {c: np.ones(3) for c in m67.COLUMNS} | {"astrometric_params_solved": np.full(3, 31)} | columns
    table = Table({c: v for c, v in columns.items() if v is not None})
    table.write(tmp_path / "gaia.fits")
    return tmp_path / "gaia.fits"


def votable_cut(tmp_path):
    Table.read(gaia_fits(tmp_path)).write(tmp_path / "gaia.xml", format="votable")
    return written((tmp_path / "gaia.xml").read_bytes()[:1000], "cut.xml")(tmp_path)


def numbers(count: int, first: float = 40):
    return ("\n".join(map(str, [first] + [0.001] * count)) + "\n").encode()


@contextlib.contextmanager
def mirror(tmp_path):
    """ASTROZOO_DATA_DIR and ASTROZOO_CACHE pointed at empty folders under tmp_path for the block."""
    saved = {k: os.environ.get(k) for k in ("ASTROZOO_DATA_DIR", "ASTROZOO_CACHE")}
    os.environ |= {"ASTROZOO_DATA_DIR": str(tmp_path / "mirror"), "ASTROZOO_CACHE": str(tmp_path / "cache")}
    try:
        yield tmp_path / "mirror"
    finally:
        for key, value in saved.items():
            if value is None:
                del os.environ[key]
            else:
                os.environ[key] = value


def fetch_mirrored(name: str, content):
    """A call: fetch ``name`` from a mirror holding ``content(real bytes)`` in its place."""
    def call(tmp_path):
        real = fetch(name).read_bytes()
        with mirror(tmp_path) as local:
            (local / DATASETS[name].path).parent.mkdir(parents=True)
            (local / DATASETS[name].path).write_bytes(content(real))
            return fetch(name)
    return call


def reading(reader, make):
    """A call: ``reader`` given the file ``make(tmp_path)`` makes."""
    return lambda tmp_path: reader(make(tmp_path))


def gaia(make):
    return reading(lambda path: m67.load(path=path), make)


UV = "uvfits file .*"
CASES = [
    # ---- uvfits: cut short anywhere, of the wrong kind, or of a layout the reader would misread
    Case("read-uvfits-truncated-300kb", reading(read_uvfits, cut(UVFITS, 300_000)), ValueError,
         UV + r"is truncated: HDU 0 declares 625548 bytes of data from byte 8640, ending with its padding at byte "
         r"636480, but the file has 300000 bytes"),
    Case("read-uvfits-truncated-in-padding", reading(read_uvfits, cut(UVFITS, 635_000)), ValueError,
         UV + r"is truncated: HDU 0 declares .* but the file has 635000 bytes"),
    Case("read-uvfits-truncated-in-last-padding", reading(read_uvfits, cut(UVFITS, 650_000)), ValueError,
         UV + r"is truncated: HDU 2 declares 24 bytes of data from byte 648000, ending with its padding at "
         r"byte 650880"),
    Case("read-uvfits-truncated-block-aligned", reading(read_uvfits, cut(UVFITS, 100 * 2880)), ValueError,
         UV + r"is truncated: HDU 0 declares"),
    Case("read-uvfits-truncated-in-primary-header", reading(read_uvfits, cut(UVFITS, 5000)), ValueError,
         UV + r"is truncated: the header of HDU 0 .* has no END card"),
    Case("read-uvfits-truncated-in-antenna-header", reading(read_uvfits, cut(UVFITS, 640_000)), ValueError,
         UV + r"is truncated: the header of HDU 1 \(at byte 636480\)"),
    Case("read-uvfits-truncated-in-antenna-table", reading(read_uvfits, cut(UVFITS, 642_740)), ValueError,
         UV + r"is truncated: HDU 1 declares 720 bytes"),
    Case("read-uvfits-truncated-gzip", reading(read_uvfits, gzipped_cut(UVFITS, 0.5)), ValueError,
         UV + r"cut.gz is truncated: its gzip stream ends"),
    Case("read-uvfits-ends-after-primary", reading(read_uvfits, cut(UVFITS, 636_480)), ValueError,
         UV + r"has no AIPS AN \(antenna\) table; its HDUs are \['PRIMARY'\]"),
    Case("read-uvfits-empty", reading(read_uvfits, written(b"")), ValueError, UV + r"file.dat is empty"),
    Case("read-uvfits-text", reading(read_uvfits, written(b"u v re im\n1 2 3 4\n")), ValueError,
         UV + r"file.dat is not a FITS file \(expected a uvfits random-groups file"),
    Case("read-uvfits-directory", reading(read_uvfits, directory), ValueError, UV + r"folder is a directory"),
    Case("read-uvfits-missing", lambda tmp_path: read_uvfits(tmp_path / "none.uvfits"), FileNotFoundError,
         UV + r"none.uvfits does not exist"),
    Case("read-uvfits-image", reading(read_uvfits, image_fits), ValueError,
         UV + r"image.fits is not a uvfits file: its primary HDU is not random groups"),
    Case("read-uvfits-gaia-table", lambda: read_uvfits(fetch("gaia-m67")), ValueError,
         UV + r"m67.fits.gz is not a uvfits file"),
    Case("read-uvfits-two-ifs", reading(read_uvfits, uvfits_with(NAXIS5=2, CTYPE5="IF", GCOUNT=4739)), ValueError,
         UV + r"has 2 IFs and 1 channels: .* not supported yet, see issue #12"),
    Case("read-uvfits-two-channels", reading(read_uvfits, uvfits_with(NAXIS4=2, GCOUNT=4739)), ValueError,
         UV + r"has 1 IFs and 2 channels: .* see issue #12"),
    Case("read-uvfits-stokes-iquv", reading(read_uvfits, uvfits_with(CRVAL3=1.0, CDELT3=1.0)), ValueError,
         UV + r"expected RR \(Stokes code -1\) and LL \(-2\), got Stokes codes \[1.0, 2.0, 3.0, 4.0\]"),
    Case("read-uvfits-stokes-without-ll", reading(read_uvfits, uvfits_with(CRPIX3=4.0)), ValueError,
         UV + r"got Stokes codes \[2.0, 1.0, 0.0, -1.0\]"),
    Case("read-uvfits-no-baseline", reading(read_uvfits, uvfits_with(PTYPE4="SUBARRAY")), ValueError,
         UV + r"lacks the random parameter\(s\) \['BASELINE'\]"),
    Case("read-uvfits-nan-u", reading(read_uvfits, uvfits_nan_u(5)), ValueError,
         UV + r"1 record\(s\) have a non-finite u, v, baseline or time \(the first is record 5"),
    Case("read-uvfits-stations-unknown", lambda: read_uvfits(fetch(UVFITS), stations=("AA", "XX")), ValueError,
         r"unknown station\(s\) \['XX'\]"),
    Case("read-eht-negative-systematic", lambda: eht2017.load("101", systematic=-0.1), ValueError,
         r"systematic must be a finite number >= 0, got -0.1"),
    Case("read-eht-bad-day", lambda: eht2017.load("102"), ValueError, r"day must be one of \('095', '101'\)"),
    # ---- Gaia tables: FITS (gzipped or not) or VOTable with the columns the zero-point needs
    Case("read-gaia-text", gaia(written(b"source_id parallax\n1 2\n", "stars.txt")), ValueError,
         r"gaia table .*stars.txt is not a FITS or VOTable table " + EXPECTED_GAIA),
    Case("read-gaia-image-fits", gaia(image_fits), ValueError,
         r"gaia table .*image.fits is a FITS file without a table HDU " + EXPECTED_GAIA),
    Case("read-gaia-truncated-gzip", gaia(cut("gaia-m67", 200_000)), ValueError,
         r"gaia table .*m67.fits.gz is truncated: its gzip stream ends"),
    Case("read-gaia-truncated-fits", gaia(lambda p: written(gzip.decompress(fetch("gaia-m67").read_bytes())[:200_000],
                                                            "m67.fits")(p)), ValueError,
         r"gaia table .*m67.fits is truncated: HDU 1 declares 330522 bytes"),
    Case("read-gaia-truncated-votable", gaia(votable_cut), ValueError,
         r"gaia table .*cut.xml is truncated: the VOTable does not end with </VOTABLE>"),
    Case("read-gaia-broken-votable",
         gaia(written(b"<?xml version='1.0'?>\n<VOTABLE><RESOURCE>\n</VOTABLE>\n", "t.xml")), ValueError,
         r"gaia table .*t.xml is not a readable VOTable " + EXPECTED_GAIA),
    Case("read-gaia-missing-column", gaia(lambda p: gaia_fits(p, parallax_error=None)), ValueError,
         r"gaia table .*gaia.fits lacks column\(s\) parallax_error " + EXPECTED_GAIA),
    Case("read-gaia-masked-source-id", gaia(lambda p: gaia_fits(p, source_id=MaskedColumn([1, 2, 3], mask=[0, 1, 0]))),
         ValueError, r"gaia table .*gaia.fits: column source_id has 1 empty \(masked\) value"),
    Case("read-gaia-uvfits", lambda: m67.load(path=fetch(UVFITS)), ValueError,
         r"gaia table .*StokesI.uvfits lacks column\(s\) source_id, parallax, "),
    Case("read-gaia-empty", gaia(written(b"", "m67.fits")), ValueError, r"gaia table .*m67.fits is empty"),
    Case("read-gaia-directory", gaia(directory), ValueError, r"gaia table .*folder is a directory, not a file"),
    Case("read-gaia-missing", lambda tmp_path: m67.load(path=tmp_path / "none.fits"), FileNotFoundError,
         r"gaia table .*none.fits does not exist"),
    # ---- supernova tables: whitespace-separated text
    Case("read-union-too-few-columns", reading(union21, written(b"sn1 0.1 38.0\n", "u.txt")), ValueError,
         r"union2.1 table .*u.txt: line 1 has 3 column\(s\), expected 5 \(expected the Union2.1 table"),
    Case("read-union-binary", lambda: union21(fetch(UVFITS)), ValueError,
         r"union2.1 table .*StokesI.uvfits is not a text table \(expected the Union2.1 table"),
    Case("read-union-truncated", reading(union21, cut("union2.1", 20_000)), ValueError,
         r"union2.1 table .*SCPUnion2.1_mu_vs_z.txt is truncated: its last line \d+ has [1-4] of 5 columns"),
    Case("read-union-not-a-number", reading(union21, written(b"sn1 0.1 38.0 0.2 0.5\nsn2 zero 39 0.2 0.5\n")),
         ValueError, r"union2.1 table .*file.dat: line 2 has a non-number in columns \[1, 2, 3, 4\]"),
    Case("read-union-negative-sigma", reading(union21, written(b"sn1 0.1 38.0 -0.2 0.5\n")), ValueError,
         r"union2.1 table .*file.dat: sigma_mu must be > 0"),
    Case("read-union-only-comments", reading(union21, written(b"# header\n\n")), ValueError,
         r"union2.1 table .*file.dat has no data lines"),
    Case("read-union-directory", reading(union21, directory), ValueError, r"union2.1 table .*folder is a directory"),
    Case("read-pantheon-covariance-truncated",
         lambda tmp_path: pantheon_binned(sys_path=cut("pantheon-binned-sys", 9000)(tmp_path)), ValueError,
         r"pantheon covariance .*sys_DS17f.txt is truncated: it declares 40 × 40 = 1600 values and holds \d+"),
    Case("read-pantheon-covariance-other-bins",
         lambda tmp_path: pantheon_binned(sys_path=written(numbers(4, 2))(tmp_path)), ValueError,
         r"pantheon covariance .*file.dat is for 2 bins, but pantheon table .*lcparam_DS17f.txt has 40"),
    Case("read-pantheon-covariance-not-a-count",
         lambda tmp_path: pantheon_binned(sys_path=written(numbers(4, 2.5))(tmp_path)), ValueError,
         r"pantheon covariance .*file.dat starts with 2.5, not a number of bins"),
    Case("read-pantheon-table-given-the-covariance", lambda: pantheon_binned(path=fetch("pantheon-binned-sys")),
         ValueError, r"pantheon table .*sys_DS17f.txt: line 1 has 1 column\(s\), expected 6"),
    # ---- the registry
    Case("read-registry-unknown-dataset", lambda: fetch("gaia-m68"), KeyError,
         r"unknown dataset 'gaia-m68'; registered: .*eht-m87-2017-101-lo.*gaia-m67"),
    Case("read-registry-truncated", fetch_mirrored("union2.1", lambda raw: raw[:1000]), DataUnavailableError,
         r"dataset 'union2.1': .*SCPUnion2.1_mu_vs_z.txt is truncated \(1000 of 33899 bytes\): "
         r"has sha256 [0-9a-f]{64}, expected 98fc24a6"),
    Case("read-registry-altered", fetch_mirrored("union2.1", lambda raw: raw.replace(b"1993ah", b"1993AH")),
         DataUnavailableError,
         r"SCPUnion2.1_mu_vs_z.txt has sha256 [0-9a-f]{64}, expected 98fc24a6[0-9a-f]{56}; replace"),
    # ---- Hogg et al. (2010) table 1
    Case("read-hogg-first-not-integer", lambda: table1(1.5), ValueError, r"first must be an integer >= 1, got 1.5"),
    Case("read-hogg-rows-reversed", lambda: table1(10, 5), ValueError, r"first <= last <= 20, got first=10, last=5"),
    # ---- synthetic generators: every bad argument named, before any JAX work
    Case("synth-line-n-zero", lambda: line_data(n=0), ValueError, r"n must be an integer >= 1, got 0"),
    Case("synth-line-n-float", lambda: line_data(n=2.5), ValueError, r"n must be an integer >= 1, got 2.5"),
    Case("synth-line-negative-sigma", lambda: line_data(sigma=-0.3), ValueError,
         r"sigma must be a finite number > 0, got -0.3"),
    Case("synth-line-negative-scatter", lambda: line_data(scatter=-1.0), ValueError,
         r"scatter must be a finite number >= 0, got -1.0"),
    Case("synth-line-nan-slope", lambda: line_data(m=np.nan), ValueError, r"m must be a finite number, got nan"),
    Case("synth-line-negative-seed", lambda: line_data(seed=-1), ValueError, r"seed must be an integer >= 0, got -1"),
    Case("synth-line-2d-n-negative", lambda: line_2d_data(n=-5), ValueError, r"n must be an integer >= 1, got -5"),
    Case("synth-outlier-fraction-above-one", lambda: outlier_data(inlier_fraction=1.2), ValueError,
         r"inlier_fraction must be a finite number in \[0, 1\], got 1.2"),
    Case("synth-gaia-n-zero", lambda: cluster_data(n=0), ValueError, r"n must be an integer >= 1"),
    Case("synth-gaia-errors-reversed", lambda: cluster_data(err_range_mas=(0.3, 0.02)), ValueError,
         r"err_range_mas must satisfy low < high"),
    Case("synth-gaia-zero-error", lambda: cluster_data(err_range_mas=(0.0, 0.3)), ValueError,
         r"err_range_mas\[0\] must be a finite number > 0, got 0.0"),
    Case("synth-gaia-member-fraction", lambda: cluster_data(Q=-0.1), ValueError,
         r"Q must be a finite number in \[0, 1\]"),
    Case("synth-gaia-field-scale", lambda: cluster_data(L_pc=np.inf), ValueError, r"L_pc must be a finite number > 0"),
    Case("synth-sn-z-range-reversed", lambda: hubble_diagram_data(z_max=0.005), ValueError,
         r"z_max must be > 0.01 \(the lowest redshift drawn\), got 0.005"),
    Case("synth-sn-negative-sigma", lambda: hubble_diagram_data(sigma_mag=-0.1), ValueError,
         r"sigma_mag must be a finite number > 0"),
    Case("synth-sn-negative-matter", lambda: hubble_diagram_data(omega_m=-0.1), ValueError,
         r"omega_m must be a finite number >= 0, got -0.1"),
    Case("synth-sn-no-big-bang", lambda: hubble_diagram_data(omega_lambda=3.0), ValueError,
         r"omega_m=0.3, omega_lambda=3.0, .* the distance modulus is not finite at z = "),
    Case("synth-sed-negative-fractional-error", lambda: mock_galaxy(frac_err=-0.03), ValueError,
         r"frac_err must be a finite number >= 0, got -0.03"),
    Case("synth-sed-catalog-n-zero", lambda: mock_catalog(n=0), ValueError, r"n must be an integer >= 1, got 0"),
    Case("synth-sed-nan-limit", lambda: mock_catalog(n=3, limit_mag=np.nan), ValueError,
         r"limit_mag must be a finite number, got nan"),
    Case("synth-vlbi-negative-fwhm", lambda: gaussian_data(fwhm_uas=-40.0), ValueError,
         r"fwhm_uas must be a finite number > 0, got -40.0"),
    Case("synth-vlbi-ring-asymmetry", lambda: mring_data(beta_abs=1.5), ValueError,
         r"beta_abs must be a finite number in \[0, 1\], got 1.5"),
    Case("synth-vlbi-gains-per-station", lambda: mring_data(log_gains=np.zeros(3)), ValueError,
         r"log_gains must have shape \(8,\), one per station .*; got shape \(3,\)"),
    Case("synth-vlbi-bad-day", lambda: gaussian_data(day="100"), ValueError, r"day must be one of"),
]


def _fetch_with_mirror(mirror):
    import os

    from astrozoo.data.registry import fetch

    old = os.environ.get("ASTROZOO_DATA_DIR")
    os.environ["ASTROZOO_DATA_DIR"] = str(mirror)
    try:
        fetch("union2.1")
    finally:
        if old is None:
            del os.environ["ASTROZOO_DATA_DIR"]
        else:
            os.environ["ASTROZOO_DATA_DIR"] = old


CASES.append(Case("read-mistyped-mirror", lambda tmp_path: _fetch_with_mirror(tmp_path / "no-such-mirror"), ValueError,
                  r"ASTROZOO_DATA_DIR must be an existing folder, got '.*no-such-mirror'"))
