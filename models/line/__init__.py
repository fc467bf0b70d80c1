"""Straight-line fits (Hogg, Bovy & Lang 2010): the NumPyro models of :mod:`.model`."""

from astrozoo.models.line.model import line, line_2d, line_angle, line_outliers, line_scatter

__all__ = ["line", "line_2d", "line_angle", "line_outliers", "line_scatter"]
