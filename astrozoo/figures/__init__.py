"""Report figures and summaries of each field's problems, named by the problem declarations and run when a report is written."""

from pathlib import Path

from astrozoo.files import atomic_write


def save_figure(fig, path: Path) -> Path:
    """Write ``fig`` as a PNG at ``path`` all at once (:func:`astrozoo.files.atomic_write`) and close it."""
    import matplotlib.pyplot as plt

    with atomic_write(path) as part:
        fig.savefig(part, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return Path(path)
