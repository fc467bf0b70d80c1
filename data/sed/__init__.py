"""Galaxy photometry: mock galaxies and catalogues."""
