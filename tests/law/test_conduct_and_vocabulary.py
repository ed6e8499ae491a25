"""The conduct format's additions (a minor of unknown age, means and purposes per victim, attempt and preparation,
established circumstances) and the vocabulary on the command line, in the API and on a page."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from palermo.law import assess, dual_criminality
from palermo.model import Conduct
from palermo.settings import Settings
from palermo.web import create_app

from ..test_cli import run


def conduct(**kw: object) -> Conduct:
    base: dict[str, object] = {"acts": ["recruitment"], "purposes": ["prostitution_of_others"]}
    return Conduct.model_validate({**base, **kw})


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(Settings()))


def test_a_minor_of_unknown_age_needs_no_means_where_children_need_none(library):
    minor = conduct(means=[], victims=[{"minor": True}])
    assert assess(minor, "palermo_protocol", library).verdict == "yes"
    assert assess(minor, "US", library).verdict == "yes"  # §1591: under 18
    means = next(f for f in assess(minor, "palermo_protocol", library).findings if f.element.startswith("means"))
    assert means.element == "means (victim 1, a minor, age unknown)" and "exact age unknown" in means.explanation
    unknown = conduct(means=[], victims=[{}])
    assert assess(unknown, "palermo_protocol", library).verdict == "undetermined"
    adult = conduct(means=[], victims=[{"minor": False}])
    assert assess(adult, "palermo_protocol", library).verdict == "no"
    # Germany's child rule reaches 21: 'not a minor' does not settle it
    assert assess(adult, "DE", library).verdict == "undetermined"


def test_minor_contradicting_age_is_refused():
    result_bad = run_conduct("acts: [recruitment]\nvictims:\n  - {age: 30, minor: true}\n")
    assert result_bad.returncode == 2 and "minor: true contradicts age 30" in result_bad.stderr


def run_conduct(text: str):  # type: ignore[no-untyped-def]
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "c.yaml"
        path.write_text(text)
        return run("law", "assess", str(path))


def test_means_and_purposes_per_victim(library):
    facts = conduct(means=None, purposes=None, victims=[
        {"age": 30, "means": [], "purposes": ["forced_labour_or_services"]},
        {"age": 25, "means": ["deception"], "purposes": ["prostitution_of_others"]}])
    result = assess(facts, "palermo_protocol", library)
    assert result.verdict == "yes"
    statuses = {f.element: f.status for f in result.findings}
    assert statuses["means (victim 1, age 30)"] == "not_met" and statuses["means (victim 2, age 25)"] == "met"
    assert statuses["purpose of exploitation (victim 1, age 30)"] == "met"
    us = assess(facts, "US", library)  # victim 2: deception is no means of §1591; victim 1: no means for §1590
    assert us.verdict == "no"


def test_attempt_and_preparation(library):
    attempt = conduct(means=["deception"], victims=[{"age": 30}], stage="attempt")
    protocol = assess(attempt, "palermo_protocol", library)
    assert protocol.verdict == "yes" and "an attempt of" in protocol.explanation
    step = next(f for f in protocol.findings if f.element == "attempt")
    assert step.citations[0].article == "5(2)(a)"
    de = assess(attempt, "DE", library)
    assert de.verdict == "yes" and any("§232(4)" in c.article for f in de.findings for c in f.citations)
    preparation = attempt.model_copy(update={"stage": "preparation"})
    assert assess(preparation, "palermo_protocol", library).verdict == "no"
    nl = assess(preparation, "NL", library)
    assert nl.verdict == "yes" and any("Sr art. 46" in c.article for f in nl.findings for c in f.citations)
    assert assess(preparation, "DE", library).verdict == "undetermined"  # no preparation liability recorded
    dual = dual_criminality(preparation, "NL", "TH", library, threshold_years=7)
    nl_state = next(s for s in dual.states if s.state == "NL")
    assert "maximum halved" in nl_state.penalty.explanation  # type: ignore[union-attr]
    assert nl_state.penalty.max_years == 6  # type: ignore[union-attr]  # 12 years halved (Sr art. 46)
    assert nl_state.penalty_ok is False


def test_established_circumstances_select_penalty_tiers(library):
    plain = conduct(means=["deception"], victims=[{"age": 30}])
    organised = plain.model_copy(update={"circumstances": ["criminal_organisation_or_group"]})
    assert dual_criminality(plain, "FR", "DE", library, threshold_years=15).outcome == "not_met"
    fr = next(s for s in dual_criminality(organised, "FR", "DE", library, threshold_years=15).states
              if s.state == "FR")
    assert fr.penalty_ok is True and "225-4-3" in fr.max_penalty


def test_unknown_circumstance_key_is_refused(tmp_path):
    result = run_conduct("acts: [recruitment]\ncircumstances: [criminal_organisation]\n")
    assert result.returncode == 2
    assert "unknown aggravating circumstance key 'criminal_organisation' (did you mean " \
           "'criminal_organisation_or_group'?)" in result.stderr


def test_vocabulary_command():
    result = run("law", "vocabulary", "--json")
    assert result.returncode == 0
    terms = json.loads(result.stdout)
    by = {(t["kind"], t["key"]): t for t in terms}
    assert by[("act", "recruitment")]["protocol"] is True
    assert by[("act", "obtaining")]["protocol"] is False and "US" in by[("act", "obtaining")]["used_by"]
    assert by[("means", "abuse_of_legal_process")]["used_by"] == ["US"]
    assert {t["kind"] for t in terms} == {"act", "means", "purpose of exploitation", "basis of jurisdiction",
                                          "aggravating circumstance"}
    table = run("law", "vocabulary", "means")
    assert "threat_or_use_of_force" in table.stdout and "recruitment" not in table.stdout
    wrong = run("law", "vocabulary", "mean")
    assert wrong.returncode == 2 and "did you mean 'means'?" in wrong.stderr


def test_vocabulary_api_and_page(client):
    terms = client.get("/api/law/vocabulary/terms", params={"kind": "purposes"}).json()
    assert {t["kind"] for t in terms} == {"purpose of exploitation"}
    assert any(t["key"] == "organ_removal" and t["protocol"] for t in terms)
    bad = client.get("/api/law/vocabulary/terms", params={"kind": "purpose"})
    assert bad.status_code == 422 and "did you mean 'purposes'?" in bad.json()["detail"]
    page = client.get("/law/vocabulary")
    assert page.status_code == 200 and "<code>abuse_of_legal_process</code>" in page.text
    assert 'href="/law/jurisdictions/US">US</a>' in page.text
    assert "/law/vocabulary" in client.get("/").text


def test_conduct_form_takes_a_minor_and_a_stage(client):
    form = {"against": ["palermo_protocol"], "acts": ["recruitment"], "purposes": ["slavery"], "victim_minor": "yes",
            "stage": "attempt", "means_known": "yes"}
    r = client.post("/law/assess", data=form)
    assert r.status_code == 200 and 'data-verdict="yes"' in r.text and "an attempt of" in r.text


def test_pages_show_offences_tiers_and_linked_states(client):
    us = client.get("/law/jurisdictions/US").text
    assert 'id="offence-sex_trafficking"' in us and 'id="offence-labour_trafficking"' in us
    assert "10 years to life" in us and "Terms the law covers under other words" in us
    form = {"against": ["US"], "acts": ["recruitment"], "means": ["fraud"], "purposes": ["forced_labour_or_services"],
            "victim_age": "30", "offender_nationality": "NG", "offender_present_in": "GR", "places": "GR"}
    r = client.post("/law/assess", data=form).text
    assert 'data-verdict="no"' in r and "18 U.S.C. §1590: means" in r
    assert "linked, but no basis in its profile" in r and "Art. 15(4)" in r
    dual = client.post("/law/dual-criminality", data={**form, "requesting": "US", "requested": "NG",
                                                      "threshold_years": "4", "means": ["fraud"],
                                                      "purposes": ["prostitution_of_others"]}).text
    assert "at least 2 years (no maximum stated)" in dual


def test_api_and_form_list_every_problem(client):
    r = client.post("/api/law/assess", json={"conduct": {"acts": ["recruting"], "means": ["fraude"],
                                                         "victims": [{"age": 300}]}})
    assert r.status_code == 422
    problem = r.json()
    assert len(problem["errors"]) == 3 and "and 2 more problems" in problem["detail"]
    assert any("did you mean 'fraud'?" in e for e in problem["errors"])
    page = client.post("/law/assess", data={"acts": ["recruitment"], "victim_age": "200", "victim_minor": "yes"})
    assert page.status_code == 422 and "victims[0].age" in page.text and "contradicts" not in page.text
