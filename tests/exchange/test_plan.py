"""The export plan: exactly what the agreement permits leaves — forbidden properties redacted with counts and
reasons, forbidden schemata and roles left out, victims without consent (or who withdrew it) left out, links to
what stays left out, notes, attachments and exhibits as the agreement says — and the preview explains each rule."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from palermo.errors import InvalidInput, NotPermitted
from palermo.exchange import RULES, Agreement, CaseEntity, Preview, plan_export
from palermo.exchange.rules import references

from .helpers import (
    ATTACHMENTS,
    GB,
    IT,
    JIT,
    MLA,
    NOTES,
    NOW,
    RO,
    World,
    consent,
    entities,
    exhibits,
    preview,
    variant,
)

MLA_TEXT = variant({})


def plan(agreement: Agreement, w: World, sender: str = GB, recipient: str = RO, purpose: str = "investigation",
         chosen: list[CaseEntity] | None = None, **options: Any) -> Preview:
    return plan_export(agreement, sender=sender, recipient=recipient, purpose=purpose,
                       entities=entities() if chosen is None else chosen, notes=NOTES, attachments=ATTACHMENTS,
                       exhibits=exhibits(w), consent=consent, today=NOW.date(), **options)


def omitted(p: Preview) -> list[tuple[str, str, str]]:
    return [(o.kind, o.id, o.rule) for o in p.omissions]


def redacted(p: Preview) -> list[tuple[str, str, int, str]]:
    return [(r.entity, r.property, r.values, r.rule) for r in p.redactions]


def shared(p: Preview) -> dict[str, dict[str, list[str]]]:
    return {e.id: e.properties for e in p.entities}


def test_the_mla_preview_is_exactly_what_the_agreement_permits(w: World) -> None:
    p = preview(w)
    assert (p.sender.agency, p.sender.state, p.recipient.agency, p.recipient.state) == (GB, "GB", RO, "RO")
    assert (p.purpose, p.handling.code, p.retention_days, p.today) == (
        "investigation", "evidence/recipient/prior_consent", 730, NOW.date())
    agreement = w.agreements[MLA]
    assert (p.agreement.id, p.agreement.version, p.agreement.sha256) == (MLA, "1.0", agreement.digest)
    assert shared(p) == {
        "p-suspect": {"name": ["Ion Popescu"], "birthDate": ["1979-04-02"], "nationality": ["ro"],
                      "phone": ["+40721000111"]},  # religion: not on the Person allow-list
        "p-victim-yes": {"name": ["Ana M."], "nationality": ["md"]},
        "p-witness": {"name": ["John Smith"], "email": ["js@example.org"]},
        "c-agency": {"name": ["Best Jobs Recruitment SRL"], "country": ["ro"]},  # taxNumber denied
        "a-suspect": {"iban": ["RO49AAAA1B31007593840000"], "bankName": ["Banca Exemplu"]},  # balance not allowed
        "own-1": {"owner": ["p-suspect"], "asset": ["c-agency"]},
        "pay-2": {"payer": ["p-victim-yes"], "beneficiary": ["p-suspect"], "amount": ["300"], "currency": ["EUR"]},
    }
    assert {e.id: e.roles for e in p.entities if e.roles} == {
        "p-suspect": ["suspect"], "p-victim-yes": ["victim"], "p-witness": ["witness"]}
    assert omitted(p) == [
        ("entity", "p-victim-no", "consent_withdrawn"),
        ("entity", "p-victim-never", "consent_not_recorded"),
        ("entity", "fam-1", "schema_not_permitted"),
        ("entity", "car-1", "schema_not_permitted"),
        ("entity", "pay-1", "link_to_omitted"),
        ("note", "1", "notes_not_permitted"), ("note", "2", "notes_not_permitted"),
        ("note", "3", "notes_not_permitted"),
    ]
    assert redacted(p) == [
        ("p-suspect", "religion", 1, "property_not_permitted"),
        ("c-agency", "taxNumber", 1, "property_not_permitted"),
        ("a-suspect", "balance", 1, "property_not_permitted"),
        ("pay-2", "payerAccount", 1, "reference_to_omitted"),
    ]
    reasons = {(o.id, o.rule): o.reason for o in p.omissions}
    assert reasons["p-victim-no", "consent_withdrawn"] == "the consent of this victim to this exchange was withdrawn"
    assert reasons["p-victim-never", "consent_not_recorded"] == (
        "no consent to this exchange is recorded for this victim/suspect (purpose investigation)")
    assert reasons["fam-1", "schema_not_permitted"] == "Family is not among the schemata the agreement permits"
    assert reasons["pay-1", "link_to_omitted"] == "its payer (p-victim-no) does not travel"
    assert [r.reason for r in p.redactions] == [
        "Person.religion is not permitted by the agreement", "Company.taxNumber is not permitted by the agreement",
        "BankAccount.balance is not permitted by the agreement",
        "Payment.payerAccount points at a record that does not travel"]
    assert p.notes == [] and [a.id for a in p.attachments] == ["7"] and [x.id for x in p.exhibits] == ["EX-3"]
    assert p.exhibits[0].custody_size == len(w.custody)
    assert p.warnings == []


def test_the_preview_explains_every_rule_it_applied_in_the_rules_own_words(w: World) -> None:
    p = preview(w)
    explained = p.rules()
    assert list(explained) == ["consent_withdrawn", "consent_not_recorded", "schema_not_permitted", "link_to_omitted",
                               "notes_not_permitted", "property_not_permitted", "reference_to_omitted"]
    for name, text in explained.items():
        assert text == " ".join((RULES[name].fn.__doc__ or "").split()) and len(text) > 40
    assert explained["consent_not_recorded"].startswith("For the purposes the agreement names, a person in a "
                                                         "protected role (a victim) travels only with their recorded")
    # every registered rule has an explanation, and the engine applies each to its own kind of item
    assert {r.target for r in RULES.values()} == {"entity", "link", "property", "reference", "note", "attachment",
                                                  "exhibit"}
    assert all(r.explanation.endswith(".") for r in RULES.values())


def test_a_jit_shares_more_but_asks_consent_only_for_victim_protection(w: World) -> None:
    for_investigation = preview(w, JIT, "RO-DIICOT", GB, "investigation")
    # every schema and property travels; consent is asked only for victim_protection, so the victim who withdrew
    # consent travels, and the sender is warned before approving
    assert omitted(for_investigation) == [] and redacted(for_investigation) == [
        ("pay-2", "payerAccount", 1, "reference_to_omitted")]
    assert [e.id for e in for_investigation.entities] == [e.id for e in entities()]
    assert [n.id for n in for_investigation.notes] == ["1", "2", "3"]
    assert for_investigation.warnings == [
        "entity p-victim-no: consent to this exchange was withdrawn, but agreement jit-ro-gb-it-2026 asks no "
        "consent for purpose investigation, so it travels: check before approving"]
    assert for_investigation.handling.code == "evidence/parties/prior_consent"
    protection = preview(w, JIT, "RO-DIICOT", IT, "victim_protection")
    assert omitted(protection) == [
        ("entity", "p-victim-no", "consent_withdrawn"), ("entity", "p-victim-never", "consent_not_recorded"),
        ("entity", "pay-1", "link_to_omitted"), ("note", "2", "note_about_omitted")]
    assert protection.warnings == []
    assert shared(protection)["p-suspect"]["religion"] == ["orthodox"]  # the JIT lets every Person property travel
    assert [n.id for n in protection.notes] == ["1", "3"] and protection.notes[0].entity == "p-suspect"
    assert protection.notes[0].body == "drives the van" and protection.notes[0].created == "2026-04-01T10:00:00Z"


def test_roles_outside_the_agreement_stay_home_whatever_else_they_are(w: World) -> None:
    suspects_only = variant({"  roles: [suspect, associate, witness, victim]\n": "  roles: [suspect]\n",
                             "consent:\n  roles: [victim]\n": "consent:\n  roles: []\n"})
    p = plan(suspects_only, w)
    assert ("entity", "p-witness", "role_not_permitted") in omitted(p)
    assert ("entity", "p-victim-yes", "role_not_permitted") in omitted(p)
    # a victim who is also a suspect is not let through by the role that is permitted
    assert ("entity", "p-victim-never", "role_not_permitted") in omitted(p)
    assert {o.id: o.reason for o in p.omissions}["p-victim-never"] == "role victim may not travel under the agreement"
    assert [e.id for e in p.entities if e.roles] == ["p-suspect"]
    # the payment of a victim goes with its payer
    assert ("entity", "pay-2", "link_to_omitted") in omitted(p)


def test_allow_lists_deny_lists_and_value_counts(w: World) -> None:
    chosen = [CaseEntity.of({"id": "p-1", "schema": "Person", "properties": {
                  "name": ["A B"], "religion": ["x", "y", "z"], "political": ["p"], "notes": ["n1", "n2"],
                  "ethnicity": [], "email": []}},  # no values: nothing to redact, nothing sent
                  ["suspect"]),
              CaseEntity.of({"id": "c-1", "schema": "Company", "properties": {
                  "name": ["C"], "taxNumber": ["1", "2"], "vatCode": ["V"], "email": ["c@example.org"]}}),
              CaseEntity.of({"id": "pay-1", "schema": "Payment", "properties": {
                  "payer": ["c-1"], "beneficiary": ["p-1"], "payerAccount": ["acc-1", "acc-2"], "amount": ["1"]}}),
              CaseEntity.of({"id": "acc-1", "schema": "BankAccount", "properties": {"iban": ["GB33BUKB20201555555555"]}})]
    p = plan(w.agreements[MLA], w, chosen=chosen)
    assert redacted(p) == [("p-1", "religion", 3, "property_not_permitted"),
                           ("p-1", "political", 1, "property_not_permitted"),
                           ("p-1", "notes", 2, "property_not_permitted"),
                           ("c-1", "taxNumber", 2, "property_not_permitted"),
                           ("c-1", "vatCode", 1, "property_not_permitted"),
                           ("pay-1", "payerAccount", 1, "reference_to_omitted")]
    assert shared(p) == {"p-1": {"name": ["A B"]}, "c-1": {"name": ["C"], "email": ["c@example.org"]},
                         "pay-1": {"payer": ["c-1"], "beneficiary": ["p-1"], "payerAccount": ["acc-1"],
                                   "amount": ["1"]},
                         "acc-1": {"iban": ["GB33BUKB20201555555555"]}}


def test_links_and_notes_about_what_stays_home_stay_with_it(w: World) -> None:
    chosen = [e for e in entities() if e.id != "c-agency"]  # the company is not chosen at all
    p = plan(w.agreements[JIT], w, "RO-DIICOT", GB, chosen=chosen)
    assert ("entity", "own-1", "link_to_omitted") in omitted(p)
    assert {o.id: o.reason for o in p.omissions}["own-1"] == "its asset (c-agency) does not travel"
    not_chosen = plan(w.agreements[JIT], w, "RO-DIICOT", GB, chosen=[e for e in entities() if e.id != "p-suspect"])
    assert ("note", "1", "note_about_omitted") in omitted(not_chosen)
    for link in ("own-1", "pay-1", "pay-2", "fam-1"):
        assert ("entity", link, "link_to_omitted") in omitted(not_chosen)
    # what travels never names what does not: no reference points outside the preview
    for p_ in (p, not_chosen, preview(w)):
        ids = {e.id for e in p_.entities}
        for e in p_.entities:
            for prop in references(e.schema_):
                assert set(e.properties.get(prop, [])) <= ids


def test_notes_attachments_and_exhibits_travel_only_where_the_agreement_says(w: World) -> None:
    closed = variant({"  attachments: true\n  exhibits: true\n": "  attachments: false\n  exhibits: false\n"})
    p = plan(closed, w)
    assert ("attachment", "7", "attachments_not_permitted") in omitted(p)
    assert ("exhibit", "EX-3", "exhibits_not_permitted") in omitted(p)
    assert p.attachments == [] and p.exhibits == []
    assert p.rules()["exhibits_not_permitted"] == ("Exhibits and their chain of custody travel only where the "
                                                   "agreement says so.")
    notes = variant({"  notes: false\n": "  notes: true\n"})
    assert [n.id for n in plan(notes, w).notes] == ["1", "3"]  # note 2 is about the victim who withdrew consent
    assert ("note", "2", "note_about_omitted") in omitted(plan(notes, w))


def test_the_sender_is_refused_an_exchange_the_agreement_does_not_cover(w: World) -> None:
    mla = w.agreements[MLA]
    with pytest.raises(NotPermitted, match=r"^recipient: IT-SCO is not a party to agreement gb-ro-police-mla "
                                           r"\(parties: GB-NCA, RO-IGPR-DCCO\)$"):
        plan(mla, w, recipient=IT)
    with pytest.raises(NotPermitted, match=r"^purpose: 'intelligence' \(a purpose the agreement could name\) is "
                                           r"outside agreement gb-ro-police-mla, which permits investigation, "
                                           r"prosecution$"):
        plan(mla, w, purpose="intelligence")
    with pytest.raises(InvalidInput, match=r"purpose: 'spying' is not a purpose Palermo knows"):
        plan(mla, w, purpose="spying")
    with pytest.raises(NotPermitted, match=r"^valid_until: agreement gb-ro-police-mla expired on 2028-12-31 "
                                           r"\(the day is 2029-01-01\)$"):
        plan_export(mla, sender=GB, recipient=RO, purpose="investigation", entities=entities(), consent=consent,
                    today=date(2029, 1, 1))
    with pytest.raises(NotPermitted, match=r"^valid_from: agreement jit-ro-gb-it-2026 is in force only from "
                                           r"2026-03-01"):
        plan_export(w.agreements[JIT], sender=GB, recipient=IT, purpose="investigation", entities=[],
                    consent=consent, today=date(2026, 2, 28))
    with pytest.raises(NotPermitted, match=r"^recipient: GB-NCA is the sender itself"):
        plan(mla, w, recipient=GB)
    with pytest.raises(NotPermitted) as caught:
        plan_export(mla, sender="DE-BKA", recipient=IT, purpose="intelligence", entities=[], consent=consent,
                    today=date(2030, 1, 1))
    assert caught.value.message.endswith("(and 3 more)")
    assert [d.split(":")[0] for d in caught.value.details or []] == ["purpose", "sender", "recipient", "valid_until"]


def test_a_party_that_may_not_receive_is_refused(w: World) -> None:
    one_way = variant({"    role: requested\n": "    role: requested\n    may_receive: false\n"})
    with pytest.raises(NotPermitted, match=r"^recipient: RO-IGPR-DCCO may not receive under agreement"):
        plan(one_way, w)
    assert plan(one_way, w, sender=RO, recipient=GB).recipient.agency == GB


def test_case_entities_are_checked_when_chosen() -> None:
    with pytest.raises(InvalidInput, match="entity id 'a b' is not an FtM entity id"):
        CaseEntity.of({"id": "a b", "schema": "Person"})
    with pytest.raises(InvalidInput, match="'Thing' is not a concrete FtM schema"):
        CaseEntity.of({"id": "t-1", "schema": "Thing"})
    with pytest.raises(InvalidInput, match="'perpetrator' is not a case role"):
        CaseEntity.of({"id": "p-1", "schema": "Person"}, ["perpetrator"])
    with pytest.raises(InvalidInput, match="properties must be an object"):
        CaseEntity.of({"id": "p-1", "schema": "Person", "properties": ["name"]})


def test_a_preview_stored_as_json_reads_back_the_same(w: World) -> None:
    p = preview(w)
    for text in (p.model_dump_json(), p.model_dump_json(by_alias=True)):
        assert Preview.model_validate_json(text) == p
    assert '"schema":"Person"' in p.model_dump_json()


# --------------------------------------------------------------------------- the plan's promises, on any case

PROPS = {"Person": ["name", "birthDate", "nationality", "religion", "phone"],
         "Company": ["name", "taxNumber", "country"],
         "Payment": ["payer", "beneficiary", "payerAccount", "amount"],
         "Ownership": ["owner", "asset", "percentage"],
         "BankAccount": ["iban", "balance"]}
REFS = {"payer": ("Person", "Company"), "beneficiary": ("Person", "Company"), "payerAccount": ("BankAccount",),
        "owner": ("Person", "Company"), "asset": ("Company",)}
VALUES = {"birthDate": "1980-01-02", "nationality": "ro", "country": "gb", "phone": "+40721000111",
          "amount": "10", "percentage": "50", "iban": "GB33BUKB20201555555555"}


@st.composite
def cases(draw: st.DrawFn) -> tuple[list[CaseEntity], dict[str, bool | None], dict[str, Any]]:
    schemata = draw(st.lists(st.sampled_from(list(PROPS)), min_size=1, max_size=14))
    ids = [f"e-{i}" for i in range(len(schemata))]
    chosen, consents = [], {}
    for entity_id, schema in zip(ids, schemata, strict=True):
        props: dict[str, list[str]] = {}
        for prop in draw(st.lists(st.sampled_from(PROPS[schema]), unique=True)):
            if prop in REFS:
                targets = [i for i, s in zip(ids, schemata, strict=True) if s in REFS[prop] and i != entity_id]
                targets.append("elsewhere")
                props[prop] = draw(st.lists(st.sampled_from(targets), min_size=1, max_size=2, unique=True))
            else:
                props[prop] = [VALUES.get(prop, f"{prop} of {entity_id}")]
        roles = draw(st.lists(st.sampled_from(["suspect", "victim", "witness", "associate"]), unique=True,
                              max_size=2)) if schema == "Person" else []
        chosen.append(CaseEntity.of({"id": entity_id, "schema": schema, "properties": props}, roles))
        consents[entity_id] = draw(st.sampled_from([True, False, None]))
    rules = {"roles": draw(st.lists(st.sampled_from(["suspect", "victim", "witness", "associate"]), unique=True)),
             "schemata": {s: ({"allow": draw(st.lists(st.sampled_from(PROPS[s]), unique=True))}
                              if draw(st.booleans()) else {"deny": draw(st.lists(st.sampled_from(PROPS[s]),
                                                                                 unique=True))})
                          for s in draw(st.lists(st.sampled_from(list(PROPS)), min_size=1, unique=True))},
             "consent": draw(st.booleans())}
    return chosen, consents, rules


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_whatever_the_case_only_what_is_permitted_leaves_and_everything_else_is_accounted_for(
        case: tuple[list[CaseEntity], dict[str, bool | None], dict[str, Any]]) -> None:
    chosen, consents, rules = case
    base = MLA_TEXT
    data = base.data.model_copy(update={
        "roles": rules["roles"],
        "schemata": {k: type(base.data.schemata["Person"]).model_validate(v) for k, v in rules["schemata"].items()}})
    agreement = base.model_copy(update={"data": data, "consent": base.consent.model_copy(update={
        "roles": [r for r in ["victim"] if r in rules["roles"]],
        "purposes": ["investigation"] if rules["consent"] else []})})
    p = plan_export(agreement, sender=GB, recipient=RO, purpose="investigation", entities=chosen,
                    consent=consents.get, today=NOW.date())
    travelled = {e.id: e for e in p.entities}
    left = {o.id for o in p.omissions if o.kind == "entity"}
    # every chosen entity either travels or is left out with a reason, never both
    assert travelled.keys() | left == {e.id for e in chosen} and not travelled.keys() & left
    by_id = {e.id: e for e in chosen}
    for e in p.entities:
        source = by_id[e.id]
        rule = agreement.data.schemata.get(e.schema_)
        assert rule is not None and set(e.roles) <= set(agreement.data.roles)
        assert all(rule.permits(prop) for prop in e.properties)
        for prop in references(e.schema_):
            assert set(e.properties.get(prop, [])) <= travelled.keys()
        if rules["consent"] and "victim" in e.roles:
            assert consents[e.id] is True
        # what travels is the chosen record minus what the redactions account for, value for value
        removed = {r.property: r.values for r in p.redactions if r.entity == e.id}
        for prop, values in source.properties.items():
            assert len(values) - len(e.properties.get(prop, [])) == removed.get(prop, 0)
