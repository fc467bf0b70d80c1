"""The adversarial suite: every bad or odd input gets the exact exception and a message that names it.

The cases live in tests/bad_inputs/<area>.py (models, drivers, readers, cli, saves); each is run
here with tiny settings.
"""

import importlib
import inspect
import pkgutil
import re

import pytest

import bad_inputs as tables

CASES = [case for module in pkgutil.iter_modules(tables.__path__)
         for case in importlib.import_module(f"{tables.__name__}.{module.name}").CASES]


def test_case_ids_are_unique_and_the_suite_is_large():
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert len(CASES) >= 120


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input_gives_a_clear_error(case, tmp_path):
    arguments = (tmp_path,) if len(inspect.signature(case.call).parameters) == 1 else ()
    with pytest.raises(Exception) as caught:
        case.call(*arguments)
    assert type(caught.value) is case.error, f"{type(caught.value).__name__}: {caught.value}"
    assert re.search(case.message, str(caught.value)), str(caught.value)
