"""Measure a rule pack against labelled data: recall per planted typology, precision per rule."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from palermo.finance.generator import Injected
from palermo.model import Alert


@dataclass(frozen=True)
class Quality:
    """Recall of one typology (planted instances found by its rule) and precision of that rule."""

    typology: str
    planted: int
    found: int
    alerts: int
    true_alerts: int

    @property
    def recall(self) -> float:
        """Share of planted instances that an alert of the rule touches."""
        return self.found / self.planted if self.planted else 0.0

    @property
    def precision(self) -> float:
        """Share of the rule's alerts that touch some planted instance (of any typology)."""
        return self.true_alerts / self.alerts if self.alerts else 1.0


def _touches(alert: Alert, instance: Injected) -> bool:
    if instance.tx_ids:
        return not set(alert.transactions).isdisjoint(instance.tx_ids)
    return not set(alert.accounts).isdisjoint(instance.accounts)


def evaluate(alerts: Sequence[Alert], labels: Sequence[Injected]) -> list[Quality]:
    """For every typology with planted instances: how many the same-named rule found, and its precision.

    An alert counts as true when it touches any planted instance: a rule that fires on another typology's
    planted transactions has found real suspicious activity too.
    """
    planted_txs = {t for inst in labels for t in inst.tx_ids}
    planted_accounts = {a for inst in labels if not inst.tx_ids for a in inst.accounts}
    by_rule: dict[str, list[Alert]] = defaultdict(list)
    for alert in alerts:
        by_rule[alert.rule].append(alert)
    by_typology: dict[str, list[Injected]] = defaultdict(list)
    for inst in labels:
        by_typology[inst.typology].append(inst)
    out = []
    for typology in sorted(set(by_typology) | set(by_rule)):
        mine = by_rule.get(typology, [])
        instances = by_typology.get(typology, [])
        found = sum(1 for inst in instances if any(_touches(a, inst) for a in mine))
        true = sum(1 for a in mine if (not planted_txs.isdisjoint(a.transactions))
                   or (not a.transactions and not planted_accounts.isdisjoint(a.accounts)))
        out.append(Quality(typology, len(instances), found, len(mine), true))
    return out
