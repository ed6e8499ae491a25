"""Indicator sets: the packaged YAML loads, says what it was checked against, and a user's folder loads through the
same code with every problem named by file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from palermo.errors import InvalidInput, NotFound
from palermo.protection import load_indicators
from palermo.protection.library import PACKAGED, vocabulary
from palermo.stats.victims import schema as ctdc_schema

ILO_ELEVEN = ["Abuse of vulnerability", "Deception", "Restriction of movement", "Isolation",
              "Physical and sexual violence", "Intimidation and threats", "Retention of identity documents",
              "Withholding of wages", "Debt bondage", "Abusive working and living conditions", "Excessive overtime"]


@pytest.fixture(scope="module")
def library():
    return load_indicators()


def test_the_ilo_forced_labour_set_has_the_eleven_indicators_in_the_booklets_order_all_verified(library):
    s = library.set("ilo_forced_labour_2012")
    assert [i.label for i in s.indicators] == ILO_ELEVEN
    assert s.verified is True and s.rule.kind == "judgement"
    assert all(i.citation.source == "ilo_fl_2012" for i in s.indicators)


def test_the_ilo_ec_lists_match_the_published_counts_and_are_flagged_unverified(library):
    adults = library.set("ilo_ec_2009_adults_labour")
    per_dimension = [sum(1 for i in adults.indicators if i.dimension == d.key) for d in adults.dimensions]
    assert per_dimension == [10, 10, 16, 9, 15, 7]  # the counts a summary of the adults' labour list gives
    children = library.set("ilo_ec_2009_children_labour")
    assert len(children.indicators) == 65
    for s in (adults, children):
        assert s.verified is False
        assert all(i.verified is False for i in s.indicators)
        # the six elements were read on the publication pages, two in other words (tests/protection/test_ilo_ec_text.py)
        assert all(d.citation.verified in (True, "partial") for d in s.dimensions)
        assert s.rule.citation.verified is False and "UNVERIFIED" in (s.note or "")
        assert {i.strength for i in s.indicators} <= {"strong", "medium", "weak"}
    assert not any(i.strength == "weak" for i in children.indicators)


def test_every_indicator_has_a_stable_key_a_question_and_a_citation(library):
    for s in library.sets.values():
        keys = [i.key for i in s.indicators]
        assert len(keys) == len(set(keys))
        for ind in s.indicators:
            assert ind.question.endswith("?") and len(ind.question) < 200
            assert ind.citation.source in library.sources and ind.citation.locator
        assert s.questions() == {i.key: i.question for i in s.indicators}


def test_ctdc_mappings_use_the_statistics_packages_variable_names(library):
    names = {v.name for v in ctdc_schema().variables}
    for s in library.sets.values():
        for ind in s.indicators:
            assert set(ind.ctdc) <= names, (s.id, ind.key)
        assert set(s.ctdc_exploitation) <= names


def test_every_element_key_is_in_the_law_vocabulary(library):
    vocab = vocabulary()
    for s in library.sets.values():
        for ind in s.indicators:
            p = s.points_to(ind)
            assert set(p.acts) <= vocab.keys("acts") and set(p.means) <= vocab.keys("means")
            assert set(p.purposes) <= vocab.keys("purposes")


def test_an_unknown_set_is_named_with_the_closest(library):
    with pytest.raises(NotFound, match="did you mean 'ilo_forced_labour_2012'"):
        library.set("ilo_forced_labour_2011")


def packaged_doc(name: str) -> dict:
    return yaml.safe_load((PACKAGED / name).read_text())


def test_a_users_folder_loads_the_same_way_and_replaces_a_packaged_set_by_id(tmp_path: Path):
    doc = packaged_doc("ilo_forced_labour_2012.yaml")
    doc["sets"][0]["title"] = "Our reviewed copy"
    (tmp_path / "ours.yaml").write_text(yaml.safe_dump(doc))
    library = load_indicators([tmp_path])
    assert library.set("ilo_forced_labour_2012").title == "Our reviewed copy"
    assert library.origins["ilo_forced_labour_2012"].endswith("ours.yaml")
    assert library.origins["ilo_ec_2009_adults_labour"] == "packaged"


def test_every_problem_in_a_users_file_is_named_with_file_line_and_field(tmp_path: Path):
    doc = packaged_doc("ilo_forced_labour_2012.yaml")
    s = doc["sets"][0]
    s["indicators"][1]["points_to"] = {"means": ["decepton"]}
    s["indicators"][2]["citation"]["source"] = "ilo_2012"
    s["indicators"][3]["strenght"] = "strong"
    s["indicators"][4]["key"] = s["indicators"][0]["key"]
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    with pytest.raises(InvalidInput) as err:
        load_indicators([path])
    details = "\n".join(err.value.details)
    assert "did you mean 'strength'" in details
    assert f"{path}:" in err.value.message
    assert "indicators[3].strenght" in details


def test_checks_beyond_the_format_name_line_field_and_the_closest_key(tmp_path: Path):
    doc = packaged_doc("ilo_forced_labour_2012.yaml")
    s = doc["sets"][0]
    s["indicators"][1]["points_to"] = {"means": ["decepton"]}
    s["indicators"][2]["citation"]["source"] = "ilo_2012"
    s["indicators"][4]["key"] = s["indicators"][0]["key"]
    s["indicators"][5]["ctdc"] = ["threats"]
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    with pytest.raises(InvalidInput) as err:
        load_indicators([path])
    details = err.value.details
    assert len(details) == 4
    text = "\n".join(details)
    assert "indicators[1].points_to.means[0]: unknown means key 'decepton' (did you mean 'deception'?)" in text
    assert "indicators[2].citation.source: source 'ilo_2012' is not listed under sources" in text
    assert "indicators[4].key: indicator 'abuse_of_vulnerability' is defined twice" in text
    assert "'threats' is not a CTDC" in text
    line = next(n for n, text in enumerate(yaml.safe_dump(doc, sort_keys=False).splitlines(), start=1)
                if text.strip() == "- decepton")
    assert f"{path}:{line}: sets[0].indicators[1].points_to.means[0]" in text


def test_a_dimensions_rule_must_name_known_dimensions(tmp_path: Path):
    doc = packaged_doc("ilo_ec_operational_2009.yaml")
    doc["sets"] = doc["sets"][:1]
    doc["sets"][0]["rule"]["victim_when"][1] = ["exploitative_conditions"]
    path = tmp_path / "rule.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    with pytest.raises(InvalidInput, match="did you mean 'exploitative_conditions_of_work'"):
        load_indicators([path], packaged=False)
