"""Case tables of the adversarial suite (tests/test_bad_inputs.py), one module per area.

Each module defines ``CASES``: a list of :class:`Case`. A case calls something
with a bad or odd input and names the exact exception type and a fragment of
its message (a regular expression, searched in ``str(error)``).
"""

from collections.abc import Callable
from typing import NamedTuple


class Case(NamedTuple):
    """One bad input.

    Attributes:
        id: a short name, unique across the suite (the test's id).
        call: no arguments; raises ``error`` when run. It gets pytest's
            ``tmp_path`` if it takes one argument.
        error: the exact exception type expected (a subclass does not pass).
        message: a regular expression searched in ``str(error)``.
    """

    id: str
    call: Callable
    error: type
    message: str
