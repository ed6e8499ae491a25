"""Alerts become case material: the accounts, holders and payments of one or more alerts as FtM entities in a new
or an existing case, with a note that records the red flags and their sources."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from followthemoney.types import registry

from palermo.cases import CaseStore
from palermo.cases.identity import Caller
from palermo.errors import InvalidInput
from palermo.finance.desk import AlertDetail
from palermo.ftm import validate
from palermo.model import Case, CaseDraft


def _key(kind: str, value: str) -> str:
    # Stable IDs: filing two alerts that share an account or payment merges them in the case.
    return f"{kind}-{hashlib.sha256(value.encode()).hexdigest()[:20]}"


def alert_entities(details: Sequence[AlertDetail]) -> list[dict[str, Any]]:
    """FtM entities for the alerts' evidence: BankAccount per account, Person/Company per known holder with an
    Ownership link, Payment per transaction from payer to beneficiary (the account holders, where the bank named
    them) with both accounts, amount, currency, date and purpose (cash: no account on that side)."""
    out: dict[str, dict[str, Any]] = {}
    holders: dict[str, str] = {}  # account -> its named holder's entity
    for detail in details:
        for party in detail.parties:
            account = str(party["account"])
            acct_id = _key("acct", account)
            out[acct_id] = {"id": acct_id, "schema": "BankAccount", "properties": {"accountNumber": [account]}}
            if party.get("name"):
                schema = "Company" if party.get("kind") == "company" else "Person"
                holder_id = _key("holder", str(party.get("holder") or account))
                props: dict[str, list[str]] = {"name": [str(party["name"])]}
                # Bank records hold what customers gave; a value FtM cannot read is left in the ledger.
                for prop, kind in (("phone", registry.phone), ("email", registry.email),
                                   ("address", registry.address), ("country", registry.country)):
                    value = kind.clean(str(party[prop])) if party.get(prop) else None
                    if value:
                        props[prop] = [value]
                out[holder_id] = {"id": holder_id, "schema": schema, "properties": props}
                holders[account] = holder_id
                own_id = _key("own", f"{holder_id}:{acct_id}")
                out[own_id] = {"id": own_id, "schema": "Ownership",
                               "properties": {"owner": [holder_id], "asset": [acct_id]}}
    for detail in details:  # every holder is known before the payments name them
        for tx in detail.transactions:
            pay_id = _key("pay", str(tx["tx_id"]))
            props = {"transactionNumber": [str(tx["tx_id"])], "amount": [str(Decimal(tx["amount"]))],
                     "currency": [str(tx["currency"])], "date": [tx["ts"].isoformat(timespec="seconds")]}
            for side, end in (("source", "payer"), ("target", "beneficiary")):
                if tx.get(side):
                    acct_id = _key("acct", str(tx[side]))
                    out.setdefault(acct_id, {"id": acct_id, "schema": "BankAccount",
                                             "properties": {"accountNumber": [str(tx[side])]}})
                    props[f"{end}Account"] = [acct_id]
                    if str(tx[side]) in holders:
                        props[end] = [holders[str(tx[side])]]
            purpose = " ".join(str(x) for x in (tx.get("channel"), tx.get("category"), tx.get("memo")) if x)
            if purpose:
                props["purpose"] = [purpose]
            out[pay_id] = {"id": pay_id, "schema": "Payment", "properties": props}
    return list(out.values())


def alert_note(details: Sequence[AlertDetail]) -> str:
    """The note filed with the evidence: each red flag, what it means, where it comes from."""
    lines = ["Filed from transaction monitoring:"]
    for d in details:
        a = d.alert
        span = f" ({a.first_at:%Y-%m-%d} to {a.last_at:%Y-%m-%d})" if a.first_at and a.last_at else ""
        lines.append(f"- {a.title} on {a.subject}{span}, alert {a.id}: {d.explanation.strip()}")
        lines.extend(f"  source: {c.label}" for c in a.citations)
    return "\n".join(lines)


def file_alerts(cs: CaseStore, caller: Caller, details: Sequence[AlertDetail], *, case_ref: str | None = None,
                title: str | None = None) -> Case:
    """File alerts into a case: a new one (reference from the first alert) unless ``case_ref`` names one."""
    if not details:
        raise InvalidInput("choose at least one alert to file")
    entities = alert_entities(details)
    for entity in entities:  # all valid before a case is opened: a failed filing leaves nothing behind
        validate(entity)
    if case_ref is None:
        first = details[0].alert
        case = cs.cases.create(caller, CaseDraft(
            reference=f"FIU-{first.id.removeprefix('alr-')[:12]}",
            title=(title or f"{first.title}: {first.subject}")[:300],
            summary=alert_note(details)[:20000], handling="owner"))
        case_ref = case.reference
    lines = [json.dumps(e) for e in entities]
    cs.transfer.import_entities(caller, case_ref, lines, source=f"alerts {', '.join(d.alert.id for d in details)}")
    cs.notes.add(caller, case_ref, alert_note(details))
    return cs.cases.get(caller, case_ref)
