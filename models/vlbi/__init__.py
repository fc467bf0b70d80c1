"""Very-long-baseline interferometry: Bessel functions, analytic visibilities,
closure quantities and NumPyro models of the EHT M87 2017 ring."""
