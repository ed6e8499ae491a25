"""Screening: the cases written apart from the code, the dimension rule clause by clause, the property that more
indicators never lower a recommendation, saved answers, CTDC values and the conduct for the law engine."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from palermo.errors import InvalidInput
from palermo.law import assess
from palermo.protection import (
    Answers,
    conduct_from_screening,
    load_indicators,
    outranks,
    read_answers,
    screen,
)
from palermo.protection.screening import RANK
from palermo.stats.victims import schema as ctdc_schema

LIBRARY = load_indicators()
CASES = yaml.safe_load((Path(__file__).parent / "cases.yaml").read_text())["cases"]


def answers_for(case: dict[str, Any]) -> Answers:
    given_answers = {k: "yes" for k in case.get("answered_yes", [])} | {k: "no" for k in case.get("answered_no", [])}
    return Answers(indicator_set=case["set"], answers=given_answers, age=case.get("age"), minor=case.get("minor"),
                   acts=case.get("acts"))


@pytest.mark.parametrize("case", CASES, ids=[c["name"][:60] for c in CASES])
def test_cases_written_apart_from_the_code(case):
    result = screen(answers_for(case), LIBRARY.set(case["set"]))
    expect = case["expect"]
    assert result.recommendation == expect["recommendation"], result.reasons
    present = {d.key for d in result.dimensions if d.present}
    assert set(expect.get("present", [])) <= present
    assert not set(expect.get("absent", [])) & present
    for element, key in (("act", "acts"), ("means", "means"), ("purpose", "purposes")):
        if key in expect:
            assert set(result.elements[element].keys) == set(expect[key]), element
    for name, value in expect.get("ctdc", {}).items():
        assert result.ctdc.get(name) == value, name
    if "reason" in expect:
        assert any(expect["reason"] in r for r in result.reasons), result.reasons


def one_set(set_id: str, **answers: str) -> Any:
    return screen(Answers(indicator_set=set_id, answers=answers, minor=False), LIBRARY.set(set_id))


@pytest.mark.parametrize(("answers", "present"), [
    ({"violence_at_destination": "yes", "isolation_at_destination": "yes"}, True),            # 2 strong
    ({"violence_at_destination": "yes", "threat_to_inform_family_at_destination": "yes"}, True),  # 1 strong 1 weak
    ({"forced_to_lie": "yes", "forced_tasks_or_clients": "yes", "withholding_of_wages": "yes"}, True),  # 3 medium
    ({"forced_to_lie": "yes", "withholding_of_wages": "yes",
      "threat_to_inform_family_at_destination": "yes"}, True),                                 # 2 medium 1 weak
    ({"violence_at_destination": "yes"}, False),                                              # 1 strong alone
    ({"forced_to_lie": "yes", "withholding_of_wages": "yes"}, False),                          # 2 medium
    ({"violence_at_destination": "no", "isolation_at_destination": "unknown"}, False),
])
def test_a_dimension_is_present_exactly_when_a_clause_of_the_rule_is_met(answers, present):
    result = one_set("ilo_ec_2009_adults_labour", **answers)
    (dim,) = [d for d in result.dimensions if d.key == "coercion_at_destination"]
    assert dim.present is present
    if any(v == "yes" for v in answers.values()):
        assert ("is present" if present else "is not established") in dim.explanation


def test_the_reasons_name_indicators_dimensions_and_the_rule_and_never_a_score():
    case = next(c for c in CASES if c["expect"]["recommendation"] == "refer")
    result = screen(answers_for(case), LIBRARY.set(case["set"]))
    text = " ".join(result.reasons)
    assert "Deceived about the nature of the job, location or employer" in text
    assert "Coercion at destination is present" in text and "at least 2 strong" in text
    assert "combination rule [UNVERIFIED] is met" in text
    assert "national referral mechanism" in text and "not a legal finding" in text
    assert result.unverified and "Unverified:" in result.reasons[-1]
    assert "score" not in json.dumps(result.model_dump(mode="json")).lower()


def test_the_ilo_forced_labour_set_never_refers_on_its_own():
    s = LIBRARY.set("ilo_forced_labour_2012")
    everything = screen(Answers(indicator_set=s.id, answers={i.key: "yes" for i in s.indicators}), s)
    assert everything.recommendation == "interview" and everything.rule_met is None
    assert screen(Answers(indicator_set=s.id), s).recommendation == "none"


def test_the_child_element_follows_the_age():
    s = LIBRARY.set("ilo_forced_labour_2012")
    assert screen(Answers(indicator_set=s.id), s).elements["child"].status == "unknown"
    assert screen(Answers(indicator_set=s.id, age=16), s).elements["child"].status == "indicated"
    assert screen(Answers(indicator_set=s.id, minor=False), s).elements["child"].status == "not_indicated"


answer_values = st.sampled_from(["yes", "no", "unknown", None])


@st.composite
def screenings(draw: st.DrawFn) -> tuple[Answers, str]:
    set_id = draw(st.sampled_from(sorted(LIBRARY.sets)))
    s = LIBRARY.set(set_id)
    values = draw(st.lists(answer_values, min_size=len(s.indicators), max_size=len(s.indicators)))
    given_answers = {i.key: v for i, v in zip(s.indicators, values, strict=True) if v is not None}
    age = draw(st.one_of(st.none(), st.integers(min_value=0, max_value=90)))
    acts = draw(st.one_of(st.none(), st.lists(st.sampled_from(["recruitment", "transportation", "harbouring"]),
                                              unique=True, max_size=2)))
    target = draw(st.sampled_from([i.key for i in s.indicators if i.strength in ("strong", None)]))
    return Answers(indicator_set=set_id, answers=given_answers, age=age, acts=acts), target


@settings(max_examples=300, deadline=None)
@given(screenings())
def test_adding_a_strong_indicator_never_lowers_the_recommendation(drawn):
    answers, key = drawn
    s = LIBRARY.set(answers.indicator_set)
    before = screen(answers, s)
    after = screen(answers.model_copy(update={"answers": {**answers.answers, key: "yes"}}), s)
    assert outranks(after.recommendation, before.recommendation), (key, before.reasons, after.reasons)
    assert RANK[after.recommendation] >= RANK[before.recommendation]


@settings(max_examples=200, deadline=None)
@given(screenings())
def test_results_keep_to_what_the_answers_say(drawn):
    answers, _ = drawn
    s = LIBRARY.set(answers.indicator_set)
    result = screen(answers, s)
    yes = [i for i in s.indicators if answers.answers.get(i.key) == "yes"]
    assert (result.recommendation == "none") == (not yes)
    pointed = {k for i in yes for k in s.points_to(i).means}
    assert set(result.elements["means"].keys) == pointed
    names = {v.name for v in ctdc_schema().variables}
    assert set(result.ctdc) <= names
    assert all(v in ("0", "1") for k, v in result.ctdc.items() if k not in ("majorityStatus", "ageBroad"))
    conduct = conduct_from_screening(result)
    assert conduct.means == (sorted(pointed, key=result.elements["means"].keys.index) or None)
    allowed_purposes = {k for i in yes for k in s.points_to(i).purposes} | (set(s.purposes) if result.rule_met
                                                                          else set())
    assert set(conduct.purposes or []) == allowed_purposes
    assert conduct.victims[0].age == answers.age


def test_saved_answers_round_trip_as_json_and_partial_answers_are_valid():
    s = LIBRARY.set("ilo_ec_2009_children_labour")
    saved = Answers(indicator_set=s.id, answers={"deceived_education": "yes", "hazardous_work": "unknown"}, age=12)
    again = read_answers(json.loads(saved.model_dump_json()), s)
    assert again == saved
    assert screen(again, s).unanswered[:2] == [i.key for i in s.indicators if i.key != "deceived_education"][:2]


def test_answers_to_unknown_indicators_or_acts_are_refused_with_the_closest_key():
    s = LIBRARY.set("ilo_forced_labour_2012")
    with pytest.raises(InvalidInput) as err:
        read_answers({"indicator_set": s.id, "answers": {"debt_bondag": "yes", "isolaton": "no"}}, s)
    assert "did you mean 'debt_bondage'" in err.value.message and len(err.value.details) == 2
    with pytest.raises(InvalidInput, match="did you mean 'recruitment'"):
        read_answers({"indicator_set": s.id, "acts": ["recruting"]}, s)
    with pytest.raises(InvalidInput, match="not 'ilo_forced_labour_2012'"):
        read_answers({"indicator_set": "ilo_ec_2009_adults_labour"}, s)
    with pytest.raises(InvalidInput, match="contradicts age"):
        read_answers({"indicator_set": s.id, "age": 30, "minor": True})
    with pytest.raises(InvalidInput, match="answers"):
        read_answers({"indicator_set": s.id, "answers": {"debt_bondage": "maybe"}})


def test_the_conduct_leaves_unknowns_unknown_and_the_law_engine_reads_it(library):
    s = LIBRARY.set("ilo_ec_2009_adults_labour")
    nothing = conduct_from_screening(screen(Answers(indicator_set=s.id), s))
    assert nothing.acts is None and nothing.means is None and nothing.purposes is None
    assert nothing.victims[0].age is None and nothing.victims[0].minor is None
    case = next(c for c in CASES if c["expect"]["recommendation"] == "refer" and c["set"] == s.id)
    conduct = conduct_from_screening(screen(answers_for(case), s))
    assert assess(conduct, "palermo_protocol", library).verdict == "yes"
    assert assess(nothing, "palermo_protocol", library).verdict == "undetermined"
