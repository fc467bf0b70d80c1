"""Galaxy SEDs: a JAX stellar-population forward model on the BC03 + MILES grid.

Physics (pure JAX kernels): :mod:`.ssp` (the grid), :mod:`.sfh`, :mod:`.dust`,
:mod:`.igm`, :mod:`.filters` and :mod:`.photometry` (the forward model to AB maggies).
"""
