"""Type Ia supernova Hubble diagrams: Union2.1 and the binned Pantheon sample.

- ``union2.1``: Suzuki et al. (2012), ApJ 746, 85. 580 SNe Ia with redshift,
  distance modulus μ (mag, computed with h = 0.70) and its uncertainty.
- ``pantheon-binned`` and ``pantheon-binned-sys``: Scolnic et al. (2018), ApJ
  859, 101. 40 redshift bins with m_B (= μ + M, M not applied) and its
  statistical error, and the 40 × 40 systematic covariance (mag²). The total
  covariance is diag(dmb²) + C_sys.
"""

import numpy as np

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
))
register(Dataset(
    name="pantheon-binned",
    path="sn1a/pantheon2018/lcparam_DS17f.txt",
    url=_PANTHEON + "lcparam_DS17f.txt",
    sha256="085daafcc4ae19ece72e69d69ac84fb0a4a1f52626ac4782e46571e6d679b000",
    citation=PANTHEON_CITATION,
    licence="MIT (github.com/dscolnic/Pantheon)",
))
register(Dataset(
    name="pantheon-binned-sys",
    path="sn1a/pantheon2018/sys_DS17f.txt",
    url=_PANTHEON + "sys_DS17f.txt",
    sha256="642391b0a56ee4f0c3275e85376fbdb880c1c289503520fd32b3920c19f4d7d9",
    citation=PANTHEON_CITATION,
    licence="MIT (github.com/dscolnic/Pantheon)",
))


def union21() -> dict[str, np.ndarray]:
    """The Union2.1 table.

    Returns:
        dict with ``name`` (str), ``z``, ``mu`` (mag, h = 0.70), ``sigma_mu`` (mag)
        and ``p_low_mass`` (probability that the host has stellar mass < 10¹⁰ M☉),
        each of shape (580,).
    """
    rows = [line.split() for line in fetch("union2.1").read_text().splitlines() if line and not line.startswith("#")]
    names = np.array([row[0] for row in rows])
    z, mu, sigma_mu, p_low_mass = np.array([row[1:5] for row in rows], dtype=float).T
    check_positive("union2.1 z", z)
    check_finite("union2.1 mu", mu)
    check_positive("union2.1 sigma_mu", sigma_mu)
    return {"name": names, "z": z, "mu": mu, "sigma_mu": sigma_mu, "p_low_mass": p_low_mass}


def pantheon_binned() -> dict[str, np.ndarray]:
    """The binned Pantheon sample with its covariance.

    Returns:
        dict with ``z`` (CMB-frame redshift ``zcmb``), ``zhel`` (heliocentric),
        ``mb`` (mag), ``dmb`` (statistical error, mag), ``cov_sys`` (40 × 40,
        mag²) and ``cov`` = diag(dmb²) + cov_sys.
    """
    table = np.loadtxt(fetch("pantheon-binned"), comments="#", usecols=(1, 2, 4, 5))
    zcmb, zhel, mb, dmb = table.T
    values = np.loadtxt(fetch("pantheon-binned-sys"))
    n = int(values[0])
    if n != len(zcmb) or values.size != 1 + n * n:
        raise ValueError(f"pantheon-binned-sys holds {values.size - 1} values for {len(zcmb)} bins; expected {len(zcmb) ** 2}")
    cov_sys = values[1:].reshape(n, n)
    check_positive("pantheon-binned zcmb", zcmb)
    check_finite("pantheon-binned mb", mb)
    check_positive("pantheon-binned dmb", dmb)
    return {"z": zcmb, "zhel": zhel, "mb": mb, "dmb": dmb, "cov_sys": cov_sys, "cov": np.diag(dmb**2) + cov_sys}
