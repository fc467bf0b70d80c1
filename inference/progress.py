"""Progress bars for long runs: a tqdm bar on standard error, or nothing.

The drivers run compiled programs in chunks and advance a bar between them
(:func:`progress_bar`); messages go to the ``"astrozoo"`` logger, whose handler
the command line configures.
"""

import contextlib
import sys


class _Silent:
    """A bar that shows nothing: ``update`` and ``set_postfix_str`` do nothing."""

    def update(self, n: int = 1) -> None:
        """Ignore ``n`` completed units."""

    def set_postfix_str(self, text: str, refresh: bool = True) -> None:
        """Ignore ``text``."""


@contextlib.contextmanager
def progress_bar(total: int, *, desc: str, unit: str = "it", enabled: bool = True):
    """A progress bar of ``total`` units, closed when the block ends.

    Args:
        total: number of units (e.g. NUTS transitions, SVI steps, replications).
        desc: label shown before the bar.
        unit: name of one unit.
        enabled: False yields a silent bar that prints nothing.

    Yields:
        An object with ``update(n)`` (``n`` more units done) and
        ``set_postfix_str(text, refresh=True)`` (a note after the bar): a ``tqdm`` bar
        writing to standard error when enabled.
    """
    if int(total) < 0:
        raise ValueError(f"total must be >= 0, got {total}")
    if not enabled:
        yield _Silent()
        return
    from tqdm import tqdm

    with tqdm(total=int(total), desc=desc, unit=unit, file=sys.stderr, dynamic_ncols=True, leave=True) as bar:
        yield bar
