"""Type Ia supernova Hubble diagrams: Union2.1 and the binned Pantheon sample.

- ``union2.1``: Suzuki et al. (2012), ApJ 746, 85. 580 SNe Ia with redshift,
  distance modulus μ (mag, computed with h = 0.70) and its uncertainty.
- ``pantheon-binned`` and ``pantheon-binned-sys``: Scolnic et al. (2018), ApJ
  859, 101. 40 redshift bins with m_B (= μ + M, M not applied) and its
  statistical error, and the 40 × 40 systematic covariance (mag²). The total
  covariance is diag(dmb²) + C_sys.
"""

import numpy as np

from astrozoo.data.opening import file_bytes
from astrozoo.data.registry import Dataset, fetch, register
from astrozoo.validate import check_finite, check_positive

UNION21_CITATION = "Suzuki et al. (2012), ApJ 746, 85: the Union2.1 compilation"
PANTHEON_CITATION = "Scolnic et al. (2018), ApJ 859, 101: the Pantheon sample"
_PANTHEON = "https://raw.githubusercontent.com/dscolnic/Pantheon/master/Binned_data/"

register(Dataset(
    name="union2.1",
    path="sn1a/union2.1/SCPUnion2.1_mu_vs_z.txt",
    url="https://supernova.lbl.gov/Union/figures/SCPUnion2.1_mu_vs_z.txt",
    sha256="98fc24a6eef71ebd0c90e25b69271c0a3a8ffe23e7e3c2fada37b9334b1101eb",
    citation=UNION21_CITATION,
    licence="Supernova Cosmology Project, public release; cite Suzuki et al. (2012)",
    size=33899,
))
register(Dataset(
    name="pantheon-binned",
    path="sn1a/pantheon2018/lcparam_DS17f.txt",
    url=_PANTHEON + "lcparam_DS17f.txt",
    sha256="085daafcc4ae19ece72e69d69ac84fb0a4a1f52626ac4782e46571e6d679b000",
    citation=PANTHEON_CITATION,
    licence="MIT (github.com/dscolnic/Pantheon)",
    size=2735,
))
register(Dataset(
    name="pantheon-binned-sys",
    path="sn1a/pantheon2018/sys_DS17f.txt",
    url=_PANTHEON + "sys_DS17f.txt",
    sha256="642391b0a56ee4f0c3275e85376fbdb880c1c289503520fd32b3920c19f4d7d9",
    citation=PANTHEON_CITATION,
    licence="MIT (github.com/dscolnic/Pantheon)",
    size=17662,
))


_UNION21 = "expected the Union2.1 table: per line a name, z, mu, sigma_mu and P(low-mass host)"
_PANTHEON_TABLE = "expected the binned Pantheon table lcparam_DS17f.txt: per line a name, zcmb, zhel, dz, mb, dmb, ..."
_PANTHEON_SYS = "expected the Pantheon covariance sys_DS17f.txt: the number of bins n, then n × n values"


def union21(path=None) -> dict[str, np.ndarray]:
    """The Union2.1 table, from the registered file or ``path``.

    Returns:
        dict with ``name`` (str), ``z``, ``mu`` (mag, h = 0.70), ``sigma_mu`` (mag)
        and ``p_low_mass`` (probability that the host has stellar mass < 10¹⁰ M☉),
        each of shape (580,).

    Raises:
        FileNotFoundError: no file at ``path``.
        ValueError: naming the file: a directory, empty, not a text table, truncated (the
            last line cut short), a line with too few columns or a non-number, or a
            redshift or σ that is not positive and finite.
    """
    path = path or fetch("union2.1")
    rows = _rows(path, "union2.1 table", _UNION21, 5)
    z, mu, sigma_mu, p_low_mass = _numbers(rows, (1, 2, 3, 4), f"union2.1 table {path}").T
    check_positive(f"union2.1 table {path}: z", z)
    check_finite(f"union2.1 table {path}: mu", mu)
    check_positive(f"union2.1 table {path}: sigma_mu", sigma_mu)
    names = np.array([fields[0] for _, fields in rows])
    return {"name": names, "z": z, "mu": mu, "sigma_mu": sigma_mu, "p_low_mass": p_low_mass}


def pantheon_binned(path=None, sys_path=None) -> dict[str, np.ndarray]:
    """The binned Pantheon sample with its covariance, from the registered files or ``path`` and ``sys_path``.

    Returns:
        dict with ``z`` (CMB-frame redshift ``zcmb``), ``zhel`` (heliocentric),
        ``mb`` (mag), ``dmb`` (statistical error, mag), ``cov_sys`` (40 × 40,
        mag²) and ``cov`` = diag(dmb²) + cov_sys.

    Raises:
        FileNotFoundError: no file at ``path`` or ``sys_path``.
        ValueError: naming the file, as for :func:`union21`; or the covariance holds fewer
            values than its first value declares (truncated), more, or not one per bin.
    """
    path, sys_path = path or fetch("pantheon-binned"), sys_path or fetch("pantheon-binned-sys")
    rows = _rows(path, "pantheon table", _PANTHEON_TABLE, 6)
    zcmb, zhel, mb, dmb = _numbers(rows, (1, 2, 4, 5), f"pantheon table {path}").T
    name = f"pantheon covariance {sys_path}"
    values = _numbers([(number, [field]) for number, fields in _rows(sys_path, "pantheon covariance", _PANTHEON_SYS, 1)
                       for field in fields], (0,), name)[:, 0]
    n = int(values[0]) if np.isfinite(values[0]) and values[0] == round(values[0]) and values[0] > 0 else 0
    if n == 0:
        raise ValueError(f"{name} starts with {values[0]}, not a number of bins ({_PANTHEON_SYS})")
    if values.size != 1 + n * n:
        state = "is truncated: it" if values.size < 1 + n * n else "is too long: it"
        raise ValueError(f"{name} {state} declares {n} × {n} = {n * n} values and holds {values.size - 1}")
    if n != len(zcmb):
        raise ValueError(f"{name} is for {n} bins, but pantheon table {path} has {len(zcmb)}")
    cov_sys = values[1:].reshape(n, n)
    check_positive(f"pantheon table {path}: zcmb", zcmb)
    check_finite(f"pantheon table {path}: mb", mb)
    check_positive(f"pantheon table {path}: dmb", dmb)
    check_finite(name, cov_sys)
    return {"z": zcmb, "zhel": zhel, "mb": mb, "dmb": dmb, "cov_sys": cov_sys, "cov": np.diag(dmb**2) + cov_sys}


def _rows(path, kind: str, expected: str, n_columns: int) -> list[tuple[int, list[str]]]:
    """(line number, fields) of each line of a whitespace-separated text table that is neither blank nor a # comment."""
    raw = file_bytes(path, kind)
    try:
        lines = raw.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        raise ValueError(f"{kind} {path} is not a text table ({expected})") from None
    rows = [(i + 1, line.split()) for i, line in enumerate(lines) if line.strip() and not line.lstrip().startswith("#")]
    if not rows:
        raise ValueError(f"{kind} {path} has no data lines ({expected})")
    for number, fields in rows:
        if len(fields) < n_columns:
            if number == len(lines) and not raw.endswith(b"\n"):
                raise ValueError(f"{kind} {path} is truncated: its last line {number} has {len(fields)} of "
                                 f"{n_columns} columns and no line end")
            raise ValueError(f"{kind} {path}: line {number} has {len(fields)} column(s), expected {n_columns} "
                             f"({expected})")
    return rows


def _numbers(rows, columns: tuple[int, ...], name: str) -> np.ndarray:
    """The given columns of ``rows`` (from :func:`_rows`) as floats, shape (rows, columns)."""
    values = []
    for number, fields in rows:
        try:
            values.append([float(fields[c]) for c in columns])
        except ValueError:
            raise ValueError(f"{name}: line {number} has a non-number in columns {list(columns)}: "
                             f"{' '.join(fields)[:80]!r}") from None
    return np.array(values)
