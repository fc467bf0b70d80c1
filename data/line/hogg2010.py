"""Table 1 of Hogg, Bovy & Lang (2010), typed in from the paper.

Citation: D. W. Hogg, J. Bovy & D. Lang, "Data analysis recipes: Fitting a model
to data", arXiv:1008.4686 (2010), Table 1. Twenty points with x, y, their
standard uncertainties and the correlation of their errors (dimensionless units).
"""

import numpy as np

from astrozoo.validate import check_count

CITATION = "Hogg, Bovy & Lang (2010), arXiv:1008.4686, Table 1"

#            ID    x    y  σ_y σ_x  ρ_xy
_TABLE1 = np.array(
    [
        [1, 201, 592, 61, 9, -0.84],
        [2, 244, 401, 25, 4, 0.31],
        [3, 47, 583, 38, 11, 0.64],
        [4, 287, 402, 15, 7, -0.27],
        [5, 203, 495, 21, 5, -0.33],
        [6, 58, 173, 15, 9, 0.67],
        [7, 210, 479, 27, 4, -0.02],
        [8, 202, 504, 14, 4, -0.05],
        [9, 198, 510, 30, 11, -0.84],
        [10, 158, 416, 16, 7, -0.69],
        [11, 165, 393, 14, 5, 0.30],
        [12, 201, 442, 25, 5, -0.46],
        [13, 157, 317, 52, 5, -0.03],
        [14, 131, 311, 16, 6, 0.50],
        [15, 166, 400, 34, 6, 0.73],
        [16, 160, 337, 31, 5, -0.52],
        [17, 186, 423, 42, 9, 0.90],
        [18, 125, 334, 26, 8, 0.40],
        [19, 218, 533, 16, 6, -0.78],
        [20, 146, 344, 22, 5, -0.56],
    ]
)


def table1(first: int = 1, last: int = 20) -> dict[str, np.ndarray]:
    """Rows ``first``..``last`` (1-based, inclusive) as arrays.

    Returns:
        dict with ``id``, ``x``, ``y``, ``sigma_y``, ``sigma_x`` and ``rho_xy``.
    """
    check_count("first", first)
    check_count("last", last)
    if not first <= last <= 20:
        raise ValueError(f"rows must satisfy 1 <= first <= last <= 20, got first={first}, last={last}")
    rows = _TABLE1[first - 1 : last]
    return {
        "id": rows[:, 0].astype(int),
        "x": rows[:, 1],
        "y": rows[:, 2],
        "sigma_y": rows[:, 3],
        "sigma_x": rows[:, 4],
        "rho_xy": rows[:, 5],
    }
