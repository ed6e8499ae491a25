"""Measure the rule pack and the learned layer on a labelled run (an AMLSim graph export) in a scratch ledger."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from palermo.finance.amlsim import GraphRun, read_graph
from palermo.finance.evaluate import AccountQuality, evaluate_accounts, pack_layers
from palermo.finance.features import account_features
from palermo.finance.learned import LearnedAlert, Model, score
from palermo.finance.ledger import Ledger
from palermo.finance.monitor import Engine, Monitoring, Progress, monitor
from palermo.finance.rules import Pack


@dataclass
class Measurement:
    """What each layer flagged on one labelled run, its quality per typology, and the seconds each step took."""

    run: GraphRun
    monitoring: Monitoring
    learned: list[LearnedAlert] | None
    quality: list[AccountQuality]
    seconds: dict[str, float] = field(default_factory=dict)


def measure_engine(engine: Engine, run: GraphRun, pack: Pack, model: Model | None = None,
                   progress: Progress | None = None) -> Measurement:
    """Run the pack (and the model, if given) on an engine holding the run's transactions; score both layers."""
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    monitoring = monitor(engine, pack, progress)
    seconds["rules"] = time.perf_counter() - started
    layers = pack_layers(monitoring.alerts, pack)
    learned = None
    if model is not None:
        started = time.perf_counter()
        features = account_features(engine)
        seconds["features"] = time.perf_counter() - started
        learned = score(model, features)
        layers = {"learned": {a.account for a in learned}, **layers}
    return Measurement(run, monitoring, learned, evaluate_accounts(layers, run.labels.typology), seconds)


def measure_folder(folder: Path, pack: Pack, model: Model | None = None, *, start: date = date(2017, 1, 1),
                   progress: Progress | None = None) -> Measurement:
    """Load a labelled AMLSim graph export into a ledger in memory and measure both layers on it on DuckDB."""
    ledger = Ledger()
    try:
        started = time.perf_counter()
        run = read_graph(ledger, folder, start=start)
        loaded = time.perf_counter() - started
        result = measure_engine(ledger, run, pack, model, progress)
        result.seconds = {"load": loaded, **result.seconds}
        return result
    finally:
        ledger.close()
