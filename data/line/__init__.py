"""Straight lines: Hogg, Bovy & Lang (2010) Table 1 and synthetic lines."""
