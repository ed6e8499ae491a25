"""Measure a rule pack against labelled data: recall per planted typology and precision per rule, by planted
instance (Palermo's generator) or by account (an FIU's own labelled cases, AMLSim's labels)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from palermo.finance.generator import Injected
from palermo.finance.rules import Pack
from palermo.finance.templates import TEMPLATES
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


# --------------------------------------------------------------------------- account level, against an FIU's labels


@dataclass(frozen=True)
class AccountQuality:
    """How one layer (a rule, the whole pack, the learned model) did on one labelled typology, counted in accounts."""

    layer: str
    typology: str
    labelled: int
    flagged: int
    found: int
    true_flagged: int

    @property
    def recall(self) -> float:
        """Share of the typology's laundering accounts that the layer flagged."""
        return self.found / self.labelled if self.labelled else 0.0

    @property
    def precision(self) -> float:
        """Share of the accounts the layer flagged that are labelled as laundering (of any typology)."""
        return self.true_flagged / self.flagged if self.flagged else 1.0


def flagged_accounts(alerts: Sequence[Alert], pack: Pack) -> dict[str, set[str]]:
    """Per rule, the accounts its alerts flag: the subject, and every named account when the rule's pattern is
    made of its members (a cycle), not of counterparties (a fan-in's payers)."""
    kinds = {r.id: TEMPLATES[r.kind].members for r in pack.rules}
    out: dict[str, set[str]] = defaultdict(set)
    for alert in alerts:
        out[alert.rule].add(alert.subject)
        if kinds.get(alert.rule):
            out[alert.rule].update(alert.accounts)
    return dict(out)


def parties_shown(alerts: Sequence[Alert]) -> dict[str, set[str]]:
    """Per rule, every account its alerts show an analyst: the subject and all parties to the flagged payments
    (a fan-in's payers, a fan-out's payees, a split payment's counterparties), not only the pattern's members."""
    out: dict[str, set[str]] = defaultdict(set)
    for alert in alerts:
        out[alert.rule].update((alert.subject, *alert.accounts))
    return dict(out)


def evaluate_accounts(layers: dict[str, set[str]], labels: dict[str, str]) -> list[AccountQuality]:
    """Recall and precision of each layer's flagged accounts per labelled typology (``labels``: account ->
    typology of the laundering accounts; every other account is taken as clean)."""
    typologies = sorted(set(labels.values()))
    laundering = set(labels)
    out = []
    for layer, flagged in layers.items():
        true_flagged = len(flagged & laundering)
        for typology in typologies:
            mine = {a for a, t in labels.items() if t == typology}
            out.append(AccountQuality(layer, typology, len(mine), len(flagged), len(flagged & mine), true_flagged))
    return out


def pack_layers(alerts: Sequence[Alert], pack: Pack) -> dict[str, set[str]]:
    """Each rule that raised alerts as a layer, and the whole pack (``rules``) as one."""
    per_rule = flagged_accounts(alerts, pack)
    return {"rules": set().union(*per_rule.values()) if per_rule else set(), **dict(sorted(per_rule.items()))}
