"""The rights checklist: reflection period, permit and compensation with citations for packaged jurisdictions,
'not in the profile' where the data is missing, the instruments' obligations labelled as such, and deadlines."""

from __future__ import annotations

from datetime import date

import pytest
import yaml

from palermo.law import load_library
from palermo.law.library import PACKAGED
from palermo.protection import deadlines, period_end, rights
from palermo.protection.rights import NOT_IN_PROFILE, add_months

FIVE = ["GB-EAW", "DE", "FR", "NL", "SE"]


def by_kind(checklist):
    return {r.kind: r for r in checklist}


@pytest.mark.parametrize("jurisdiction", FIVE)
def test_reflection_period_permit_and_compensation_come_with_citations(library, jurisdiction):
    checklist = by_kind(rights(library.profile(jurisdiction), library))
    for kind in ("reflection_period", "residence_permit", "compensation"):
        right = checklist[kind]
        assert right.status == "recorded", (jurisdiction, kind)
        assert right.citations and all(c.source == jurisdiction for c in right.citations)
        assert any(ch.isdigit() for ch in right.citations[0].article), right.citations[0].article
        assert right.summary and right.summary != NOT_IN_PROFILE
        assert right.verified == right.citations[0].verified


def test_every_packaged_profile_gives_the_eight_rights(library):
    for profile in library.profiles.values():
        checklist = rights(profile, library, start=date(2027, 1, 1))
        assert [r.kind for r in checklist] == ["identification", "reflection_period", "residence_permit",
                                               "compensation", "non_punishment", "information", "legal_aid",
                                               "assistance"]
        for r in checklist:
            if r.status == "not_in_profile":
                assert r.label == NOT_IN_PROFILE and r.verified is False and not r.citations


def test_missing_data_says_not_in_the_profile_and_what_the_instruments_oblige(library):
    italy = by_kind(rights(library.profile("IT"), library))
    for kind in ("information", "legal_aid", "assistance"):
        assert italy[kind].status == "not_in_profile"
        assert italy[kind].summary.startswith("not in the profile. What the instruments oblige (not national law)")
    assistance = italy["assistance"]
    assert [o.citation.article for o in assistance.obligations] == ["12", "6(3)"]
    assert all("obligation, not national law" in o.label for o in assistance.obligations)
    assert "Italy is a party" in assistance.obligations[0].label
    nigeria = by_kind(rights(library.profile("NG"), library))
    assert nigeria["reflection_period"].status == "not_in_profile"
    assert nigeria["reflection_period"].obligations[0].citation.reference == "Warsaw Convention, Art. 13"


def test_recorded_rights_keep_their_verification(library):
    gb = by_kind(rights(library.profile("GB-EAW"), library))
    assert gb["assistance"].verified is True and gb["assistance"].citations[0].label == \
        "MSA 2015 s.50A (inserted by NABA 2022 s.64)"
    assert gb["legal_aid"].citations[0].label == "LASPO 2012 Sch. 1 Pt 1 para 32(1) [partly verified]"
    assert gb["reflection_period"].citations[0].flag == "UNVERIFIED"
    fr = by_kind(rights(library.profile("FR"), library))
    assert fr["information"].verified is True and "thirty-day reflection period" in fr["information"].summary
    de = by_kind(rights(library.profile("DE"), library))
    assert de["information"].citations[0].flag == "UNVERIFIED"
    us = by_kind(rights(library.profile("US"), library))
    assert us["non_punishment"].status == "none_found"
    assert us["reflection_period"].summary.startswith("length not in the profile")
    assert us["reflection_period"].deadline is None


def test_period_ends_counted_from_the_start_date():
    assert period_end(date(2026, 12, 31), days=30) == date(2027, 1, 30)
    assert period_end(date(2026, 10, 2), days=90) == date(2026, 12, 31)
    assert period_end(date(2026, 11, 30), months=3) == date(2027, 2, 28)
    assert period_end(date(2027, 11, 30), months=3) == date(2028, 2, 29)
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert period_end(date(2026, 10, 31), days=90, months=3) == date(2027, 1, 31)  # the law's months win
    with pytest.raises(ValueError, match="days or months"):
        period_end(date(2026, 1, 1))


def test_the_reflection_deadline_in_words_before_and_after_it_passes(library):
    start = date(2026, 12, 31)
    gb = by_kind(rights(library.profile("GB-EAW"), library, start=start, today=date(2027, 1, 10)))
    d = gb["reflection_period"].deadline
    assert d is not None and d.ends == date(2027, 1, 30) and d.days_left == 20 and d.passed is False
    assert d.text.startswith("reflection period ends no earlier than 2027-01-30")
    assert "a positive reasonable-grounds decision" in d.text
    de = by_kind(rights(library.profile("DE"), library, start=date(2026, 11, 30), today=date(2027, 3, 1)))
    assert de["reflection_period"].deadline.ends == date(2027, 2, 28)
    assert de["reflection_period"].deadline.passed is True and "it has passed" in de["reflection_period"].deadline.text
    nl = by_kind(rights(library.profile("NL"), library, start=start))
    assert nl["reflection_period"].deadline.text.startswith("reflection period ends no later than 2027-03-31")
    assert nl["reflection_period"].deadline.passed is None
    fr = by_kind(rights(library.profile("FR"), library, start=start))
    assert fr["reflection_period"].deadline.text.startswith("reflection period ends on 2027-01-30")
    no_start = by_kind(rights(library.profile("FR"), library))
    assert no_start["reflection_period"].deadline is None
    assert "Give the start date" in " ".join(no_start["reflection_period"].notes)
    soonest = deadlines([*rights(library.profile("DE"), library, start=start),
                         *rights(library.profile("GB-EAW"), library, start=start)])
    assert [d.ends for d in soonest] == [date(2027, 1, 30), date(2027, 3, 31)]


def test_a_child_gets_the_childrens_obligations(library):
    adult = by_kind(rights(library.profile("DE"), library, age=30))
    child = by_kind(rights(library.profile("DE"), library, age=15))
    assert "For a child" not in adult["identification"].obligations[0].text
    assert "For a child" in child["identification"].obligations[0].text
    assert len(child["assistance"].obligations) == len(adult["assistance"].obligations) + 1
    assert any("best interests" in n for n in child["residence_permit"].notes)


def test_a_users_profile_without_the_new_fields_still_loads_and_says_not_in_the_profile(tmp_path):
    doc = yaml.safe_load((PACKAGED / "jurisdictions" / "NL.yaml").read_text())
    doc["id"], doc["name"] = "XX", "Testland"
    doc["victim_protection"] = {"reflection_period": {"verified": False},
                                "residence_permit": {"exists": None, "verified": False},
                                "compensation": {"verified": False}}
    (tmp_path / "XX.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True))
    library = load_library([tmp_path])
    checklist = by_kind(rights(library.profile("XX"), library))
    for kind in ("identification", "reflection_period", "residence_permit", "compensation", "information",
                 "legal_aid", "assistance"):
        assert checklist[kind].label == NOT_IN_PROFILE, kind
