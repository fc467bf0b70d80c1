"""Gaia parallaxes: the M67 cone with the Lindegren et al. (2021) zero-point, and synthetic clusters."""
