"""VLBI: the uvfits reader, the EHT 2017 M87 release, and synthetic observations."""
