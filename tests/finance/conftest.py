from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from palermo.finance.generator import Injected, generate
from palermo.finance.ledger import Ledger
from palermo.finance.monitor import Monitoring, monitor
from palermo.finance.rules import load_pack

ROOT = Path(__file__).resolve().parents[2]
IN_CI = os.environ.get("CI") == "true"
SHARED_CANDIDATES = [Path(p) for p in [os.environ.get("PALERMO_SHARED_DATA", "")] if p] + [
    ROOT.parent / "shared" / "data", Path("/work/shared/data")]


@pytest.fixture(scope="session")
def shared_data() -> Callable[[str], Path]:
    """A folder of the workplace's restricted data sets (not shipped): skipped on a user's clone, required in CI."""
    def folder(name: str) -> Path:
        for base in SHARED_CANDIDATES:
            if (base / name).is_dir():
                return base / name
        reason = f"../shared/data/{name} is not here (restricted data, read from the workplace only)"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    return folder


@pytest.fixture
def ledger() -> Iterator[Ledger]:
    led = Ledger()
    yield led
    led.close()


@pytest.fixture(scope="session")
def generated() -> Iterator[tuple[Ledger, list[Injected], Monitoring]]:
    """150,000 generated transactions with 10 planted instances of each typology, monitored once on DuckDB."""
    led = Ledger()
    labels = generate(led, 150_000, seed=11, per_typology=10)
    yield led, labels, monitor(led, load_pack())
    led.close()
