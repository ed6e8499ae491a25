"""Screenings, rights and the statistics export through the services, on SQLite and PostgreSQL: answers sealed at
rest and checked before they are saved, drafts that survive an interruption, a completed screening final, key
rotation re-sealing screenings, the rights checklist of a person where they are, and the de-identified CTDC export
that a k-anonymous release then runs on (a person who withdrew consent to statistics left out)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from palermo.cases import CaseStore
from palermo.cases.policy import Actor
from palermo.errors import Conflict, InvalidInput, NotFound, NotPermitted
from palermo.services import ReleaseAsk, Services, open_services

from .conftest import user
from .people import draft, raw_database

ADULTS = "ilo_ec_2009_adults_labour"
FORCED = "ilo_forced_labour_2012"


@pytest.fixture
def svc(cs: CaseStore, tmp_path: Path, world: dict[str, Actor]) -> Services:
    return open_services(tmp_path, case_store=cs)


def every(svc: Services, set_id: str, answer: str) -> dict[str, object]:
    return {"answers": {i.key: answer for i in svc.protection.indicators.set(set_id).indicators}, "age": 29,
            "acts": ["recruitment", "transportation"]}


def test_answers_are_sealed_checked_and_saved_as_drafts(svc: Services, world: dict[str, Actor],
                                                         tmp_path: Path) -> None:
    vs = world["gb_vs"]
    record = svc.victims.open(vs, draft())
    started = svc.protection.start(vs, FORCED, "fr", victim=record.pseudonym)
    assert (started.status, started.version, started.victim_id) == ("draft", 1, record.id)
    saved = svc.protection.save(vs, started.id, 1, {"answers": {"retention_of_identity_documents": "yes"}})
    assert saved.version == 2 and saved.answers is None  # lists and saves never carry the answers back
    with pytest.raises(Conflict):
        svc.protection.save(vs, started.id, 1, {"answers": {"debt_bondage": "yes"}})
    with pytest.raises(InvalidInput, match=r"no indicator 'debt_bondge'.*debt_bondage"):
        svc.protection.save(vs, started.id, 2, {"answers": {"debt_bondge": "yes"}})
    opened = svc.protection.screening(vs, started.id)
    assert opened.answers.answers == {"retention_of_identity_documents": "yes"} and opened.result is None
    raw = raw_database(svc.store, tmp_path)
    assert b"retention_of_identity_documents" not in raw
    reads = svc.audit.read(world["gb_aud"], action="screening_read")
    assert [r["username"] for r in reads] == ["gb_vs"]


def test_a_completed_screening_is_final_and_its_recommendation_listed(svc: Services,
                                                                      world: dict[str, Actor]) -> None:
    vs = world["gb_vs"]
    started = svc.protection.start(vs, ADULTS, "en")
    view = svc.protection.complete(vs, started.id, 1, every(svc, ADULTS, "yes"))
    assert view.result is not None and view.result.recommendation == "refer"
    assert view.result.elements["act"].keys[:1] == ["recruitment"]
    with pytest.raises(InvalidInput, match="completed and is final"):
        svc.protection.save(vs, started.id, view.screening.version, {"answers": {}})
    none = svc.protection.start(vs, ADULTS, "en")
    svc.protection.complete(vs, none.id, 1, every(svc, ADULTS, "no"))
    listed = {s.id: s.recommendation for s in svc.protection.screenings(vs)}
    assert listed == {started.id: "refer", none.id: "none"}
    conduct = svc.protection.conduct(vs, started.id)
    assert conduct.acts and "recruitment" in conduct.acts


def test_screenings_belong_to_their_agency_and_need_the_roles(svc: Services, world: dict[str, Actor]) -> None:
    started = svc.protection.start(world["gb_vs"], FORCED, "en")
    with pytest.raises(NotFound):
        svc.protection.screening(world["ro_inv"], started.id)
    with pytest.raises(NotPermitted):
        svc.protection.screening(world["gb_analyst"], started.id)
    with pytest.raises(NotPermitted):
        svc.protection.save(world["gb_analyst"], started.id, 1, {"answers": {}})
    record = svc.victims.open(world["gb_vs"], draft())
    attached = svc.protection.attach_screening(world["gb_vs"], started.id, record.pseudonym)
    assert attached.pseudonym == record.pseudonym


def test_key_rotation_reseals_screenings(svc: Services, world: dict[str, Actor]) -> None:
    started = svc.protection.start(world["gb_vs"], FORCED, "en")
    svc.protection.save(world["gb_vs"], started.id, 1, {"answers": {"debt_bondage": "yes"}})
    admin = user(svc.store, "gb_admin", "gb-police", "admin")
    assert svc.victims.rotate_key(admin) == 1
    assert svc.protection.screening(world["gb_vs"], started.id).answers.answers == {"debt_bondage": "yes"}


def test_rights_where_the_person_is_with_deadlines_and_gaps(svc: Services, world: dict[str, Actor]) -> None:
    vs = world["gb_vs"]
    record = svc.victims.open(vs, draft())
    checklist = svc.protection.rights(vs, record.id, today=date.today())
    kinds = {r.kind: r for r in checklist.items}
    assert checklist.counted_from == "record" and checklist.identified_on == date.today()
    assert {"reflection_period", "residence_permit", "compensation"} <= set(kinds)
    assert all(kinds[k].citations for k in ("reflection_period", "residence_permit", "compensation"))
    period = kinds["reflection_period"].deadline
    assert period is not None and period.ends > date.today() and period.passed is False
    screened = svc.protection.start(vs, ADULTS, "en", victim=record.id)
    svc.protection.complete(vs, screened.id, 1, every(svc, ADULTS, "yes"))
    assert svc.protection.rights(vs, record.id).counted_from == "screening"
    decided = date.today() - timedelta(days=40)
    svc.victims.identify(vs, record.id, decided)
    counted = svc.protection.rights(vs, record.id)
    assert (counted.counted_from, counted.identified_on) == ("decision", decided)
    ends = next(r.deadline for r in counted.items if r.kind == "reflection_period")
    assert ends is not None and ends.ends == decided + timedelta(days=30) and ends.passed is True  # GB: 30 days
    with pytest.raises(InvalidInput, match="in the future"):
        svc.victims.identify(vs, record.id, date.today() + timedelta(days=1))
    nowhere = svc.victims.open(vs, draft(jurisdiction="IS"))
    assert svc.protection.rights(vs, nowhere.id).items == []


def test_ctdc_export_feeds_a_k_anonymous_release(svc: Services, world: dict[str, Actor], tmp_path: Path) -> None:
    vs = world["gb_vs"]
    for n in range(7):
        record = svc.victims.open(vs, draft(sex="female" if n % 2 else "male"))
        screened = svc.protection.start(vs, ADULTS, "ro", victim=record.id)
        svc.protection.complete(vs, screened.id, 1, every(svc, ADULTS, "yes" if n < 5 else "no"))
        if n == 6:
            svc.consents.record(vs, record.id, "statistics", False, informed_in="ro")
    with pytest.raises(NotPermitted):
        svc.protection.export_ctdc(world["gb_analyst"], "screened")
    dataset = svc.protection.export_ctdc(vs, "screened")
    assert dataset.rows == 6  # the person who withdrew consent to statistics is left out
    assert {"gender", "citizenship", "isForcedLabour", "majorityStatus", "ageBroad"} <= set(dataset.columns)
    with svc.stats.store() as store:
        rows = store.values("screened", list(dataset.columns))
    text = repr(rows)
    for identifying in ("Zoltana", "0512345", "2001-04-02", "Person "):
        assert identifying not in text
    release = svc.stats.release(world["gb_analyst"], "screened", ReleaseAsk(by=["gender"], k=2))
    assert {c.key: c.count for c in release.cells} == {("Female",): 3, ("Male",): 3}
    exported = svc.audit.read(world["gb_aud"], action="screening_export")
    assert exported[0]["detail"]["left_out_without_consent"] == 1
