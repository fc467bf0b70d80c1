"""Type Ia supernova cosmology: Hubble-diagram likelihoods over the distances of :mod:`astrozoo.models.cosmology`."""

from astrozoo.models.supernova.model import (
    OFFSETS,
    REFERENCE_H0,
    covariance_cholesky,
    flat_lcdm,
    flat_w0wa,
    flat_wcdm,
    lcdm,
)

__all__ = ["OFFSETS", "REFERENCE_H0", "covariance_cholesky", "flat_lcdm", "flat_w0wa", "flat_wcdm", "lcdm"]
