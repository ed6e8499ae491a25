"""What each kind of custody act records and what it changes: one small rule per kind, whose docstring is the
explanation an officer or a court reads. A rule checks the act against the exhibit as it stands, completes the
details the signed event carries (the vocabulary of `palermo.custody.records.Details`) and returns the exhibit's
new standing; it raises InvalidInput naming the missing or wrong detail."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from palermo.errors import InvalidInput
from palermo.model import CustodyAct, CustodyKind


@dataclass(frozen=True)
class Standing:
    """Where an exhibit stands in its chain of custody, and who is acting on it."""

    holder: str
    status: str
    seal: str | None
    agency: str
    state: str


@dataclass(frozen=True)
class Outcome:
    """What an act records (the signed event's details) and where it leaves the exhibit."""

    details: dict[str, Any]
    holder: str
    status: str
    seal: str | None


Rule = Callable[[Standing, CustodyAct], Outcome]
RULES: dict[str, Rule] = {}
FINAL = {"returned", "destroyed"}


def rule(kind: CustodyKind) -> Callable[[Rule], Rule]:
    """Register the rule of one kind of act."""
    def register(fn: Rule) -> Rule:
        RULES[kind] = fn
        return fn
    return register


def need(act: CustodyAct, *names: str) -> None:
    """Refuse the act if a detail its kind requires is missing."""
    for name in names:
        if not act.details.get(name, "").strip():
            raise InvalidInput(f"details.{name}: a {act.kind.replace('_', ' ')} records {name.replace('_', ' ')}",
                               hint=f"{act.kind}: {' '.join((RULES[act.kind].__doc__ or '').split())}")


def given(act: CustodyAct, *names: str) -> dict[str, Any]:
    """The details the user gave among ``names`` (notes and descriptions travel with every kind)."""
    out: dict[str, Any] = {}
    for name in (*names, "note", "description"):
        value = act.details.get(name, "").strip()
        if value:
            out[name] = value
    return out


def seals(text: str) -> list[str]:
    """Seal numbers from a comma-separated list."""
    return [s.strip() for s in text.split(",") if s.strip()]


def apply(standing: Standing, act: CustodyAct) -> Outcome:
    """What the act records and the exhibit's standing after it; refused when it does not fit where the exhibit
    stands (nothing after a return or a destruction; seizure and intake open a new exhibit)."""
    if standing.status in FINAL:
        raise InvalidInput(f"the exhibit was {standing.status}: its chain of custody is closed",
                           hint="register what came back as a new exhibit if it returned")
    if act.kind in ("seizure", "intake", "derivative"):
        raise InvalidInput(f"kind: a {act.kind} opens the chain of a new exhibit; register the exhibit instead")
    return RULES[act.kind](standing, act)


@rule("transfer")
def transfer(standing: Standing, act: CustodyAct) -> Outcome:
    """Handed from its holder to another (to_holder; to_agency and to_state, as IDs and ISO codes, when it leaves
    the agency or the state): the new holder answers for it from then on."""
    need(act, "to_holder")
    details = {"from_holder": standing.holder, "from_agency": standing.agency, "from_state": standing.state,
               "to_holder": act.details["to_holder"].strip(),
               "to_agency": act.details.get("to_agency", "").strip() or standing.agency,
               "to_state": (act.details.get("to_state", "").strip() or standing.state).upper(),
               **given(act)}
    return Outcome(details, details["to_holder"], standing.status, standing.seal)


@rule("examination")
def examination(standing: Standing, act: CustodyAct) -> Outcome:
    """Looked at or into by the signed-in examiner (method: fingerprinting, forensic imaging, reading a phone):
    for a digital exhibit the file's SHA-256 recorded at intake shows the examination did not alter it."""
    return Outcome(given(act, "method"), standing.holder, standing.status, standing.seal)


@rule("seal")
def seal(standing: Standing, act: CustodyAct) -> Outcome:
    """Sealed in a bag or container with numbered seals (seals): a broken or different seal later shows it was
    opened."""
    need(act, "seals")
    if standing.seal:
        raise InvalidInput(f"details.seals: the exhibit is already under seal {standing.seal}; unseal it first")
    numbers = seals(act.details["seals"])
    return Outcome({**given(act), "seals": numbers}, standing.holder, standing.status, ", ".join(numbers))


@rule("unseal")
def unseal(standing: Standing, act: CustodyAct) -> Outcome:
    """Opened (seals: the numbers found on it): they must be the numbers recorded when it was sealed; a
    difference is recorded in an examination, where the chain shows it."""
    need(act, "seals")
    found = seals(act.details["seals"])
    if standing.seal is None:
        raise InvalidInput("details.seals: the exhibit is not under seal")
    if ", ".join(found) != standing.seal:
        raise InvalidInput(f"details.seals: the record says seal {standing.seal}, not {', '.join(found)}",
                           hint="if the seal found differs, record an examination saying so")
    return Outcome({**given(act), "seals": found}, standing.holder, standing.status, None)


@rule("share_abroad")
def share_abroad(standing: Standing, act: CustodyAct) -> Outcome:
    """Sent to an authority of another state (recipient_agency as an ID, recipient_state) under a legal basis
    (legal_basis: the mutual legal assistance request, joint investigation team agreement or treaty relied on)."""
    need(act, "recipient_agency", "recipient_state", "legal_basis")
    details = {**given(act, "recipient_agency", "legal_basis"),
               "recipient_state": act.details["recipient_state"].strip().upper()}
    return Outcome(details, f"{details['recipient_agency']} ({details['recipient_state']})", "shared_abroad",
                   standing.seal)


@rule("return")
def return_(standing: Standing, act: CustodyAct) -> Outcome:
    """Given back (to_holder: the owner, the victim, the sending authority): the chain of custody closes."""
    need(act, "to_holder")
    details = given(act, "to_holder", "to_agency")
    if act.details.get("to_state", "").strip():
        details["to_state"] = act.details["to_state"].strip().upper()
    return Outcome(details, details["to_holder"], "returned", standing.seal)


@rule("destruction")
def destruction(standing: Standing, act: CustodyAct) -> Outcome:
    """Destroyed under an authority (legal_basis: the court order or retention rule; method; a witness in the
    note): the chain of custody closes."""
    need(act, "legal_basis")
    return Outcome(given(act, "legal_basis", "method"), standing.holder, "destroyed", standing.seal)
