"""Data: the registry of public files (:mod:`.registry`), and per field its readers of
real files, its dataset entries and its synthetic generators (``<field>/synthetic.py``).

Readers import neither models nor drivers; only the synthetic generators use the
models, to simulate.
"""
