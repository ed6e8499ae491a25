"""The case store on SQLite and PostgreSQL: cases, entities, import, locking, sealing, search, audit, files."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select, text

from palermo.cases import CaseStore
from palermo.cases import tables as t
from palermo.cases.blobs import blob_path
from palermo.cases.identity import Bearer
from palermo.cases.policy import Actor
from palermo.errors import Conflict, InvalidInput, NotAuthenticated, NotFound, NotPermitted, VerificationFailed
from palermo.model import CaseDraft


def count(cs: CaseStore, table: t.Table) -> int:  # type: ignore[name-defined]
    with cs.store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def snapshot(cs: CaseStore) -> dict[str, int]:
    return {name: count(cs, tab) for name, tab in (("case", t.case), ("entity", t.entity), ("party", t.party),
                                                  ("note", t.note), ("attachment", t.attachment))}


def test_migration_is_idempotent_and_at_head(cs: CaseStore) -> None:
    cs.store.upgrade()
    assert cs.store.revision() == "0007"


def test_duplicate_reference_is_refused_and_nothing_changes(cs: CaseStore, world: dict[str, Actor]) -> None:
    before = snapshot(cs)
    with pytest.raises(InvalidInput, match="reference: a case 'GB-1' already exists"):
        cs.cases.create(world["gb_inv"], CaseDraft(reference="GB-1", title="again"))
    assert snapshot(cs) == before


@pytest.mark.parametrize(("entity", "message"), [
    ({"id": "x", "schema": "Spaceship", "properties": {}}, "schema: unknown FtM schema 'Spaceship'"),
    ({"id": "x", "schema": "Thing", "properties": {}}, "schema: Thing is abstract"),
    ({"id": "x", "schema": "Person", "properties": {"colour": ["red"]}}, "properties.colour: Person has no property"),
    ({"id": "x", "schema": "Person", "properties": {"birthDate": ["yesterday"]}}, "'yesterday' is not a valid date"),
    ({"id": "", "schema": "Person", "properties": {}}, "id: must be"),
    ({"id": "x", "schema": "Person", "properties": {"name": [3]}}, "values must be strings"),
    ({"id": "x", "schema": "Person", "colour": "red"}, "colour: not a field"),
])
def test_invalid_ftm_is_refused_and_nothing_changes(cs: CaseStore, world: dict[str, Actor],
                                                    entity: dict[str, object], message: str) -> None:
    before = snapshot(cs)
    with pytest.raises(InvalidInput, match=message):
        cs.entities.add(world["gb_inv"], "GB-1", entity)
    assert snapshot(cs) == before


def test_import_validates_every_line_first_and_names_the_bad_one(cs: CaseStore, world: dict[str, Actor]) -> None:
    good = [json.dumps({"id": f"e{i}", "schema": "Person", "properties": {"name": [f"Person {i}"]}})
            for i in range(5)]
    lines = [*good, "", '{"id": "bad", "schema": "Person", "properties": {"email": ["not-an-email"]}}']
    before = snapshot(cs)
    with pytest.raises(InvalidInput, match=r"upload.jsonl:7: properties.email: 'not-an-email'"):
        cs.transfer.import_entities(world["gb_inv"], "GB-1", lines, source="upload.jsonl")
    assert snapshot(cs) == before
    with pytest.raises(InvalidInput, match=r"x.jsonl:2: not JSON"):
        cs.transfer.import_entities(world["gb_inv"], "GB-1", [good[0], "{oops"], source="x.jsonl")
    assert snapshot(cs) == before


def test_import_merges_fragments_and_existing_entities(cs: CaseStore, world: dict[str, Actor]) -> None:
    lines = [json.dumps({"id": "p1", "schema": "Person", "properties": {"alias": ["Ana I."]}}),
             json.dumps({"id": "c1", "schema": "Company", "properties": {"name": ["Agency SRL"]}}),
             json.dumps({"id": "c1", "schema": "Company", "properties": {"country": ["ro"]}})]
    seen: list[tuple[str, int]] = []
    report = cs.transfer.import_entities(world["gb_inv"], "GB-1", lines, source="f.jsonl",
                                          progress=lambda phase, n: seen.append((phase, n)))
    assert (report.read, report.created, report.merged) == (3, 1, 1)
    assert sum(n for phase, n in seen if phase == "written") == 2
    person = cs.entities.get(world["gb_inv"], "GB-1", "p1")
    assert person.properties["alias"] == ["Ana I."] and person.properties["name"] == ["Ana Ionescu"]
    assert person.version == 2
    company = cs.entities.get(world["gb_inv"], "GB-1", "c1")
    assert company.countries == ["ro"] and company.source == "f.jsonl"
    exported = {e["id"]: e for e in cs.transfer.export_entities(world["gb_inv"], "GB-1")}
    assert exported["c1"]["properties"] == {"name": ["Agency SRL"], "country": ["ro"]}


def test_two_editors_never_silently_overwrite_each_other(cs: CaseStore, world: dict[str, Actor]) -> None:
    ws = cs
    loaded = ws.entities.get(world["gb_inv"], "GB-1", "p1")
    ws.entities.update(world["gb_inv"], "GB-1", "p1", loaded.version, {"name": ["Ana Ionescu"], "alias": ["A"]})
    with pytest.raises(Conflict, match=r"changed by someone else.*now version 2"):
        ws.entities.update(world["gb_analyst"], "GB-1", "p1", loaded.version, {"name": ["Overwritten"]})
    assert ws.entities.get(world["gb_inv"], "GB-1", "p1").properties["alias"] == ["A"]
    case = ws.cases.get(world["gb_inv"], "GB-1")
    ws.cases.update(world["gb_inv"], "GB-1", case.version, {"status": "suspended"})
    with pytest.raises(Conflict):
        ws.cases.update(world["gb_inv"], "GB-1", case.version, {"title": "stale"})
    assert ws.cases.get(world["gb_inv"], "GB-1").title == "Case one"


def test_victim_identity_is_sealed_at_rest_and_revealed_only_with_a_reason(
        cs: CaseStore, world: dict[str, Actor]) -> None:
    ws = cs
    victim = {"id": "v1", "schema": "Person", "properties": {"name": ["Maria Popescu"], "birthDate": ["2006-03-01"]}}
    shown = ws.entities.add(world["gb_inv"], "GB-1", victim, role="victim")
    assert shown.protected and shown.properties == {} and shown.caption.startswith("Protected person ")
    with cs.store.engine.connect() as conn:  # nothing readable in the database, the index or the export
        raw = conn.execute(text("SELECT caption, properties, sealed FROM entity WHERE id = 'v1'")).one()
        assert "Maria" not in str(raw.caption) + str(raw.properties) and b"Maria" not in raw.sealed
        assert "Maria" not in " ".join(r[0] for r in conn.execute(text("SELECT body FROM search_doc")))
    assert not ws.search.find(world["gb_inv"], "Maria")
    assert all("Maria" not in json.dumps(e) for e in ws.transfer.export_entities(world["gb_inv"], "GB-1"))
    with pytest.raises(NotPermitted):
        ws.entities.reveal(world["gb_analyst"], "GB-1", "v1", "curious about her")
    with pytest.raises(InvalidInput, match="reason"):
        ws.entities.reveal(world["gb_vs"], "GB-1", "v1", " ")
    revealed = ws.entities.reveal(world["gb_vs"], "GB-1", "v1", "referral to shelter")
    assert revealed.revealed and revealed.properties["name"] == ["Maria Popescu"]
    trail = ws.audit.read(world["gb_aud"], action="protected_read")
    assert [(r["object"], r["reason"]) for r in trail] == [("v1", "referral to shelter")]


def test_making_someone_a_victim_seals_them_from_then_on(cs: CaseStore, world: dict[str, Actor]) -> None:
    entity = cs.entities.set_role(world["gb_inv"], "GB-1", "p1", "victim")
    assert entity.protected and entity.roles == ["suspect", "victim"] and not cs.search.find(world["gb_inv"], "Ionescu")


def test_search_finds_names_and_notes_only_in_visible_cases(cs: CaseStore, world: dict[str, Actor]) -> None:
    ws = cs
    ws.notes.add(world["gb_inv"], "GB-1", "Recruiter met victims at the bus station in Craiova")
    ws.cases.create(world["ro_inv"], CaseDraft(reference="RO-1", title="Romanian case"))
    ws.entities.add(world["ro_inv"], "RO-1", {"id": "p9", "schema": "Person", "properties": {"name": ["Ana Ionescu"]}})
    hits = ws.search.find(world["gb_inv"], "ionescu")
    assert [(h.case_reference, h.ref) for h in hits] == [("GB-1", "p1")]
    assert [h.kind for h in ws.search.find(world["gb_inv"], "craiov")] == ["note"]
    assert {h.case_reference for h in ws.search.find(world["ro_inv"], "Ana")} == {"RO-1"}
    assert [h.ref for h in ws.search.find(world["gb_inv"], "Ana", role="suspect")] == ["p1"]
    assert ws.search.find(world["gb_inv"], "Ana", role="victim") == []
    assert [h.ref for h in ws.search.find(world["gb_inv"], "Ana", country="ro")] == ["p1"]
    with pytest.raises(InvalidInput):
        ws.search.find(world["gb_inv"], "  ")


def test_other_agency_does_not_see_a_case_until_shared(cs: CaseStore, world: dict[str, Actor]) -> None:
    ws = cs
    with pytest.raises(NotFound):
        ws.cases.get(world["ro_inv"], "GB-1")
    assert ws.cases.list(world["ro_inv"]) == []
    ws.cases.share(world["gb_inv"], "GB-1", agency_id="ro-police", access="read")
    assert ws.cases.get(world["ro_inv"], "GB-1").access == "read"
    with pytest.raises(NotPermitted, match="read-only"):
        ws.notes.add(world["ro_inv"], "GB-1", "a note")
    with pytest.raises(NotPermitted, match="owning agency"):
        ws.cases.share(world["ro_inv"], "GB-1", username="ro_aud")


def test_handling_code_limits_sharing(cs: CaseStore, world: dict[str, Actor]) -> None:
    ws = cs
    ws.cases.create(world["gb_inv"], CaseDraft(reference="GB-2", title="owner only", handling="owner"))
    with pytest.raises(NotPermitted, match="cannot be shared"):
        ws.cases.share(world["gb_inv"], "GB-2", username="ro_inv")
    ws.cases.create(world["gb_inv"], CaseDraft(reference="GB-3", title="named", handling="named"))
    with pytest.raises(NotPermitted, match="named users only"):
        ws.cases.share(world["gb_inv"], "GB-3", agency_id="ro-police")
    ws.cases.share(world["gb_inv"], "GB-3", username="ro_inv", access="write")
    assert ws.cases.get(world["ro_inv"], "GB-3").access == "write"
    with pytest.raises(NotFound):
        ws.cases.get(world["ro_aud"], "GB-3")


def test_audit_trail_is_append_only_and_for_auditors(cs: CaseStore, world: dict[str, Actor]) -> None:
    with pytest.raises(NotPermitted):
        cs.audit.read(world["gb_inv"])
    actions = [r["action"] for r in cs.audit.read(world["gb_aud"])]
    assert "case_create" in actions and "entity_add" in actions
    assert cs.audit.read(world["ro_aud"], action="entity_add") == []
    for statement in ("UPDATE audit_record SET reason = 'x'", "DELETE FROM audit_record"):
        with pytest.raises(Exception, match="append-only"), cs.store.engine.begin() as conn:
            conn.execute(text(statement))
    assert cs.audit.read(world["gb_aud"], action="audit_read")  # reading is itself recorded


def test_attachments_are_content_addressed_and_bad_files_refused(cs: CaseStore, world: dict[str, Actor]) -> None:
    ws = cs
    pdf = b"%PDF-1.7\n% witness statement\n"
    first = ws.attachments.add(world["gb_inv"], "GB-1", "statement.pdf", "application/pdf", pdf)
    again = ws.attachments.add(world["gb_inv"], "GB-1", "copy.pdf", "application/pdf", pdf)
    assert first.sha256 == again.sha256 and blob_path(cs.gate.blobs, first.sha256).read_bytes() == pdf
    _, data = ws.attachments.content(world["gb_inv"], "GB-1", first.id)
    assert data == pdf
    before = snapshot(cs)
    cs.gate.max_upload = 100
    for name, media, body, message in [
        ("big.txt", "text/plain", b"x" * 101, "over the upload limit of 100 bytes"),
        ("run.exe", "application/x-msdownload", b"MZ", "content type 'application/x-msdownload' is not accepted"),
        ("fake.pdf", "application/pdf", b"<html>", "declared application/pdf but its content is not"),
        ("empty.txt", "text/plain", b"", "the file is empty"),
        ("../etc/passwd", "text/plain", b"x", "filename: give a plain file name"),
    ]:
        with pytest.raises(InvalidInput, match=message):
            ws.attachments.add(world["gb_inv"], "GB-1", name, media, body)
    assert snapshot(cs) == before
    blob_path(cs.gate.blobs, first.sha256).write_bytes(b"%PDF tampered")
    with pytest.raises(VerificationFailed, match="no longer matches"):
        ws.attachments.content(world["gb_inv"], "GB-1", first.id)


def test_tokens_expire_revoke_and_are_stored_hashed(cs: CaseStore, world: dict[str, Actor]) -> None:
    token = cs.accounts.issue_token(world["gb_inv"], "laptop", days=1)
    assert cs.accounts.whoami(Bearer("token", token)).username == "gb_inv"
    with cs.store.engine.connect() as conn:
        assert token not in str(conn.execute(select(t.api_token)).all())
    assert cs.accounts.revoke_tokens(world["gb_inv"], "laptop") == 1
    with pytest.raises(NotAuthenticated):
        cs.accounts.whoami(Bearer("token", token))
    other = cs.accounts.issue_token(world["gb_inv"], "ci", days=1)
    with cs.store.engine.begin() as conn:
        conn.execute(text("UPDATE api_token SET expires_at = created_at - interval '1 day'")
                     if cs.store.postgresql else text("UPDATE api_token SET expires_at = '2000-01-01 00:00:00'"))
    with pytest.raises(NotAuthenticated, match="expired"):
        cs.accounts.whoami(Bearer("token", other))
    with pytest.raises(NotAuthenticated, match="wrong username or password"):
        cs.accounts.login("gb_inv", "wrong password!!")
    with pytest.raises(NotAuthenticated, match="wrong username or password"):
        cs.accounts.login("nobody", "correct horse battery")
    cs.accounts.set_active("gb_inv", False)
    with pytest.raises(NotAuthenticated):
        cs.accounts.login("gb_inv", "correct horse battery")


def test_linked_lists_what_refers_to_an_entity(cs: CaseStore, world: dict[str, Actor]) -> None:
    ws = cs
    ws.entities.add(world["gb_inv"], "GB-1", {"id": "phone-1", "schema": "UserAccount",
                                             "properties": {"phone": ["+442079460123"], "service": ["phone"]}})
    ws.entities.add(world["gb_inv"], "GB-1", {"id": "p1x", "schema": "Person", "properties": {"name": ["Decoy"]}})
    link = ws.entities.link(world["gb_inv"], "GB-1", "UnknownLink", "p1", "phone-1", {"role": ["uses phone"]})
    related, captions = ws.entities.linked(world["gb_inv"], "GB-1", "p1")
    assert [e.id for e in related] == [link.id]  # 'p1x' and 'phone-1' do not refer to p1
    assert related[0].label == "Ana Ionescu → +442079460123"
    assert captions["phone-1"] == "+442079460123" and captions["p1"] == "Ana Ionescu"
    assert ws.entities.linked(world["gb_inv"], "GB-1", "phone-1")[0][0].id == link.id
