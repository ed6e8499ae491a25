"""Exchange between two installations through their case stores: the preview gives exactly what the agreement
permits (with reasons), approval and sealing, import at the recipient into a foreign-origin case with the handling
code on every record, onward sharing refused, replays and changed previews refused with nothing written, retention
deleting what was received."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from palermo.cases import tables as t
from palermo.errors import Conflict, InvalidInput, NotPermitted, VerificationFailed

from .helpers import GB, MLA, RO
from .installations import operation, pair


def cases_held(cs) -> int:  # type: ignore[no-untyped-def]
    with cs.store.transaction() as conn:
        return int(conn.execute(select(func.count()).select_from(t.case)).scalar_one())


@pytest.fixture
def two(tmp_path: Path, database_url: str | None):  # type: ignore[no-untyped-def]
    gb, ro = pair(tmp_path, database_url)
    operation(gb)
    yield gb, ro
    gb.cs.dispose()
    ro.cs.dispose()


def test_the_preview_gives_exactly_what_the_agreement_permits(two) -> None:  # type: ignore[no-untyped-def]
    gb, _ = two
    entry = gb.cs.outbox.preview(gb.investigator, "GB-OP-1", agreement=MLA, recipient=RO, purpose="investigation")
    assert entry.status == "previewed" and entry.recipient_state == "RO"
    assert sorted(e.id for e in entry.entities) == ["c-agency", "p-suspect", "p-victim-yes"]
    withheld = {w.id: w.rule for w in entry.withheld}
    assert withheld["car-1"] == "schema_not_permitted"
    assert withheld["p-victim-no"] == "consent_withdrawn"
    assert {w.kind for w in entry.withheld} >= {"note"}  # the agreement lets no notes travel
    removed = {(r.entity, r.property) for r in entry.removed}
    assert ("p-suspect", "religion") in removed and ("c-agency", "taxNumber") in removed
    assert entry.attachments == ["statement.pdf"]
    # the protected victim is shown to the sender by pseudonym, never by name
    shown = {e.id: e.label for e in entry.entities}
    assert shown["p-victim-yes"].startswith("Protected person")
    assert all(r in entry.rules for r in set(withheld.values()))


def test_what_arrives_is_what_was_approved_marked_with_its_origin(two) -> None:  # type: ignore[no-untyped-def]
    gb, ro = two
    entry = gb.cs.outbox.preview(gb.investigator, "GB-OP-1", agreement=MLA, recipient=RO, purpose="investigation",
                                 reference="GB/MLA/2026/17")
    with pytest.raises(Conflict, match="approve its preview first"):
        gb.cs.outbox.seal(gb.investigator, entry.id)
    gb.cs.outbox.approve(gb.investigator, entry.id)
    sealed, bundle = gb.cs.outbox.seal(gb.investigator, entry.id)
    assert sealed.status == "sealed" and sealed.bundle_size == len(bundle)

    got = ro.cs.inbox.receive(ro.investigator, bundle)
    assert (got.sender, got.agreement, got.purpose) == (GB, MLA, "investigation")
    assert got.handling == "evidence/recipient/prior_consent" and got.counts["entities"] == 3
    case = ro.cs.cases.get(ro.investigator, got.case_reference or "")
    assert case.owner_agency == RO and case.handling == "owner"
    page = ro.cs.entities.page(ro.investigator, case.reference)
    assert sorted(e.id for e in page.items) == ["c-agency", "p-suspect", "p-victim-yes"]
    by_id = {e.id: e for e in page.items}
    assert "religion" not in by_id["p-suspect"].properties and "taxNumber" not in by_id["c-agency"].properties
    assert by_id["p-victim-yes"].protected  # sealed under the recipient's key, as its own victims are
    with ro.cs.store.transaction() as conn:
        origins = set(conn.execute(select(t.entity.c.origin, t.entity.c.origin_handling)
                                   .where(t.entity.c.case_id == case.id)).all())
        files = conn.execute(select(t.attachment.c.filename, t.attachment.c.origin)
                             .where(t.attachment.c.case_id == case.id)).all()
    assert origins == {(GB, "evidence/recipient/prior_consent")}
    assert [(f.filename, f.origin) for f in files] == [("statement.pdf", GB), ("custody-JD-1.zip", GB)]
    # the exhibit's custody record travelled and verifies against the sender's key the recipient trusts
    assert [(c["label"], c["verified"]) for c in got.custody] == [("JD/1", True)]

    # back to the agency it came from it may go; to anyone else the handling code decides
    back = ro.cs.outbox.preview(ro.investigator, case.reference, agreement=MLA, recipient=GB,
                                purpose="investigation")
    assert sorted(e.id for e in back.entities) == ["c-agency", "p-suspect"]  # the victim: no consent recorded here
    assert not any(w.rule == "onward_transfer" for w in back.withheld)

    # the handling code keeps it with the recipient: no onward sharing, not even within Romania
    ro.cs.accounts.add_agency("RO-DIICOT", "DIICOT", "RO", "prosecution")
    ro.cs.cases.update(ro.investigator, case.reference, case.version, {"handling": "agencies"})
    with pytest.raises(NotPermitted, match="prior consent"):
        ro.cs.cases.share(ro.investigator, case.reference, agency_id="RO-DIICOT")
    # ... until the sender's prior consent to that transfer is recorded (UNTOC Art. 18(19))
    with pytest.raises(InvalidInput, match="reference"):
        ro.cs.inbox.consent_onward(ro.investigator, case.reference, "RO-DIICOT", "")
    ro.cs.inbox.consent_onward(ro.investigator, case.reference, "RO-DIICOT", "NCA letter 2026/311")
    ro.cs.cases.share(ro.investigator, case.reference, agency_id="RO-DIICOT")

    # the same bundle again is a replay: refused, nothing written
    before = cases_held(ro.cs)
    with pytest.raises(VerificationFailed, match=r"(?i)replay|seen"):
        ro.cs.inbox.receive(ro.investigator, bundle)
    assert cases_held(ro.cs) == before
    refused = ro.cs.audit.read(_auditor(ro), action="bundle_refused")
    assert len(refused) == 1


def _auditor(inst):  # type: ignore[no-untyped-def]
    name = f"{inst.agency.lower()}-aud"
    inst.cs.accounts.add_user(name, inst.agency, "auditor", password="correct horse battery")
    return inst.cs.accounts.actor(name)


def test_nothing_leaves_without_a_preview_that_lets_something_travel(two) -> None:  # type: ignore[no-untyped-def]
    gb, _ = two
    entry = gb.cs.outbox.preview(gb.investigator, "GB-OP-1", agreement=MLA, recipient=RO, purpose="investigation",
                                 entities=["car-1", "p-victim-no"], include=())
    assert entry.counts["entities"] == 0 and entry.counts["attachments"] == 0 and {w.rule for w in entry.withheld} >= {"schema_not_permitted"}
    with pytest.raises(InvalidInput, match="nothing would leave"):
        gb.cs.outbox.approve(gb.investigator, entry.id)
    with pytest.raises(InvalidInput, match="no entity 'nobody'"):
        gb.cs.outbox.preview(gb.investigator, "GB-OP-1", agreement=MLA, recipient=RO, purpose="investigation",
                             entities=["nobody"])
    with pytest.raises(NotPermitted, match="purpose"):
        gb.cs.outbox.preview(gb.investigator, "GB-OP-1", agreement=MLA, recipient=RO, purpose="intelligence")


def test_a_preview_the_case_no_longer_gives_is_not_sealed(two) -> None:  # type: ignore[no-untyped-def]
    gb, _ = two
    entry = gb.cs.outbox.preview(gb.investigator, "GB-OP-1", agreement=MLA, recipient=RO, purpose="investigation")
    gb.cs.outbox.approve(gb.investigator, entry.id)
    with gb.cs.store.transaction(gb.investigator) as conn:
        victim = conn.execute(select(t.victim.c.id).where(t.victim.c.entity_id == "p-victim-yes")).scalar_one()
    gb.cs.consents.record(gb.investigator, victim, "sharing_abroad", False, informed_in="en")
    with pytest.raises(Conflict, match="changed since the preview"):
        gb.cs.outbox.seal(gb.investigator, entry.id)


def test_retention_deletes_what_was_received(two) -> None:  # type: ignore[no-untyped-def]
    gb, ro = two
    entry = gb.cs.outbox.preview(gb.investigator, "GB-OP-1", agreement=MLA, recipient=RO, purpose="prosecution")
    gb.cs.outbox.approve(gb.investigator, entry.id)
    _, bundle = gb.cs.outbox.seal(gb.investigator, entry.id)
    got = ro.cs.inbox.receive(ro.investigator, bundle)
    assert ro.cs.inbox.expire(ro.investigator) == []  # 730 days to go
    later = datetime.now(UTC) + timedelta(days=731)
    assert ro.cs.inbox.expire(ro.investigator, at=later) == [got.case_reference]
    assert ro.cs.entities.page(ro.investigator, got.case_reference or "").items == []
    assert ro.cs.inbox.get(ro.investigator, got.id).status == "deleted"
    assert [r["object"] for r in ro.cs.audit.read(_auditor(ro), action="retention_delete")] == [got.id]


def test_after_a_key_rotation_the_partner_seals_to_the_new_card(two) -> None:  # type: ignore[no-untyped-def]
    gb, ro = two
    old = gb.cs.outbox.preview(gb.investigator, "GB-OP-1", agreement=MLA, recipient=RO, purpose="investigation")
    gb.cs.outbox.approve(gb.investigator, old.id)
    _, sealed_before = gb.cs.outbox.seal(gb.investigator, old.id)
    fresh = ro.cs.directory.rotate(ro.admin)
    assert ro.cs.inbox.receive(ro.investigator, sealed_before).sender == GB  # sealed before: still opens

    stale = gb.cs.outbox.preview(gb.investigator, "GB-OP-1", agreement=MLA, recipient=RO, purpose="prosecution")
    gb.cs.outbox.approve(gb.investigator, stale.id)
    _, to_old_key = gb.cs.outbox.seal(gb.investigator, stale.id)  # GB still holds the old card
    with pytest.raises(VerificationFailed, match="encryption key"):
        ro.cs.inbox.receive(ro.investigator, to_old_key)

    gb.cs.directory.add_partners(gb.admin, ro.card(), "ro-card-2.json")
    again = gb.cs.outbox.preview(gb.investigator, "GB-OP-1", agreement=MLA, recipient=RO, purpose="prosecution")
    gb.cs.outbox.approve(gb.investigator, again.id)
    _, bundle = gb.cs.outbox.seal(gb.investigator, again.id)
    got = ro.cs.inbox.receive(ro.investigator, bundle)
    assert got.sender == GB
    assert fresh.key in {p.encryption_key(datetime.now(UTC)).key for p in gb.cs.directory.partners(gb.investigator)}
