"""Synthetic Type Ia supernova Hubble diagrams with known cosmologies.

The true distance moduli come from astropy.cosmology (an independent code from
the JAX kernels being tested), with H0 = 70 km/s/Mpc and no radiation.
"""

import numpy as np

from astrozoo.validate import check_count, check_scalars

Z_MIN = 0.01  # the lowest redshift drawn


def hubble_diagram_data(
    n=100,
    omega_m=0.3,
    omega_lambda=0.7,
    w0=-1.0,
    wa=0.0,
    offset=0.0,
    sigma_mag=0.15,
    z_max=1.4,
    systematic_mag=0.0,
    seed=0,
):
    """Supernovae at z ~ U(0.01, z_max), z_max > 0.01, on the Hubble diagram of a w0waCDM universe.

    mag_i = μ(z_i; H0 = 70) + offset + noise, the noise Gaussian with covariance
    C = σ² I + s² K, K_ij = exp(−|z_i − z_j| / 0.2), a smooth systematic error of
    size s = ``systematic_mag`` correlating neighbours in redshift.

    Returns:
        (data, truth): ``data`` holds ``z`` and ``mag`` with ``sigma_mag`` (when
        s = 0) or ``scale_tril``, the Cholesky factor of C (when s > 0); ``truth``
        the parameters used (``omega_m``, ``omega_lambda``, ``omega_k``, ``w``,
        ``w0``, ``wa``, ``offset``).
    """
    from astropy.cosmology import w0waCDM

    check_count("n", n)
    check_count("seed", seed, minimum=0)
    check_scalars(omega_m=(omega_m, ">= 0"), omega_lambda=(omega_lambda, ""), w0=(w0, ""), wa=(wa, ""),
                  offset=(offset, ""), sigma_mag=(sigma_mag, "> 0"), z_max=(z_max, "> 0"),
                  systematic_mag=(systematic_mag, ">= 0"))
    if not z_max > Z_MIN:
        raise ValueError(f"z_max must be > {Z_MIN} (the lowest redshift drawn), got {z_max}")
    rng = np.random.default_rng(seed)
    z = np.sort(rng.uniform(Z_MIN, z_max, n))
    mu = w0waCDM(H0=70.0, Om0=omega_m, Ode0=omega_lambda, w0=w0, wa=wa, Tcmb0=0).distmod(z).value
    if not np.isfinite(mu).all():
        raise ValueError(f"omega_m={omega_m}, omega_lambda={omega_lambda}, w0={w0}, wa={wa}: the distance modulus "
                         f"is not finite at z = {z[~np.isfinite(mu)][0]:.3f} (no big bang that far back); "
                         "lower z_max or omega_lambda")
    cov = sigma_mag**2 * np.eye(n) + systematic_mag**2 * np.exp(-np.abs(z[:, None] - z[None, :]) / 0.2)
    scale_tril = np.linalg.cholesky(cov)
    data = {"z": z, "mag": mu + offset + scale_tril @ rng.normal(size=n)}
    data |= {"scale_tril": scale_tril} if systematic_mag > 0 else {"sigma_mag": np.full(n, float(sigma_mag))}
    truth = {
        "omega_m": omega_m,
        "omega_lambda": omega_lambda,
        "omega_k": 1.0 - omega_m - omega_lambda,
        "w": w0,
        "w0": w0,
        "wa": wa,
        "offset": offset,
    }
    return data, truth
