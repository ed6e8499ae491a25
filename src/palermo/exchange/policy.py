"""The agreement's terms applied to one exchange: who may send to whom, for what purpose and when (checked by the
sender before a preview and by the recipient before it opens anything), and what the recipient may do afterwards —
pass it on, use it as evidence — under the handling code that came with it.
"""

from __future__ import annotations

from datetime import date

from palermo.exchange.agreements import Agreement, Handling
from palermo.exchange.terms import PURPOSES, SHARES
from palermo.model import Frozen


class Decision(Frozen):
    """Whether something is allowed under an exchange's handling code, the rule that decided, and why."""

    allowed: bool
    rule: str
    reason: str


def refusals(agreement: Agreement, *, sender: str, recipient: str, purpose: str, on: date,
             sender_state: str | None = None, recipient_state: str | None = None) -> list[str]:
    """Every reason the agreement does not cover this exchange, each starting with the field it concerns: the
    purpose, the sender and recipient (parties that may send and receive, of the states named), the dates."""
    found: list[str] = []
    name = f"agreement {agreement.id}"
    if purpose not in agreement.purposes:
        known = "a purpose the agreement could name" if purpose in PURPOSES else "not a purpose Palermo knows"
        found.append(f"purpose: {purpose!r} ({known}) is outside {name}, which permits "
                     f"{', '.join(agreement.purposes)}")
    for role, agency, state, may in (("sender", sender, sender_state, "may_send"),
                                     ("recipient", recipient, recipient_state, "may_receive")):
        party = agreement.party(agency)
        if party is None:
            found.append(f"{role}: {agency} is not a party to {name} "
                         f"(parties: {', '.join(p.agency for p in agreement.parties)})")
        elif not getattr(party, may):
            found.append(f"{role}: {agency} may not {'send' if role == 'sender' else 'receive'} under {name}")
        elif state is not None and state != party.state:
            found.append(f"{role}: {agency} is a party of {party.state} under {name}, not of {state}")
    if sender == recipient:
        found.append(f"recipient: {recipient} is the sender itself")
    if on < agreement.valid_from:
        found.append(f"valid_from: {name} is in force only from {agreement.valid_from} (the day is {on})")
    if on > agreement.valid_until:
        found.append(f"valid_until: {name} expired on {agreement.valid_until} (the day is {on})")
    return found


def onward_allowed(handling: Handling, agreement: Agreement, to_agency: str, to_state: str, *, holder: str,
                   holder_state: str, prior_consent: bool = False) -> Decision:
    """May ``holder`` (the agency that received it, of ``holder_state``) pass content received under
    ``agreement`` with ``handling`` on to ``to_agency`` of ``to_state``? ``prior_consent``: the sender's prior
    consent to this transfer is recorded (UNTOC Art. 18(19))."""
    if to_agency == holder:
        return Decision(allowed=True, rule="same_agency", reason=f"{to_agency} already holds it")
    party = agreement.party(to_agency)
    if handling.share == "parties" and party is not None and party.may_receive and party.state == to_state:
        return Decision(allowed=True, rule="parties",
                        reason=f"{to_agency} is a party to agreement {agreement.id}; {SHARES['parties']}")
    if handling.share == "recipient_state" and to_state == holder_state:
        return Decision(allowed=True, rule="recipient_state",
                        reason=f"{to_agency} is an authority of {holder_state}; {SHARES['recipient_state']}")
    circle = {"recipient": f"it stays with {holder}", "recipient_state": f"it stays within {holder_state}",
              "parties": f"it stays with the parties to agreement {agreement.id}"}[handling.share]
    if handling.outside == "prior_consent":
        if prior_consent:
            return Decision(allowed=True, rule="prior_consent",
                            reason=f"the sender's prior consent to passing it to {to_agency} is recorded")
        return Decision(allowed=False, rule="prior_consent",
                        reason=f"handling {handling.code}: {circle}; passing it to {to_agency} ({to_state}) needs "
                               "the sender's prior consent (UNTOC Art. 18(19)), which is not recorded")
    return Decision(allowed=False, rule="refused",
                    reason=f"handling {handling.code}: {circle}; passing it to {to_agency} ({to_state}) is refused")


def evidence_allowed(handling: Handling, *, prior_consent: bool = False) -> Decision:
    """May content received under ``handling`` be disclosed as evidence in judicial proceedings (of the stated
    purpose)? Intelligence only with the sender's prior consent."""
    if handling.use == "evidence":
        return Decision(allowed=True, rule="evidence", reason="the handling code permits use as evidence for the "
                                                              "stated purpose")
    if prior_consent:
        return Decision(allowed=True, rule="prior_consent", reason="the sender's prior consent to use it as "
                                                                   "evidence is recorded")
    return Decision(allowed=False, rule="intelligence",
                    reason=f"handling {handling.code}: intelligence only; use as evidence needs the sender's prior "
                           "consent, which is not recorded")
