"""Requests drafted from the example conducts: the computed legal basis and findings, the completeness check that
blocks sending, the status table, and bad input named by field."""

from __future__ import annotations

from datetime import date

import pytest

from palermo.errors import Conflict, InvalidInput
from palermo.law import Library
from palermo.mla import CHECKS, TRANSITIONS, advance, allowed, check, draft, overdue, read_request, ready_to_send
from palermo.mla.draft import redraft

from .helpers import CPS, POLAND, conduct, extradition, mla


def test_an_mla_request_for_operation_fort_carries_its_computed_legal_basis_and_passes_the_check(
        library: Library) -> None:
    request = mla(library)
    f = request.findings
    assert (f.requesting, f.requested, f.unprofiled) == ("GB-EAW", "PL", ["PL"])
    untoc = f.bases[0]
    assert untoc.computed and untoc.established is True
    assert [c.label for c in untoc.citations] == ["UNTOC, Art. 18", "Palermo Protocol, Art. 1", "UNTOC, Art. 18(3)"]
    assert {(p.state, p.instrument, p.party) for p in f.participation} == {
        ("GB-EAW", "untoc", True), ("PL", "untoc", True), ("GB-EAW", "palermo_protocol", True),
        ("PL", "palermo_protocol", True)}
    poland = next(p for p in f.participation if p.state == "PL" and p.instrument == "untoc")
    assert poland.consent == date(2001, 11, 12) and poland.citation.source == "UN Treaty Collection"
    assert f.protocol.verdict == "yes" and f.assessment("GB-EAW").verdict == "yes"  # type: ignore[union-attr]
    assert request.offences == ["Modern Slavery Act 2015 s.2"]
    serious = f.serious_crime[0]
    assert serious.reaches is True and serious.life and "UNTOC, Art. 2(b)" in [c.label for c in serious.citations]
    assert f.dual_criminality is None and "No law profile for PL" in f.notes[0]
    assert {s.state for s in f.jurisdiction.states} == {"GB-EAW", "PL"} and f.jurisdiction.consult
    assert check(request) == []
    ready_to_send(request)
    sent = advance(request, "sent", date(2026, 3, 3), note="by e-mail to the central authority")
    assert sent.status == "sent" and sent.history[-1].on == date(2026, 3, 3)


def test_a_missing_required_field_blocks_sending_and_is_named(library: Library) -> None:
    request = mla(library, purpose=None)
    assert [(m.field, m.severity) for m in check(request)] == [("purpose", "missing")]
    missing = check(request)[0]
    assert missing.citations[0].label == "UNTOC, Art. 18(15)(f)" and "Art. 18(19)" in missing.why
    with pytest.raises(InvalidInput, match=r"cannot be sent: 1 field missing or insufficient: purpose") as exc:
        advance(request, "sent", date(2026, 3, 3))
    assert exc.value.details == ["purpose: missing: state the purpose for which the evidence, information or action "
                                 "is sought"]
    assert request.status == "draft"


def test_an_empty_draft_names_every_field_it_lacks(library: Library) -> None:
    request = draft("mla", conduct("operation_fort", library), "GB", "PL", library)
    fields = [m.field for m in check(request)]
    assert fields == ["requesting.name", "requesting.contact", "requested.name", "proceedings.stage",
                      "proceedings.subject", "requesting.functions", "assistance", "purpose",
                      "preempted.dual_criminality", "requested.languages", "confidentiality.required"]
    with pytest.raises(InvalidInput) as exc:
        ready_to_send(request)
    assert all(f in exc.value.message for f in fields) and len(exc.value.details) == len(fields)


def test_insufficient_fields_are_named_with_their_index(library: Library) -> None:
    request = mla(library, language="fr", urgency={"urgent": True},
                  assistance=[{"form": "taking_evidence", "details": "a statement"},
                              {"form": "preserving_computer_data", "details": "the e-mail account x@example.org"}])
    assert [m.line for m in check(request)] == [
        "assistance[0].persons: missing: name the person concerned",
        "assistance[1].custodian: missing: name the custodian of the data or where the system is",
        "assistance[1].necessity: missing: say why the data must be preserved",
        "assistance[1].mla_to_follow: missing: confirm that a request for the data will follow",
        "language: insufficient: the request is in 'fr'; the requested state accepts pl, en: translate it",
        "urgency.reasons: missing: give the reasons for the urgency or deadline",
    ]


def test_service_of_documents_alone_needs_no_summary_of_facts(library: Library) -> None:
    request = mla(library, facts=None, assistance=[{"form": "service_of_documents", "persons": ["W-0007"],
                                                    "details": "a summons to appear at trial"}])
    assert request.facts  # taken from the conduct when the drafter gives none
    bare = request.model_copy(update={"facts": None})
    assert "facts" not in [m.field for m in check(bare)]
    with_evidence = bare.model_copy(update={"assistance": [*bare.assistance, *mla(library).assistance[:1]]})
    assert "facts" in [m.field for m in check(with_evidence)]


def test_an_extradition_request_carries_the_dual_criminality_finding(library: Library) -> None:
    request = extradition(library)
    dc = request.findings.dual_criminality
    assert dc is not None and dc.kind == "extradition" and dc.outcome == "met"
    assert [s.state for s in dc.states] == ["FR", "DE"] and all(s.penalty_ok for s in dc.states)
    assert [c.label for c in dc.citations] == ["UNTOC, Art. 16"]
    assert request.findings.bases[0].citations[-1].label == "UNTOC, Art. 16(4)"
    assert check(request) == []
    elsewhere = request.model_copy(update={"persons": [request.persons[0].model_copy(update={"location": "FR"})]})
    assert [m.line for m in check(elsewhere)] == [
        "persons.S-0001.location: insufficient: the person sought is in FR, not in the requested state DE"]


def test_a_national_of_the_requested_state_asks_for_the_nationality_ground(library: Library) -> None:
    request = extradition(library)
    german = request.model_copy(update={"persons": [request.persons[0].model_copy(update={"nationality": "DE"})]})
    found = check(german)
    assert [m.field for m in found] == ["preempted.nationality"]
    assert found[0].citations[0].label == "UNTOC, Art. 16(10)"
    answered = extradition(library, persons=[{"ref": "S-0001", "role": "person_sought", "nationality": "DE",
                                              "location": "DE"}],
                           preempted=[{"ground": "nationality", "statement": "Failing extradition, France asks that "
                                                                             "the case be submitted for prosecution."}])
    assert check(answered) == []


def test_extradition_is_blocked_where_dual_criminality_is_not_met(library: Library) -> None:
    facts = conduct("adult_no_means", library)
    moved = facts.model_copy(update={"offenders": [facts.offenders[0].model_copy(update={"present_in": ["DE"]})]})
    request = draft("extradition", moved, CPS, {"state": "DE", "name": "Bundesamt für Justiz", "languages": ["en"]},
                    library, persons=[{"ref": "S-1", "role": "person_sought", "location": "DE"}],
                    extradition={"person": "S-1", "warrant": "Westminster Magistrates' Court, 2026-01-10, no. 1"},
                    confidentiality={"required": False})
    assert request.findings.dual_criminality is not None
    assert request.findings.dual_criminality.outcome == "not_met"
    found = check(request)
    assert [(m.field, m.severity) for m in found] == [("conduct.date_from", "insufficient"),
                                                      ("dual_criminality", "insufficient")]
    assert "Germany" in found[1].problem


def test_the_status_table(library: Library) -> None:
    assert allowed("draft") == ("sent", "withdrawn") and allowed("executed") == ()
    assert all(not TRANSITIONS[s] for s in ("executed", "refused", "withdrawn"))
    request = mla(library)
    sent = advance(request, "sent", date(2026, 3, 3))
    part = advance(advance(sent, "acknowledged", date(2026, 3, 10)), "executed_in_part", date(2026, 4, 1))
    done = advance(part, "executed", date(2026, 5, 1), note="bank records received")
    assert [c.status for c in done.history] == ["sent", "acknowledged", "executed_in_part", "executed"]
    with pytest.raises(Conflict, match="a request that is executed cannot become withdrawn"):
        advance(done, "withdrawn", date(2026, 5, 2))
    with pytest.raises(Conflict, match="a request that is draft cannot become executed"):
        advance(request, "executed", date(2026, 3, 3))
    with pytest.raises(InvalidInput, match="status: unknown status 'lost'"):
        advance(request, "lost", date(2026, 3, 3))
    with pytest.raises(InvalidInput, match="before the last change"):
        advance(sent, "acknowledged", date(2026, 3, 1))
    assert overdue(sent, date(2026, 6, 2)) and not overdue(sent, date(2026, 5, 31))
    assert not overdue(done, date(2026, 6, 2))


def test_bad_input_names_the_field(library: Library) -> None:
    facts = conduct("operation_fort", library)
    with pytest.raises(InvalidInput) as exc:
        draft("mla", facts, "GB", "PL", library, purpse="x", assistance=[{"form": "interrogation"}],
              persons=[{"ref": "W 1", "role": "witness"}])
    details = exc.value.details
    assert "request: purpse: unknown field (did you mean 'purpose'?)" in details
    assert any(d.startswith("request: assistance[0].form: Input should be 'taking_evidence'") for d in details)
    assert any(d.startswith("request: persons[0].ref: String should match pattern") for d in details)
    with pytest.raises(InvalidInput, match=r"request: assistance\[0\].persons: 'X-9' is not among the persons"):
        draft("mla", facts, "GB", "PL", library, assistance=[{"form": "taking_evidence", "persons": ["X-9"]}])
    with pytest.raises(InvalidInput, match=r"request: requested\.state: GB-EAW is the requesting state"):
        draft("mla", facts, "GB", "GB-EAW", library)
    with pytest.raises(InvalidInput, match="request: extradition: a mutual legal assistance request has no"):
        draft("mla", facts, "GB", "PL", library, persons=[{"ref": "S-1", "role": "suspect"}],
              extradition={"person": "S-1"})
    with pytest.raises(InvalidInput, match="request: colour: unknown field"):
        redraft(mla(library), library, colour="red")


def test_a_request_file_names_file_line_and_field(library: Library) -> None:
    text = """\
kind: mla
requesting: {state: GB, name: CPS}
requested: {state: PL, languages: [pl]}
assistance:
  - form: taking_evidence
    detials: a statement
conduct:
  acts: [recruitment, kidnap]
  places: [PL, GB]
"""
    with pytest.raises(InvalidInput) as exc:
        read_request(text, "req.yaml", library)
    assert "req.yaml:6: assistance[0].detials: unknown field (did you mean 'details'?)" in exc.value.details
    assert any(d.startswith("req.yaml:8: conduct.acts[1]: unknown act key 'kidnap'") for d in exc.value.details)
    good = text.replace("detials", "details").replace(", kidnap", "")
    request = read_request(good, "req.yaml", library)
    assert request.assistance[0].details == "a statement" and request.conduct.acts == ["recruitment"]


def test_every_check_rests_on_a_known_provision() -> None:
    assert len(CHECKS) >= 18
    for c in CHECKS.values():
        assert c.explanation and c.citations(), c.name
        assert {cite.verified for cite in c.citations()} <= {True, False}
    tool = CHECKS["requesting.contact"].citations()[0]
    assert tool.label == "UNODC MLA Request Writer Tool [UNVERIFIED]"
    assert {c.label for c in CHECKS["facts"].citations()} == {"UNTOC, Art. 18(15)(c)"}


def test_redraft_keeps_status_and_recomputes(library: Library) -> None:
    sent = advance(mla(library), "sent", date(2026, 3, 3))
    again = redraft(sent, library, requested={**POLAND, "state": "DE", "name": "Bundesamt für Justiz"})
    assert again.status == "sent" and again.history == sent.history
    assert again.findings.requested == "DE" and again.findings.unprofiled == []
    assert again.findings.dual_criminality is not None and again.findings.dual_criminality.kind == "mla"
