"""Galaxy SEDs: a JAX stellar-population forward model on the BC03 + MILES grid.

Physics (pure JAX kernels): :mod:`.ssp` (the grid), :mod:`.sfh`, :mod:`.dust`,
:mod:`.igm`, :mod:`.filters` and the forward model to AB maggies, :mod:`.forward`. The NumPyro models live in
:mod:`.model`; the single-galaxy one is exported here as ``astrozoo.models.sed.photometry``
and the catalogue one as ``astrozoo.models.sed.photometry_catalog``.
"""

from astrozoo.models.sed.model import photometry, photometry_catalog

__all__ = ["photometry", "photometry_catalog"]
