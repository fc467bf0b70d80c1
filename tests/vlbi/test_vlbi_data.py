"""The uvfits reader, scan averaging and the closure quantities on the EHT 2017 M87 data."""

import shutil

import numpy as np
import pytest
from astropy.io import fits

from astrozoo.data.vlbi import eht2017
from astrozoo.data.registry import fetch
from astrozoo.data.vlbi.uvfits import add_systematic, merge_bands, read_uvfits, scan_average, select_stations
from astrozoo.models.vlbi.closures import (
    closure_phases,
    debiased_amplitudes,
    log_closure_amplitudes,
    model_closure_phases,
    model_log_closure_amplitudes,
)


@pytest.fixture(scope="module")
def day101_lo():
    return scan_average(read_uvfits(fetch("eht-m87-2017-101-lo")))


def test_reference_counts_day_101_lo(day101_lo):
    vis = day101_lo
    assert len(np.unique(vis.scan)) == 22
    assert len(vis) == 216
    assert len(closure_phases(vis)) == 134
    assert len(log_closure_amplitudes(vis)) == 113
    assert vis.stations_with_data() == ("AA", "AP", "AZ", "JC", "LM", "PV", "SM")
    assert "SR" in vis.stations


def test_reader_units_and_conventions(day101_lo):
    raw = read_uvfits(fetch("eht-m87-2017-101-lo"))
    assert raw.n_flagged == 0 and len(raw) == 7447
    assert np.all(raw.station1 < raw.station2)
    # (u, v) in wavelengths: the longest EHT 2017 baselines are ~8-9 Gλ at 1.3 mm
    assert 7e9 < raw.uv_distance.max() < 1e10
    # 10-s records; σ_I = σ_RR/√2 from the weights of the first record (33884.5 = 1/σ_RR²)
    assert raw.sigma[0] == pytest.approx(1 / np.sqrt(2 * 33884.512), rel=1e-6)
    # averaging: one time label per scan, σ shrinks as 1/√(number of records)
    vis = day101_lo
    for scan in np.unique(vis.scan):
        assert len(np.unique(vis.time_h[vis.scan == scan])) == 1
    assert np.all(np.diff(vis.time_h) >= 0)
    assert np.median(vis.sigma) < np.median(raw.sigma) / 3


def test_systematic_error_and_band_merging(day101_lo):
    inflated = add_systematic(day101_lo, 0.1)
    np.testing.assert_allclose(inflated.sigma**2, day101_lo.sigma**2 + (0.1 * np.abs(day101_lo.vis)) ** 2)
    both = eht2017.load("101")
    hi = scan_average(read_uvfits(fetch("eht-m87-2017-101-hi")))
    assert len(both) == len(day101_lo) + len(hi)
    assert set(both.band) == {0, 1}
    # closures never mix bands: counts add up
    assert len(closure_phases(both)) == len(closure_phases(day101_lo)) + len(closure_phases(hi))
    assert np.allclose(both.freq_hz[both.band == 1], 229.07e9, rtol=1e-3)
    with pytest.raises(ValueError, match="fraction must be finite and >= 0"):
        add_systematic(day101_lo, -0.1)


def test_closure_phases_invariant_under_station_phases(day101_lo):
    rng = np.random.default_rng(1)
    phases = rng.uniform(-np.pi, np.pi, len(day101_lo.stations))
    corrupted = day101_lo.vis * np.exp(1j * (phases[day101_lo.station1] - phases[day101_lo.station2]))
    from dataclasses import replace

    before, after = closure_phases(day101_lo), closure_phases(replace(day101_lo, vis=corrupted))
    np.testing.assert_array_equal(before.index, after.index)
    np.testing.assert_allclose(np.angle(np.exp(1j * (after.value - before.value))), 0, atol=1e-12)
    # the JAX model function agrees with the data product and is invariant too
    np.testing.assert_allclose(np.asarray(model_closure_phases(corrupted, before.index)), after.value, atol=1e-12)


def test_log_closure_amplitudes_invariant_under_station_gains(day101_lo):
    from dataclasses import replace

    rng = np.random.default_rng(2)
    gains = np.exp(rng.normal(0, 0.5, len(day101_lo.stations)))
    factor = gains[day101_lo.station1] * gains[day101_lo.station2]
    corrupted = replace(day101_lo, vis=day101_lo.vis * factor, sigma=day101_lo.sigma * factor)
    before, after = log_closure_amplitudes(day101_lo), log_closure_amplitudes(corrupted)
    np.testing.assert_allclose(after.value, before.value, atol=1e-12)
    model = np.asarray(model_log_closure_amplitudes(day101_lo.vis * factor, before.index))
    undebiased = np.asarray(model_log_closure_amplitudes(day101_lo.vis, before.index))
    np.testing.assert_allclose(model, undebiased, atol=1e-12)
    assert np.median(np.abs(before.value - undebiased)) < 1e-6  # debiasing matters at low S/N only


def test_minimal_set_size_for_a_complete_scan(day101_lo):
    vis = day101_lo
    cp, lca = closure_phases(vis), log_closure_amplitudes(vis)
    for scan in np.unique(vis.scan):
        n = len(np.union1d(vis.station1[vis.scan == scan], vis.station2[vis.scan == scan]))
        b = int(np.sum(vis.scan == scan))
        if b == n * (n - 1) // 2:
            assert np.sum(cp.scan == scan) == (n - 1) * (n - 2) // 2
            assert np.sum(lca.scan == scan) == max(n * (n - 3) // 2, 0)


def test_debiased_amplitudes(day101_lo):
    rng = np.random.default_rng(3)
    from dataclasses import replace

    truth, sigma = 1.0, 0.5
    noisy = truth + sigma * (rng.normal(size=200000) + 1j * rng.normal(size=200000))
    sample = replace(day101_lo.take(np.zeros(200000, int)), vis=noisy, sigma=np.full(200000, sigma))
    assert abs(np.mean(np.abs(noisy)) - truth) > 0.05  # the raw amplitude is biased high
    assert np.mean(debiased_amplitudes(sample)) == pytest.approx(truth, abs=0.02)


def test_unknown_station_is_a_clear_error(day101_lo):
    with pytest.raises(ValueError, match=r"unknown station\(s\) \['XX'\]"):
        select_stations(day101_lo, ("AA", "XX"))
    assert select_stations(day101_lo, ("AA", "AP", "LM")).stations_with_data() == ("AA", "AP", "LM")


def test_unknown_antenna_number_in_file(tmp_path):
    path = tmp_path / "bad.uvfits"
    shutil.copyfile(fetch("eht-m87-2017-101-lo"), path)
    with fits.open(path, mode="update") as hdus:
        hdus[0].data["BASELINE"][0] = 256 * 1 + 42
    with pytest.raises(ValueError, match=r"antenna number\(s\) \[42\] absent from the antenna table"):
        read_uvfits(path)


def test_all_flagged_scan_is_a_clear_error(tmp_path):
    path = tmp_path / "flagged.uvfits"
    shutil.copyfile(fetch("eht-m87-2017-101-lo"), path)
    with fits.open(path, mode="update") as hdus:
        groups = hdus[0].data
        jd = groups.par(4).astype(float) + groups.par(5).astype(float)
        times = np.unique(jd)
        first_gap = np.flatnonzero(np.diff(times) * 86400 > 60)[0]
        first_scan = jd <= times[first_gap]
        groups["DATA"][first_scan, ..., 2] = 0.0
    with pytest.raises(ValueError, match="scan 0 .* is entirely flagged"):
        read_uvfits(path)


def test_corrupt_and_truncated_files(tmp_path):
    source = fetch("eht-m87-2017-101-lo").read_bytes()
    truncated = tmp_path / "truncated.uvfits"
    truncated.write_bytes(source[: len(source) // 2])
    with pytest.raises(ValueError, match=f"uvfits file {truncated} is truncated: HDU 0 declares 625548 bytes"):
        read_uvfits(truncated)
    garbage = tmp_path / "garbage.uvfits"
    garbage.write_bytes(b"this is not FITS" * 200)
    with pytest.raises(ValueError, match=f"uvfits file {garbage} is not a FITS file"):
        read_uvfits(garbage)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        read_uvfits(tmp_path / "missing.uvfits")


def test_rr_and_ll_are_found_by_their_stokes_codes(tmp_path):
    path = tmp_path / "shifted.uvfits"
    shutil.copyfile(fetch("eht-m87-2017-101-lo"), path)
    with fits.open(path, mode="update") as hdus:  # codes -1, -2 (RR, LL) move from indices 0, 1 to 1, 2
        hdus[0].header["CRPIX3"] = 2.0
        hdus[0].data["DATA"][:] = np.roll(hdus[0].data["DATA"], 1, axis=-2)
    shifted, original = read_uvfits(path), read_uvfits(fetch("eht-m87-2017-101-lo"))
    np.testing.assert_array_equal(shifted.vis, original.vis)
    np.testing.assert_array_equal(shifted.sigma, original.sigma)


def test_merge_bands_matches_stations_by_name(day101_lo):
    subset = select_stations(day101_lo, ("AA", "LM", "SM"))
    merged = merge_bands(day101_lo, subset)
    names = np.array(merged.stations)
    original = np.array(day101_lo.stations)
    in_second = merged.band == 1
    np.testing.assert_array_equal(names[merged.station1[in_second]], original[subset.station1])
