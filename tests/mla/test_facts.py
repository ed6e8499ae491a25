"""Drafting a request from a case's records: the victims (from their records' profile), the suspects as offenders,
the states where acts took place and the period are read from the case, each with where it came from; a protected
person's identity stays sealed; the starting file, completed with what no record states (acts, means, purposes,
the assistance sought ...), drafts a request whose findings the law engine computed from those facts. Through the
page (filled form, and from a revealed linkage) and the command line."""

from __future__ import annotations

from datetime import date
from html import unescape

import yaml
from fastapi.testclient import TestClient

from palermo.cases import CaseStore
from palermo.cases.facts import with_matches
from palermo.law import Library
from palermo.model import Identity, VictimRecordDraft

from .test_pages import client, drafted, sign_in, store  # noqa: F401  (fixtures)

ENTITIES = [
    {"id": "sus-1", "schema": "Person", "properties": {"name": ["Adam Nowak"], "nationality": ["pl"],
                                                       "country": ["gb"]}},
    {"id": "firm-1", "schema": "Company", "properties": {"name": ["Fort Staffing Ltd"], "jurisdiction": ["gb"]}},
    {"id": "vic-1", "schema": "Person", "properties": {"name": ["Ewa Kowalska"], "nationality": ["pl"]}},
    {"id": "vic-2", "schema": "Person", "properties": {"name": ["Jan Zielinski"], "nationality": ["pl"]}},
    {"id": "addr-1", "schema": "Address", "properties": {"full": ["1 High St, Birmingham"], "country": ["gb"]}},
    {"id": "trip-1", "schema": "Trip", "properties": {"name": ["coach to Birmingham"], "country": ["pl"],
                                                      "startDate": ["2013-05"]}},
    {"id": "pay-1", "schema": "Payment", "properties": {"amountEur": ["300"], "date": ["2016-11-30"]}},
    {"id": "pass-1", "schema": "Passport", "properties": {"number": ["EA123"], "startDate": ["2009-01-01"]}},
]
ROLES = {"sus-1": "suspect", "firm-1": "suspect", "vic-1": "victim", "vic-2": "victim"}


def fill(cs: CaseStore) -> None:
    """The case GB-OP-1 with a suspect, a company, two victims (protected: one with a record), places and dates."""
    inv = cs.accounts.actor("inv")
    for entity in ENTITIES:
        cs.entities.add(inv, "GB-OP-1", entity, role=ROLES.get(str(entity["id"])))
    cs.victims.open(inv, VictimRecordDraft(identity=Identity(names=["Ewa Kowalska"]), jurisdiction="GB",
                                           citizenship="PL", minor=False, case="GB-OP-1", entity_id="vic-1"))


def test_the_conduct_is_read_from_the_case_records(store: CaseStore) -> None:  # noqa: F811
    fill(store)
    facts = store.facts.derive(store.accounts.actor("lawyer"), "GB-OP-1")
    c = facts.conduct
    assert c.title == "Operation Fort" and facts.case == "GB-OP-1"
    assert [(v.nationality, v.minor) for v in c.victims] == [("PL", False), (None, None)]  # record; sealed person
    assert sorted((o.kind, o.nationality, o.residence, o.established_in) for o in c.offenders) == [
        ("legal", None, None, "GB"), ("natural", "PL", "GB", None)]
    assert c.places == ["GB", "PL"]  # the address, then the trip
    assert (c.date_from, c.date_to) == (date(2013, 5, 1), date(2016, 11, 30))  # the passport's date is not the conduct's
    assert c.acts is None and c.means is None and c.purposes is None  # no record states them: the drafter's
    assert {p.ref: (p.role, p.nationality) for p in facts.persons} == {
        "sus-1": ("suspect", "PL"), "vic-1": ("victim", None), "vic-2": ("victim", None)}  # victims' stay sealed
    assert set(facts.sources) >= {"victims", "offenders", "places", "period"}
    assert "Kowalska" not in facts.model_dump_json() and "Nowak" not in facts.model_dump_json()  # references only


def test_a_linkage_names_the_partner_and_its_references(store: CaseStore) -> None:  # noqa: F811
    fill(store)
    facts = store.facts.derive(store.accounts.actor("lawyer"), "GB-OP-1")
    linked = with_matches(facts, "PL-PK", "PL", {"vic-2": "PL-PK-17", "unrolled": "PL-PK-18"})
    described = {p.ref: (p.role, p.description) for p in linked.persons}
    assert described["vic-2"] == ("victim", "held by PL-PK as PL-PK-17")
    assert described["unrolled"] == ("other", "held by PL-PK as PL-PK-18")
    assert described["sus-1"] == ("suspect", None) and linked.partner_state == "PL"


COMPLETION = {
    "reference": "CPS/2026/7", "dated": "2026-03-02",
    "requesting": {"state": "GB", "name": "Crown Prosecution Service", "functions": "prosecutes trafficking",
                   "address": "102 Petty France, London", "contact": "Case officer, +44 20 0000 0000"},
    "requested": {"state": "PL", "name": "Ministry of Justice", "languages": ["pl", "en"]},
    "proceedings": {"stage": "prosecution", "subject": "Trafficking for forced labour"},
    "facts": "Workers were recruited in Poland and exploited in Birmingham.",
    "assistance": [{"form": "documents_and_records", "details": "Statements of the accounts held in Poland."}],
    "purpose": "Evidence for the trial.",
    "confidentiality": {"required": False, "reason": "Nothing to protect."},
}


def test_the_form_starts_from_the_records_and_the_completed_file_drafts(store: CaseStore, client: TestClient,  # noqa: F811
                                                                      library: Library) -> None:
    fill(store)
    csrf = sign_in(client, "lawyer", "/cases/GB-OP-1")
    form = client.get("/cases/GB-OP-1/requests/new").text
    assert "from the case: its victims' records" in form and "date_from: 2013-05-01" in form
    assert '- {ref: "sus-1", role: "suspect", nationality: "PL"}' in form  # in the order a drafter reads
    assert "Kowalska" not in form and "Nowak" not in form
    text = form.split('id="request-text"')[1].split(">", 1)[1].split("</textarea>")[0]
    started = yaml.safe_load(unescape(text))
    assert started["conduct"]["places"] == ["GB", "PL"] and started["conduct"]["victims"][0] == {
        "nationality": "PL", "minor": False}
    started.update(COMPLETION)
    started["conduct"].update(acts=["recruitment", "transportation"], means=["deception"],
                              purposes=["forced_labour_or_services"])
    page = client.get(drafted(client, csrf, yaml.safe_dump(started))).text
    assert "Request for mutual legal assistance" in page and "Birmingham" in page
    assert "UNTOC, Art. 15(1)(a)" in page  # jurisdiction computed from the places read from the case
