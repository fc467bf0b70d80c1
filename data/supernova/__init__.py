"""Type Ia supernovae: the Union2.1 and binned Pantheon Hubble diagrams, and synthetic ones."""
