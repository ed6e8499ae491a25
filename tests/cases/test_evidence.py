"""The evidence register on SQLite and PostgreSQL: exhibits and their chains of custody, the rules of each act,
append-only storage, concurrent appenders that never fork the log, and signatures by the acting agency."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from palermo.cases import CaseStore, open_case_store
from palermo.cases.blobs import blob_path
from palermo.cases.policy import Actor
from palermo.custody.bundle import verify_bundle
from palermo.custody.canonical import canonical
from palermo.custody.keys import TrustStore
from palermo.custody.merkle import root
from palermo.custody.records import SignedEvent, SignedHead
from palermo.custody.verify import verify_extension
from palermo.errors import InvalidInput, NotFound, NotPermitted
from palermo.model import CaseDraft, CustodyAct, ExhibitDraft

CET = timezone(timedelta(hours=1))


def seized(label: str = "JD/1", **changes: object) -> ExhibitDraft:
    data: dict[str, object] = {
        "label": label, "description": "Mobile phone, black", "kind": "physical", "legal_basis": "Warrant 2019/123",
        "seized_in": "GB", "seized_at": datetime(2019, 3, 1, 6, 5, tzinfo=UTC), "place": "12 High St, Walsall",
        "holder": "DC J. Doe", "seal": "S-0001"}
    data.update(changes)
    return ExhibitDraft.model_validate(data)


def act(kind: str, **details: str) -> CustodyAct:
    return CustodyAct(kind=kind, occurred=datetime(2019, 3, 2, 9, 0, tzinfo=CET), place="Evidence store, Birmingham",
                      purpose="chain of custody", details=details)  # type: ignore[arg-type]


def log_rows(cs: CaseStore) -> tuple[list[SignedEvent], list[SignedHead]]:
    with cs.store.engine.connect() as conn:
        events = [SignedEvent.from_leaf(r[0].encode()) for r in conn.execute(
            text("SELECT signed FROM custody_event ORDER BY seq"))]
        heads = [SignedHead.from_bytes(r[0].encode()) for r in conn.execute(
            text("SELECT head FROM custody_head ORDER BY size"))]
    return events, heads


def test_a_chain_of_custody_from_seizure_to_return(cs: CaseStore, world: dict[str, Actor]) -> None:
    inv = world["gb_inv"]
    exhibit = cs.evidence.register(inv, "GB-1", seized())
    assert (exhibit.status, exhibit.holder, exhibit.seal, exhibit.events) == ("held", "DC J. Doe", "S-0001", 1)
    cs.evidence.act(inv, "GB-1", "JD/1", act("unseal", seals="S-0001", note="to photograph it"))
    cs.evidence.act(world["gb_analyst"], "GB-1", "JD/1", act("examination", method="photographed"))
    cs.evidence.act(inv, "GB-1", "JD/1", act("seal", seals="S-0002, S-0003"))
    cs.evidence.act(inv, "GB-1", "JD/1", act("transfer", to_holder="Evidence store B", note="signed for"))
    cs.evidence.act(inv, "GB-1", "JD/1", act("return", to_holder="the owner"))
    found, chain = cs.evidence.exhibit(inv, "GB-1", "JD/1")
    assert [e.kind for e in chain] == ["seizure", "unseal", "examination", "seal", "transfer", "return"]
    assert (found.status, found.holder) == ("returned", "the owner")
    assert chain[2].actor["user"] == "gb_analyst" and chain[4].details["from_holder"] == "DC J. Doe"
    assert chain[4].details["to_agency"] == "gb-police" and chain[3].details["seals"] == ["S-0002", "S-0003"]
    with pytest.raises(InvalidInput, match="chain of custody is closed"):
        cs.evidence.act(inv, "GB-1", "JD/1", act("examination"))
    events, heads = log_rows(cs)
    assert [e.event.seq for e in events] == list(range(6)) and [h.head.size for h in heads] == list(range(1, 7))
    assert heads[-1].head.root == root([e.leaf_hash for e in events]).hex()
    assert all(e.event.prev is not None for e in events[1:]) and events[0].event.prev is None


@pytest.mark.parametrize(("kind", "details", "message"), [
    ("transfer", {}, "details.to_holder: a transfer records to holder"),
    ("seal", {"seals": "S-9"}, "already under seal S-0001"),
    ("unseal", {"seals": "S-9"}, "the record says seal S-0001, not S-9"),
    ("share_abroad", {"recipient_agency": "pl-police", "recipient_state": "PL"}, "details.legal_basis"),
    ("share_abroad", {"recipient_agency": "Policja KGP", "recipient_state": "PL", "legal_basis": "MLA 7"},
     "details: "),
    ("destruction", {}, "details.legal_basis"),
    ("seizure", {}, "register the exhibit instead"),
])
def test_acts_that_do_not_fit_are_refused_and_nothing_is_signed(cs: CaseStore, world: dict[str, Actor], kind: str,
                                                                details: dict[str, str], message: str) -> None:
    cs.evidence.register(world["gb_inv"], "GB-1", seized())
    before = log_rows(cs)
    with pytest.raises(InvalidInput, match=message):
        cs.evidence.act(world["gb_inv"], "GB-1", "JD/1", act(kind, **details))
    assert log_rows(cs) == before


def test_registration_is_checked_first(cs: CaseStore, world: dict[str, Actor]) -> None:
    with pytest.raises(ValueError, match="time zone"):
        seized(seized_at=datetime(2019, 3, 1, 6, 5))
    with pytest.raises(ValueError, match="needs its file"):
        seized(kind="digital", seal=None)
    cs.evidence.register(world["gb_inv"], "GB-1", seized())
    with pytest.raises(InvalidInput, match="already has an exhibit 'JD/1'"):
        cs.evidence.register(world["gb_inv"], "GB-1", seized())
    with pytest.raises(InvalidInput, match="has no attachment 99"):
        cs.evidence.register(world["gb_inv"], "GB-1", seized("JD/2", kind="digital", seal=None, attachment_id=99))
    with pytest.raises(InvalidInput, match="after it was recorded"):
        cs.evidence.register(world["gb_inv"], "GB-1", seized("JD/3", seized_at=datetime.now(UTC) + timedelta(1)))
    assert len(log_rows(cs)[0]) == 1


def test_digital_exhibit_and_its_derivative_copy(cs: CaseStore, world: dict[str, Actor]) -> None:
    inv = world["gb_inv"]
    phone = cs.attachments.add(inv, "GB-1", "phone.txt", "text/plain", b"extraction report")
    image = cs.attachments.add(inv, "GB-1", "image.txt", "text/plain", b"forensic image")
    original = cs.evidence.register(inv, "GB-1", seized("JD/4", kind="digital", seal=None,
                                                         attachment_id=phone.id))
    assert original.sha256 == phone.sha256
    copy = cs.evidence.derive(inv, "GB-1", "JD/4", seized("JD/4/1", kind="digital", seal=None,
                                                          attachment_id=image.id), act("derivative", method="dd"))
    assert copy.parent_id == original.id and copy.sha256 == image.sha256
    _, chain = cs.evidence.exhibit(inv, "GB-1", "JD/4")
    assert chain[-1].kind == "derivative" and chain[-1].details["derived_sha256"] == image.sha256
    events, _ = log_rows(cs)
    assert events[0].event.exhibit_sha256 == phone.sha256


def test_permissions_and_circle(cs: CaseStore, world: dict[str, Actor]) -> None:
    cs.evidence.register(world["gb_inv"], "GB-1", seized())
    with pytest.raises(NotPermitted):
        cs.evidence.register(world["gb_vs"], "GB-1", seized("X/1"))
    with pytest.raises(NotFound):
        cs.evidence.exhibits(world["ro_inv"], "GB-1")
    with pytest.raises(NotFound, match="no exhibit 'nope'"):
        cs.evidence.exhibit(world["gb_inv"], "GB-1", "nope")
    assert [x.label for x in cs.evidence.exhibits(world["gb_vs"], "GB-1")] == ["JD/1"]


def test_the_log_is_append_only_in_the_database(cs: CaseStore, world: dict[str, Actor]) -> None:
    cs.evidence.register(world["gb_inv"], "GB-1", seized())
    for statement in ("UPDATE custody_event SET kind = 'return'", "DELETE FROM custody_event",
                      "DELETE FROM custody_head"):
        with pytest.raises(DBAPIError, match="append-only"), cs.store.engine.begin() as conn:
            conn.execute(text(statement))


def test_each_agency_signs_with_its_own_key_and_rotation_keeps_old_signatures(cs: CaseStore,
                                                                              world: dict[str, Actor]) -> None:
    cs.cases.share(world["gb_inv"], "GB-1", agency_id="ro-police", access="write")
    cs.evidence.register(world["gb_inv"], "GB-1", seized())
    first = cs.signing.published(world["gb_inv"])
    cs.evidence.act(world["ro_inv"], "GB-1", "JD/1", act("examination", method="read by the partner"))
    cs.accounts.add_user("gb_admin", "gb-police", "admin", password="correct horse battery")
    new = cs.signing.rotate(cs.accounts.actor("gb_admin"))
    cs.evidence.act(world["gb_inv"], "GB-1", "JD/1", act("examination", method="second look"))
    events, _ = log_rows(cs)
    ro_key = cs.signing.published(world["ro_inv"])[0].key
    assert [e.event.key for e in events] == [first[0].key, ro_key, new.key]
    keys = {k.key: k for k in cs.signing.published(world["gb_inv"])}
    assert keys[first[0].key].valid_until is not None and keys[new.key].valid_until is None
    for signed in events:
        record = keys.get(signed.event.key) or cs.signing.published(world["ro_inv"])[0]
        assert record.verify(signed.signature_bytes, signed.event.signing_input())
    with pytest.raises(NotPermitted):
        cs.signing.rotate(world["gb_inv"])


@pytest.mark.parametrize("appenders", [6])
def test_concurrent_appenders_never_fork_the_log(cs: CaseStore, world: dict[str, Actor], appenders: int) -> None:
    inv = world["gb_inv"]
    for n in range(appenders):
        cs.evidence.register(inv, "GB-1", seized(f"C/{n}", seal=None))
    acknowledged: list[int] = []
    errors: list[Exception] = []

    def work(n: int) -> None:
        try:
            for _ in range(8):
                entry = cs.evidence.act(inv, "GB-1", f"C/{n}", act("examination", method=f"appender {n}"))
                acknowledged.append(entry.seq)
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(appenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    events, heads = log_rows(cs)
    assert len(acknowledged) == appenders * 8 and len(set(acknowledged)) == len(acknowledged)
    assert [e.event.seq for e in events] == list(range(appenders * 9))
    assert set(acknowledged) <= {e.event.seq for e in events}
    assert [h.head.size for h in heads] == list(range(1, appenders * 9 + 1))
    for head in heads:  # every head is the root over exactly the events before it: one history, no fork
        assert head.head.root == root([e.leaf_hash for e in events[:head.head.size]]).hex()


def test_verification_names_what_was_tampered_with(cs: CaseStore, world: dict[str, Actor]) -> None:
    inv = world["gb_inv"]
    phone = cs.attachments.add(inv, "GB-1", "phone.txt", "text/plain", b"extraction report")
    cs.evidence.register(inv, "GB-1", seized("JD/5", kind="digital", seal=None, attachment_id=phone.id))
    cs.evidence.act(inv, "GB-1", "JD/5", act("examination", method="hash checked"))
    assert cs.evidence.verify(inv, "GB-1").ok
    blob_path(cs.gate.blobs, phone.sha256).write_bytes(b"extraction report, edited")
    report = cs.evidence.verify(inv, "GB-1")
    assert not report.ok and any(p.seq == 0 or "file" in p.where for p in report.problems), report.problems
    if not cs.store.postgresql:  # someone with the database file bypasses the application and its triggers
        blob_path(cs.gate.blobs, phone.sha256).write_bytes(b"extraction report")
        with cs.store.engine.begin() as conn:
            conn.execute(text("DROP TRIGGER custody_event_no_update"))
            conn.execute(text("UPDATE custody_event SET signed = replace(signed, 'hash checked', 'hash skipped') "
                              "WHERE seq = 1"))
        report = cs.evidence.verify(inv, "GB-1")
        assert not report.ok and {p.seq for p in report.problems if p.seq is not None} == {1}, report.problems


def test_a_custody_record_verifies_on_another_installation(tmp_path: Path, database_url: str | None) -> None:
    from tests.cases.conftest import FAST_HASHER

    installations = {}
    for name in ("a", "b"):
        store = open_case_store(tmp_path / name, url=database_url if name == "a" else None, hasher=FAST_HASHER)
        store.accounts.add_agency(f"{name}-police", f"Police {name.upper()}", "GB" if name == "a" else "PL",
                                  "police")
        store.accounts.add_user(f"{name}_inv", f"{name}-police", "investigator,admin", password="x" * 12)
        installations[name] = (store, store.accounts.actor(f"{name}_inv"))
    (a, alice), (b, bob) = installations["a"], installations["b"]
    a.cases.create(alice, CaseDraft(reference="A-1", title="case of A"))
    photo = a.attachments.add(alice, "A-1", "photo.txt", "text/plain", b"photograph of the phone")
    a.evidence.register(alice, "A-1", seized("JD/1"))
    a.evidence.register(alice, "A-1", seized("JD/2", kind="digital", seal=None, attachment_id=photo.id))
    a.evidence.act(alice, "A-1", "JD/1", act("share_abroad", recipient_agency="b-police", recipient_state="PL",
                                             legal_basis="MLA request 2019/77"))
    bundle = tmp_path / "custody.zip"
    bundle.write_bytes(a.evidence.export(alice, "A-1", "JD/2"))
    b.signing.trust(bob, TrustStore(a.signing.published(alice)).to_json(), "A's keys, read out by phone")
    trust = TrustStore(b.signing.trusted(bob))
    assert verify_bundle(bundle, trust).ok
    assert not verify_bundle(bundle, TrustStore(b.signing.published(bob))).ok  # B's own key signed nothing here
    data = bundle.read_bytes()
    for position in range(0, len(data), max(1, len(data) // 64)):
        changed = bytearray(data)
        changed[position] ^= 0x01
        bundle.write_bytes(bytes(changed))
        assert not verify_bundle(bundle, trust).ok, f"a change of byte {position} went unnoticed"
    for store in (a, b):
        store.store.dispose()


def test_a_published_checkpoint_detects_a_rewrite_or_a_deleted_tail(cs: CaseStore, world: dict[str, Actor]) -> None:
    inv = world["gb_inv"]
    cs.evidence.register(inv, "GB-1", seized())
    cs.evidence.act(inv, "GB-1", "JD/1", act("examination", method="first"))
    published = canonical(cs.evidence.heads(inv, "GB-1")[-1])  # handed to a partner
    cs.evidence.act(inv, "GB-1", "JD/1", act("examination", method="second"))
    latest, proof, report = cs.evidence.extension(inv, "GB-1", published)
    assert report.ok and SignedHead.from_bytes(latest).head.size == 3
    assert verify_extension(published, latest, proof, TrustStore(cs.signing.published(inv))).ok
    if cs.store.postgresql:
        return
    with cs.store.engine.begin() as conn:  # someone with the database file deletes the log's tail and re-signs
        for table, verb in (("custody_event", "delete"), ("custody_head", "delete")):
            conn.execute(text(f"DROP TRIGGER {table}_no_{verb}"))
        conn.execute(text("DELETE FROM custody_event"))
        conn.execute(text("DELETE FROM custody_head"))
        conn.execute(text("DELETE FROM custody_log"))
    cs.evidence.register(inv, "GB-1", seized("JD/9"))  # a new history, freshly signed with the right key
    _, _, report = cs.evidence.extension(inv, "GB-1", published)
    assert not report.ok, "a log rewritten after the checkpoint passed as its extension"
    cs.evidence.act(inv, "GB-1", "JD/9", act("examination", method="grown past the checkpoint's size"))
    cs.evidence.act(inv, "GB-1", "JD/9", act("examination", method="again"))
    _, _, report = cs.evidence.extension(inv, "GB-1", published)
    assert not report.ok and any(p.check == "consistency" for p in report.problems), report.problems


def test_many_acts_in_order_all_or_none_under_one_head(cs: CaseStore, world: dict[str, Actor]) -> None:
    inv = world["gb_inv"]
    for label in ("B/1", "B/2"):
        cs.evidence.register(inv, "GB-1", seized(label, seal=None))
    before = log_rows(cs)
    with pytest.raises(InvalidInput, match=r"acts\[2\] \(B/1\): .*chain of custody is closed"):
        cs.evidence.acts(inv, "GB-1", [("B/1", act("examination")), ("B/1", act("return", to_holder="owner")),
                                       ("B/1", act("examination"))])
    assert log_rows(cs) == before
    entries = cs.evidence.acts(inv, "GB-1", [("B/1", act("seal", seals="S-7")), ("B/2", act("examination")),
                                             ("B/1", act("unseal", seals="S-7")),
                                             ("B/2", act("transfer", to_holder="Lab", to_agency="gb-lab"))])
    assert [e.seq for e in entries] == [2, 3, 4, 5]
    _, heads = log_rows(cs)
    assert [h.head.size for h in heads] == [1, 2, 6]  # one head for the batch
    assert cs.evidence.verify(inv, "GB-1").ok
    b2, _ = cs.evidence.exhibit(inv, "GB-1", "B/2")
    b1, _ = cs.evidence.exhibit(inv, "GB-1", "B/1")
    assert (b2.holder, b1.seal) == ("Lab", None)
