"""The handling code after delivery: to whom a recipient may pass content on, for every share/outside combination,
and whether it may be used as evidence; and the refusals both ends apply before anything is built or opened."""

from __future__ import annotations

from datetime import date

import pytest

from palermo.exchange import Agreement, Handling, evidence_allowed, load_agreements, onward_allowed, refusals
from palermo.exchange.terms import OUTSIDES, SHARES

from .helpers import AGREEMENTS, GB, IT, JIT, MLA, RO, variant

HOLDER, HOLDER_STATE = GB, "GB"
# where the content could go next, from GB-NCA (a party to the JIT agreement) — agency, state, who it is
TARGETS = {
    "itself": (GB, "GB"),
    "an authority of its own state": ("GB-CPS", "GB"),
    "a party of another state": (IT, "IT"),
    "a party named with the wrong state": (IT, "FR"),
    "a stranger abroad": ("DE-BKA", "DE"),
}
# within the circle of each share value (before the outside rule)
INSIDE = {
    "recipient": {"itself"},
    "recipient_state": {"itself", "an authority of its own state"},
    "parties": {"itself", "a party of another state"},
}


@pytest.fixture(scope="module")
def jit() -> Agreement:
    return load_agreements([AGREEMENTS])[JIT]


@pytest.mark.parametrize("share", list(SHARES))
@pytest.mark.parametrize("outside", list(OUTSIDES))
@pytest.mark.parametrize("consented", [False, True])
def test_onward_sharing_for_every_handling_code(jit: Agreement, share: str, outside: str, consented: bool) -> None:
    handling = Handling.model_validate({"use": "evidence", "share": share, "outside": outside})
    for target, (agency, state) in TARGETS.items():
        decision = onward_allowed(handling, jit, agency, state, holder=HOLDER, holder_state=HOLDER_STATE,
                                  prior_consent=consented)
        if target in INSIDE[share]:
            expected = ("same_agency" if target == "itself" else share, True)
        elif outside == "refused":
            expected = ("refused", False)  # the sender's consent cannot open what the agreement closes
        else:
            expected = ("prior_consent", consented)
        assert (decision.rule, decision.allowed) == expected, (target, decision)
        if not decision.allowed:
            assert decision.reason.startswith(f"handling evidence/{share}/{outside}: ")
            assert f"passing it to {agency} ({state})" in decision.reason


def test_onward_reasons_say_what_the_circle_is_and_what_is_missing(jit: Agreement) -> None:
    strict = Handling(use="evidence", share="recipient", outside="prior_consent")
    refused = onward_allowed(strict, jit, "DE-BKA", "DE", holder=GB, holder_state="GB")
    assert refused.reason == ("handling evidence/recipient/prior_consent: it stays with GB-NCA; passing it to DE-BKA "
                              "(DE) needs the sender's prior consent (UNTOC Art. 18(19)), which is not recorded")
    national = Handling(use="evidence", share="recipient_state", outside="refused")
    assert onward_allowed(national, jit, "DE-BKA", "DE", holder=GB, holder_state="GB").reason == (
        "handling evidence/recipient_state/refused: it stays within GB; passing it to DE-BKA (DE) is refused")
    team = Handling(use="evidence", share="parties", outside="refused")
    assert onward_allowed(team, jit, "DE-BKA", "DE", holder=GB, holder_state="GB").reason == (
        "handling evidence/parties/refused: it stays with the parties to agreement jit-ro-gb-it-2026; passing it "
        "to DE-BKA (DE) is refused")
    allowed = onward_allowed(team, jit, "RO-DIICOT", "RO", holder=GB, holder_state="GB")
    assert allowed.allowed and allowed.reason.startswith("RO-DIICOT is a party to agreement jit-ro-gb-it-2026; ")


def test_a_party_that_may_not_receive_is_outside_the_circle() -> None:
    team = variant({"    role: member\n    name: Polizia": "    role: member\n    may_receive: false\n    name: "
                                                            "Polizia"}, "jit-ro-gb-it.yaml")
    decision = onward_allowed(team.handling, team, IT, "IT", holder=GB, holder_state="GB")
    assert (decision.allowed, decision.rule) == (False, "prior_consent")


def test_use_as_evidence() -> None:
    evidence = Handling(use="evidence", share="recipient", outside="refused")
    intelligence = Handling(use="intelligence", share="recipient", outside="refused")
    assert evidence_allowed(evidence).allowed and evidence_allowed(evidence).rule == "evidence"
    refused = evidence_allowed(intelligence)
    assert (refused.allowed, refused.rule) == (False, "intelligence")
    assert refused.reason == ("handling intelligence/recipient/refused: intelligence only; use as evidence needs the "
                              "sender's prior consent, which is not recorded")
    consented = evidence_allowed(intelligence, prior_consent=True)
    assert (consented.allowed, consented.rule) == (True, "prior_consent")


def test_refusals_name_every_field_that_fails(jit: Agreement) -> None:
    assert refusals(jit, sender=GB, recipient=IT, purpose="investigation", on=date(2026, 6, 1)) == []
    assert refusals(jit, sender=GB, recipient=IT, purpose="asset_recovery", on=date(2027, 3, 1),
                    sender_state="FR", recipient_state="IT") == [
        "purpose: 'asset_recovery' (a purpose the agreement could name) is outside agreement jit-ro-gb-it-2026, "
        "which permits investigation, prosecution, victim_protection",
        "sender: GB-NCA is a party of GB under agreement jit-ro-gb-it-2026, not of FR",
        "valid_until: agreement jit-ro-gb-it-2026 expired on 2027-02-28 (the day is 2027-03-01)"]
    assert refusals(jit, sender=GB, recipient=GB, purpose="bribery", on=date(2026, 2, 1)) == [
        "purpose: 'bribery' (not a purpose Palermo knows) is outside agreement jit-ro-gb-it-2026, which permits "
        "investigation, prosecution, victim_protection",
        "recipient: GB-NCA is the sender itself",
        "valid_from: agreement jit-ro-gb-it-2026 is in force only from 2026-03-01 (the day is 2026-02-01)"]
    mute = variant({"    role: requesting\n": "    role: requesting\n    may_send: false\n"})
    assert refusals(mute, sender=GB, recipient=RO, purpose="prosecution", on=date(2026, 6, 1)) == [
        f"sender: GB-NCA may not send under agreement {MLA}"]
    # the day the agreement starts and the day it ends are both in force
    assert refusals(jit, sender=RO.replace("IGPR-DCCO", "DIICOT"), recipient=GB, purpose="prosecution",
                    on=date(2026, 3, 1)) == []
    assert refusals(jit, sender=GB, recipient=IT, purpose="prosecution", on=date(2027, 2, 28)) == []
