from __future__ import annotations

from collections.abc import Iterator

import pytest

from palermo.finance.generator import Injected, generate
from palermo.finance.ledger import Ledger
from palermo.finance.monitor import Monitoring, monitor
from palermo.finance.rules import load_pack


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
