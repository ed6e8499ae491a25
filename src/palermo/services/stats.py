"""Statistics for a caller: victim-level datasets, their privacy-budget ledgers and releases (the statistics
permission decided here once), and the public country scorecards."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from palermo.cases import CaseStore
from palermo.cases.identity import Caller
from palermo.cases.policy import Action, Actor, decide
from palermo.errors import InvalidInput
from palermo.law import Library
from palermo.stats.countries import Scorecard, read_3p, scorecard
from palermo.stats.release import Release, differentially_private, k_anonymous
from palermo.stats.store import StatsStore


@dataclass(frozen=True)
class ReleaseAsk:
    """What a releaser asks for: a k-anonymous table (``k``) or differentially private counts (``epsilon``)."""

    by: Sequence[str]
    k: int | None = None
    epsilon: float | None = None
    mechanism: Literal["laplace", "gaussian"] = "laplace"
    delta: float = 0.0
    contributions: int = 1
    years: tuple[int, int] | None = None


class Statistics:
    """The statistics store behind a permission check, and the packaged country series."""

    def __init__(self, cases: CaseStore, library: Library, *, store_path: Path,
                 index_3p: Path | None = None) -> None:
        self.cases = cases
        self.library = library
        self.store_path = store_path
        self.index_3p = index_3p

    @contextmanager
    def store(self) -> Iterator[StatsStore]:
        """The statistics store, open for one unit of work."""
        store = StatsStore(self.store_path)
        try:
            yield store
        finally:
            store.close()

    def statistician(self, caller: Caller) -> Actor:
        """The caller, if they may work with victim-level statistics."""
        actor = self.cases.accounts.whoami(caller)
        decide(actor, Action.statistics)
        return actor

    def scorecard(self, code: str) -> Scorecard:
        """A country's scorecard (public: national aggregates only)."""
        return scorecard(code, self.library, read_3p(self.index_3p) if self.index_3p else None)

    def datasets(self, caller: Caller) -> list[dict[str, Any]]:
        """Victim-level datasets and what is left of their privacy budgets."""
        self.statistician(caller)
        with self.store() as store:
            out = []
            for d in store.datasets():
                eps, delta = store.spent(d.name)
                out.append({"name": d.name, "version": d.version, "records": d.rows, "variables": list(d.columns),
                            "epsilon_budget": d.epsilon_budget, "delta_budget": d.delta_budget,
                            "epsilon_spent": eps, "delta_spent": delta})
            return out

    def ledger(self, caller: Caller, dataset: str) -> list[dict[str, Any]]:
        """Every release made from a dataset and its privacy cost."""
        self.statistician(caller)
        with self.store() as store:
            return [e.__dict__ for e in store.ledger(dataset)]

    def release(self, caller: Caller | str, dataset: str, ask: ReleaseAsk) -> Release:
        """Release a k-anonymous or differentially private table, refused when over the privacy budget.
        ``caller`` is a caller, or on the operator's CLI the releaser's name."""
        name = caller if isinstance(caller, str) else self.statistician(caller).username
        if (ask.k is None) == (ask.epsilon is None):
            raise InvalidInput("give either k (k-anonymous) or epsilon (differential privacy)")
        now = datetime.now(UTC).replace(tzinfo=None)
        with self.store() as store:
            if ask.k is not None:
                return k_anonymous(store, dataset, list(ask.by), k=ask.k, released_by=name, at=now)
            assert ask.epsilon is not None
            return differentially_private(store, dataset, list(ask.by), epsilon=ask.epsilon,
                                          mechanism=ask.mechanism, delta=ask.delta, contributions=ask.contributions,
                                          years=ask.years, released_by=name, at=now)
