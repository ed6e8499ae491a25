"""Victims' records on SQLite and PostgreSQL: identities unreadable at rest, read only by the roles or grants the
policy names (a refusal audited too), rotation of the agency key re-sealing everything, consent checked before every
referral (withdrawal blocks, an administrator's override is audited), referrals updated by both sides."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from palermo.cases import CaseStore
from palermo.cases.policy import Actor
from palermo.errors import InvalidInput, NotFound, NotPermitted
from palermo.model import Identity

from .conftest import user
from .people import NAME, draft, raw_database


def test_identity_is_unreadable_at_rest_and_revealed_only_with_a_reason(cs: CaseStore, world: dict[str, Actor],
                                                                         tmp_path: Path) -> None:
    record = cs.victims.open(world["gb_vs"], draft(case="GB-1"))
    assert record.identity is None and record.pseudonym.startswith("Person ")
    assert record.profile == {"sex": "female", "citizenship": "RO", "birth_year": 2001}
    raw = raw_database(cs, tmp_path)
    for secret in (NAME, "Zoli", "0512345", "712 345"):
        assert secret.encode() not in raw, secret
    with pytest.raises(InvalidInput, match="say why"):
        cs.victims.reveal(world["gb_vs"], record.id, "x")
    shown = cs.victims.reveal(world["gb_vs"], record.pseudonym, "referral to a shelter")
    assert shown.identity is not None and shown.identity.names[0] == NAME
    trail = cs.audit.read(world["gb_aud"], action="victim_reveal")
    assert [r["reason"] for r in trail] == ["referral to a shelter"]


def test_without_the_grant_a_reveal_is_refused_and_audited(cs: CaseStore, world: dict[str, Actor]) -> None:
    record = cs.victims.open(world["gb_vs"], draft())
    with pytest.raises(NotPermitted, match="no one granted it to you"):
        cs.victims.reveal(world["gb_inv"], record.id, "to interview her")
    refused = cs.audit.read(world["gb_aud"], action="victim_reveal_refused")
    assert len(refused) == 1 and refused[0]["username"] == "gb_inv" and refused[0]["reason"] == "to interview her"
    admin = user(cs, "gb_admin", "gb-police", "admin")
    with pytest.raises(NotPermitted):
        cs.victims.grant(world["gb_inv"], record.id, "gb_inv", "self-service")
    cs.victims.grant(admin, record.id, "gb_inv", "prosecutor needs the witness statement", days=1)
    assert cs.victims.reveal(world["gb_inv"], record.id, "to interview her").identity is not None
    with pytest.raises(NotFound):
        cs.victims.get(world["ro_inv"], record.id)  # another agency: the record does not exist for it
    with pytest.raises(NotPermitted):
        cs.victims.get(world["gb_aud"], record.id)


def test_rotating_the_agency_key_reseals_everything_without_loss(cs: CaseStore, world: dict[str, Actor]) -> None:
    record = cs.victims.open(world["gb_vs"], draft())
    cs.entities.add(world["gb_inv"], "GB-1", {"id": "v1", "schema": "Person", "properties": {"name": ["Lena"]}},
                    role="victim")
    with cs.store.engine.connect() as conn:
        before = conn.execute(text("SELECT sealed FROM victim")).scalar_one()
        key_before = conn.execute(text("SELECT wrapped_key FROM agency WHERE id = 'gb-police'")).scalar_one()
    admin = user(cs, "gb_admin", "gb-police", "admin")
    assert cs.victims.rotate_key(admin) == 2
    with cs.store.engine.connect() as conn:
        assert conn.execute(text("SELECT sealed FROM victim")).scalar_one() != before
        assert conn.execute(text("SELECT wrapped_key FROM agency WHERE id = 'gb-police'")).scalar_one() != key_before
    assert cs.victims.reveal(world["gb_vs"], record.id, "after rotation").identity.names[0] == NAME  # type: ignore[union-attr]
    assert cs.entities.reveal(world["gb_vs"], "GB-1", "v1", "after rotation").properties["name"] == ["Lena"]
    assert cs.audit.read(world["gb_aud"], action="data_key_rotate")[0]["detail"]["resealed"] == 2


def test_referrals_need_consent_which_can_be_withdrawn_or_overridden(cs: CaseStore, world: dict[str, Actor]) -> None:
    cs.accounts.add_agency("gb-shelter", "Shelter GB", "GB", "victim_services")
    shelter = user(cs, "shelter_vs", "gb-shelter", "victim_support")
    vs = world["gb_vs"]
    record = cs.victims.open(vs, draft())
    with pytest.raises(NotPermitted, match=r"has not consented to being referred to services .*\(consent: services\)"):
        cs.referrals.send(vs, record.id, "shelter", to_agency="gb-shelter")
    cs.consents.record(vs, record.id, "services", True, informed_in="ro", note="explained with an interpreter")
    sent = cs.referrals.send(vs, record.id, "shelter", to_agency="gb-shelter", due=date.today() - timedelta(days=1))
    assert (sent.status, sent.overdue, sent.to_state) == ("sent", True, "GB")
    with pytest.raises(NotPermitted, match=r"shared abroad to RO \(consent: sharing_abroad\)"):
        cs.referrals.send(vs, record.id, "return", to_name="ANITP Romania", to_state="RO")
    cs.consents.record(vs, record.id, "services", False, informed_in="ro", note="changed her mind")
    with pytest.raises(NotPermitted, match="withdrew consent to being referred to services"):
        cs.referrals.send(vs, record.id, "medical", to_name="Clinic", to_state="GB")
    manager = user(cs, "gb_manager", "gb-police", "admin,victim_support")
    with pytest.raises(NotPermitted):
        cs.referrals.send(vs, record.id, "medical", to_name="Clinic", to_state="GB", override="life at risk")
    cs.referrals.send(manager, record.id, "medical", to_name="Clinic", to_state="GB", override="life at risk, ER")
    assert cs.audit.read(world["gb_aud"], action="consent_override")[0]["reason"] == "life at risk, ER"
    assert [c.given for c in cs.consents.history(vs, record.id)] == [True, False]
    # the service sees the referral by pseudonym and moves it on; the sender withdraws only its own
    received = cs.referrals.list(shelter)
    assert [r.pseudonym for r in received] == [record.pseudonym]
    with pytest.raises(NotPermitted, match="the receiver of a referral marks it accepted"):
        cs.referrals.update(vs, sent.id, "accepted")
    accepted = cs.referrals.update(shelter, sent.id, "accepted", note="bed from Monday")
    done = cs.referrals.update(shelter, sent.id, "completed")
    assert (accepted.status, done.status, done.overdue) == ("accepted", "completed", False)
    assert [h["status"] for h in done.history] == ["sent", "accepted", "completed"]
    with pytest.raises(InvalidInput, match="cannot become withdrawn"):
        cs.referrals.update(vs, sent.id, "withdrawn")
    with pytest.raises(NotFound):
        cs.referrals.update(world["ro_inv"], sent.id, "withdrawn")


def test_records_link_to_a_case_and_amendments_need_the_identity(cs: CaseStore, world: dict[str, Actor]) -> None:
    with pytest.raises(InvalidInput, match="has no entity 'nobody'"):
        cs.victims.open(world["gb_vs"], draft(case="GB-1", entity_id="nobody"))
    record = cs.victims.open(world["gb_vs"], draft(case="GB-1", entity_id="p1"))
    assert record.case_reference == "GB-1"
    amended = cs.victims.amend(world["gb_vs"], record.id, 1, Identity(names=[NAME, "Zoltana V."]))
    assert amended.version == 2
    with pytest.raises(NotPermitted):
        cs.victims.amend(world["gb_inv"], record.id, 2, Identity(names=["someone else"]))
