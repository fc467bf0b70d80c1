"""EHT 2017 M87 calibrated Stokes I data (EHT Collaboration 2019, ApJL 875, L3).

Four files of the first M87 data release, 2017 April 5 (day 095) and April 11
(day 101), low band 227.07 GHz and high band 229.07 GHz: EHT-HOPS network
calibrated, 10 s and all-IF averaged, uvfits random groups. Stations AA (ALMA),
AP (APEX), AZ (SMT), JC (JCMT), LM (LMT), PV (IRAM 30 m), SM (SMA); SR (SPT)
is in the antenna table without data. Public domain (ODC-PDDL).
"""

from astrozoo.data.registry import Dataset, fetch, register
from astrozoo.validate import check_scalar

CITATION = "EHT Collaboration 2019, ApJL 875, L3 (M87 2017 data release 2019-D01-01)"
LICENCE = "ODC-PDDL (public domain)"
_URL = "https://raw.githubusercontent.com/eventhorizontelescope/2019-D01-01/master/uvfits/{name}"
_FILES = {  # (day, band): (sha256, size in bytes)
    ("095", "lo"): ("97492ee1146b05e12b1783e6c9a8253a0f50d789835286ffcc3ed5d248d51a8e", 567360),
    ("095", "hi"): ("a11a874bdbf205089192b5270abc5894ad85e4ab54f0f677e3280c5639ea3e0d", 567360),
    ("101", "lo"): ("697af2bb3bbf732115108ffefacd3e59e307f38fe685c3c4579146b0bd661298", 650880),
    ("101", "hi"): ("618c3019f60e88268980267a9db68f638b379a85842d83c06003d28550d191f5", 702720),
}
DAYS, BANDS = ("095", "101"), ("lo", "hi")

for (_day, _band), (_sha, _size) in _FILES.items():
    _file = f"SR1_M87_2017_{_day}_{_band}_hops_netcal_StokesI.uvfits"
    register(
        Dataset(
            name=f"eht-m87-2017-{_day}-{_band}",
            path=f"eht2017/{_file}",
            url=_URL.format(name=_file),
            sha256=_sha,
            citation=CITATION,
            licence=LICENCE,
            size=_size,
        )
    )


def load(day: str = "101", bands=BANDS, systematic: float = 0.0):
    """Scan-averaged, band-merged visibilities of one day.

    Args:
        day: "095" (April 5) or "101" (April 11).
        bands: any of "lo", "hi".
        systematic: fractional error added in quadrature to σ after averaging.

    Returns:
        :class:`astrozoo.data.vlbi.uvfits.Visibilities`, band i = ``bands[i]``.
    """
    from astrozoo.data.vlbi.uvfits import add_systematic, merge_bands, read_uvfits, scan_average

    check_scalar("systematic", systematic, ">= 0")
    if day not in DAYS:
        raise ValueError(f"day must be one of {DAYS}, got {day!r}")
    bad = [b for b in bands if b not in BANDS]
    if bad or not bands:
        raise ValueError(f"bands must be a non-empty subset of {BANDS}, got {bands!r}")
    parts = [scan_average(read_uvfits(fetch(f"eht-m87-2017-{day}-{b}"))) for b in bands]
    return add_systematic(merge_bands(*parts), systematic)
