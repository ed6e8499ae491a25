"""Each defect of issue 11, reproduced as the issue gives it, with the answer the law gives."""

from __future__ import annotations

import pytest
import yaml
from fastapi.testclient import TestClient

from palermo.law import assess, dual_criminality, gaps, jurisdiction, load_library
from palermo.law.compare import summarise_penalties
from palermo.law.library import PACKAGED
from palermo.model import Conduct
from palermo.settings import Settings
from palermo.web import create_app

from ..test_cli import run


def conduct(**kw: object) -> Conduct:
    return Conduct.model_validate(kw)


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(Settings()))


# --------------------------------------------------------------------------- penalties


def test_nigeria_minimum_is_not_a_maximum_us_to_ng_at_four_years(client):
    body = {"conduct": {"acts": ["recruitment"], "means": ["fraud"], "purposes": ["prostitution_of_others"],
                        "victims": [{"age": 22}]}, "requesting": "US", "requested": "NG", "threshold_years": 4}
    r = client.post("/api/law/dual-criminality", json=body)
    assert r.status_code == 200
    result = r.json()
    assert result["outcome"] == "undetermined"  # was 'not_met': the 2-year minimum was read as the maximum
    ng = next(s for s in result["states"] if s["state"] == "NG")
    assert ng["assessment"]["verdict"] == "yes" and ng["penalty_ok"] is None
    assert "at least 2 years (no maximum stated)" in ng["max_penalty"]
    assert "maximum penalty 2 years" not in result["explanation"]
    assert "whether that reaches 4 years is not stated" in result["explanation"]
    us = next(s for s in result["states"] if s["state"] == "US")
    assert us["offences"] == ["18 U.S.C. §1591"] and us["penalty_ok"] is True  # by fraud: §1591(b)(1)


def test_nigeria_penalty_shown_as_written_everywhere(client, library):
    profile = library.profile("NG")
    (tier,) = profile.offence("trafficking").penalties
    assert (tier.min_years, tier.max_years, tier.life) == (2, None, False)
    assert summarise_penalties(profile).basic_max_years is None
    serious = next(r for r in gaps(profile, library, ["untoc"]).results if r.check == "serious_crime")
    assert serious.status == "unknown" and "minimum and no maximum" in serious.message
    page = client.get("/law/jurisdictions/NG").text
    assert "at least 2 years (no maximum stated)" in page
    shown = run("law", "show", "NG")
    assert "at least 2 years (no maximum stated)" in shown.stdout


def test_minor_sex_trafficking_uses_the_sex_trafficking_penalty(library):
    facts = conduct(acts=["recruitment"], means=[], purposes=["prostitution_of_others"], victims=[{"age": 16}])
    result = dual_criminality(facts, "GB-EAW", "US", library, threshold_years=25)
    us = next(s for s in result.states if s.state == "US")
    assert us.offences == ["18 U.S.C. §1591"]
    assert "§1591(b)(2)" in us.max_penalty and "life" in us.max_penalty and "20 years" not in us.max_penalty
    assert us.penalty_ok is True and result.outcome == "met"


# --------------------------------------------------------------------------- elements per offence


def test_us_adult_fraud_forced_labour_is_not_trafficking(library):
    facts = conduct(acts=["recruitment"], means=["fraud"], purposes=["forced_labour_or_services"],
                    victims=[{"age": 30}])
    result = assess(facts, "US", library)
    assert result.verdict == "no"  # was 'yes' citing "§1591; §1590"
    by = {o.offence: o for o in result.offences}
    assert by["sex_trafficking"].verdict == "no" and by["labour_trafficking"].verdict == "no"
    failing = {(f.offence, f.element) for f in result.findings if f.status == "not_met"}
    assert failing == {("18 U.S.C. §1591", "purpose of exploitation"),
                       ("18 U.S.C. §1590", "means (victim 1, age 30)")}
    assert "18 U.S.C. §1591: purpose of exploitation not met" in result.explanation
    assert "18 U.S.C. §1590: means" in result.explanation


def test_us_child_labour_no_says_the_child_rule_is_for_sex_trafficking_only(library):
    facts = conduct(acts=["recruitment"], means=[], purposes=["forced_labour_or_services"], victims=[{"age": 15}])
    result = assess(facts, "US", library)
    assert result.verdict == "no"
    means = next(f for f in result.findings if f.offence == "18 U.S.C. §1590" and f.element.startswith("means"))
    assert means.status == "not_met"
    assert "requires a means for children too" in means.explanation
    assert "§1591 (sex trafficking) only" in means.explanation
    sex = assess(facts.model_copy(update={"purposes": ["prostitution_of_others"]}), "US", library)
    assert sex.verdict == "yes" and [o.offence for o in sex.met] == ["sex_trafficking"]


def test_us_transfer_and_receipt_covered_as_obtaining_and_providing(library):
    for act in ("transfer", "receipt"):
        facts = conduct(acts=[act], means=["threat_or_use_of_force"], purposes=["prostitution_of_others"],
                        victims=[{"age": 30}])
        result = assess(facts, "US", library)
        assert result.verdict == "yes"
        finding = next(f for f in result.findings if f.element == "act")
        assert "covered as obtaining, providing" in finding.explanation
        assert any(c.verified == "partial" and "§1591(a)(1)" in c.article for c in finding.citations)
        assert any("partly verified" in u for u in result.unverified)


def test_an_equivalence_in_a_user_profile_is_applied(tmp_path):
    data = yaml.safe_load((PACKAGED / "jurisdictions" / "DE.yaml").read_text())
    data["equivalences"] = [{"kind": "means", "term": "extortion", "covered_by": ["other_coercion"],
                             "citation": "StGB §232(2)", "notes": "extortion as a threat (test wording)",
                             "verified": False}]
    (tmp_path / "DE.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    lib = load_library([tmp_path])
    facts = conduct(acts=["recruitment"], means=["extortion"], purposes=["slavery"], victims=[{"age": 30}])
    assert assess(facts, "DE", load_library()).verdict == "no"
    result = assess(facts, "DE", lib)
    assert result.verdict == "yes"
    means = next(f for f in result.findings if f.element.startswith("means"))
    assert "extortion is covered as other forms of coercion (extortion as a threat (test wording))" in means.explanation
    assert "StGB §232(2) [UNVERIFIED]" in result.unverified


def test_a_term_that_is_a_form_of_a_wider_one_is_covered(library):
    facts = conduct(acts=["recruitment"], means=["kidnapping"], purposes=["slavery"], victims=[{"age": 30}])
    protocol = assess(facts, "palermo_protocol", library)
    assert protocol.verdict == "yes" and "kidnapping is covered as abduction" in protocol.findings[2].explanation
    assert assess(facts, "US", library).verdict == "no"  # abduction is no means of §§1590-1591


# --------------------------------------------------------------------------- jurisdiction


def test_jurisdiction_names_a_linked_state_whose_profile_lacks_the_basis(library):
    facts = conduct(acts=["recruitment"], places=["GR"], offenders=[{"nationality": "NG", "present_in": ["GR"]}])
    report = jurisdiction(facts, library)
    by = {s.state: s for s in report.states}
    assert set(by) == {"GR", "NG"}  # NG was silently dropped
    ng = by["NG"]
    assert ng.profiled and not ng.claims
    (gap,) = ng.unclaimed
    assert gap.basis == "active_nationality" and "Art. 15(2)(b)" in gap.needed and "15(3)" in gap.needed
    assert "Nigeria (offender 1 is a national)" in report.explanation


def test_adding_a_profile_loses_no_link(tmp_path, library):
    facts = conduct(acts=["recruitment"], places=["FR"], offenders=[{"nationality": "BE"}])
    before = {s.state for s in jurisdiction(facts, library).states}
    data = yaml.safe_load((PACKAGED / "jurisdictions" / "NG.yaml").read_text())
    data.update(id="BE", name="Belgium (test profile)", iso3166="BE")
    (tmp_path / "BE.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    after = jurisdiction(facts, load_library([tmp_path]))
    assert before == {"FR", "BE"} and {s.state for s in after.states} == before
    be = next(s for s in after.states if s.state == "BE")
    assert [u.basis for u in be.unclaimed] == ["active_nationality"]


def test_state_where_the_offender_is_found_and_the_untoc_consequence(library):
    facts = conduct(acts=["recruitment"], places=["FR"],
                    offenders=[{"nationality": "DE", "present_in": ["DE"]}, {"nationality": "IT", "present_in": ["ES"]}])
    report = jurisdiction(facts, library)
    by = {s.state: s for s in report.states}
    (found_de,) = by["DE"].found
    assert found_de.national is True and "16(10)" in found_de.consequence and "15(3)" in found_de.consequence
    assert {c.article for c in found_de.citations} == {"16(10)", "15(3)"}
    (found_es,) = by["ES"].found
    assert found_es.national is False and "15(4)" in found_es.consequence
    assert "offenders are found in Germany, Spain" in report.explanation


# --------------------------------------------------------------------------- gaps


def test_non_punishment_is_checked_by_default_as_a_recommendation(library):
    report = gaps(library.profile("US"), library)
    (row,) = [r for r in report.results if r.check == "non_punishment_recommended"]
    assert row.kind == "recommendation" and not row.mandatory and row.status == "gap"
    assert "recommended, not required by the Protocol" in row.message
    assert row.instrument_citation.reference == "UNODC Model Law, Art. 10"
    assert report.instruments == ["palermo_protocol", "untoc"] and report.recommendations == ["unodc_model_law"]
    explicit = gaps(library.profile("US"), library, ["palermo_protocol"])
    assert not any(r.kind == "recommendation" for r in explicit.results)
    es = next(r for r in gaps(library.profile("ES"), library).results if r.check == "non_punishment_recommended")
    assert es.status == "met"


def test_consent_scope_is_graded(library):
    def row(key: str) -> tuple[str, str]:
        r = next(r for r in gaps(library.profile(key), library, ["palermo_protocol"]).results if r.check == "consent")
        return r.status, r.message

    assert row("DE")[0] == "gap" and "checked in the text" in row("DE")[1]  # verified: no clause
    assert row("US")[0] == "unknown"  # not checked
    assert row("ES") == ("met", "express clause (where a means was used, as Art. 3(b))")
    assert row("GB-EAW") == ("met", "express clause (for every victim, broader than Art. 3(b))")


def test_open_ended_coverage_is_partial_in_the_profiles_words(library):
    se = {r.element: r for r in gaps(library.profile("SE"), library, ["palermo_protocol"]).results
          if r.check == "purposes"}
    assert se["purpose: slavery"].status == "partial"
    assert "open-ended notion of exploitation" in se["purpose: slavery"].message
    assert "tvångstillstånd" in se["purpose: slavery"].message  # the profile's own words
    assert se["purpose: forced labour or services"].status == "met"


def test_partial_child_rule_is_explained_with_the_profiles_words(tmp_path, library):
    us = next(r for r in gaps(library.profile("US"), library).results if r.check == "child_without_means")
    assert us.status == "partial" and "some purposes" not in us.message
    assert "no means needed under 18 U.S.C. §1591" in us.message and "§1591 (sex trafficking) only" in us.message
    data = yaml.safe_load((PACKAGED / "jurisdictions" / "FR.yaml").read_text())
    data.update(id="BE", name="Belgium (test)", iso3166="BE")
    data["offences"][0]["elements"]["child"].update(means_required="partial",
                                                    notes="only via vulnerability (test wording)")
    (tmp_path / "BE.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    lib = load_library([tmp_path])
    row = next(r for r in gaps(lib.profile("BE"), lib).results if r.check == "child_without_means")
    assert row.status == "partial" and "only via vulnerability (test wording)" in row.message
    assert "some purposes" not in row.message


def test_means_covered_by_one_offence_only_is_partial(library):
    rows = {r.element: r for r in gaps(library.profile("US"), library, ["palermo_protocol"]).results}
    assert rows["means: fraud"].status == "partial"
    assert "only under 18 U.S.C. §1591" in rows["means: fraud"].message
    assert "not under 18 U.S.C. §1590" in rows["means: fraud"].message
    assert rows["act: transfer"].status == "partial" and "obtains" in rows["act: transfer"].message


# --------------------------------------------------------------------------- format and tools


def test_unknown_target_lists_instruments_and_suggests():
    result = run("law", "assess", "examples/conducts/le_greece.yaml", "-a", "UN-Protocol")
    assert result.returncode == 2
    assert "did you mean 'palermo_protocol'?" in result.stderr
    assert "instruments: " in result.stderr and "cets_197" in result.stderr and "palermo_protocol" in result.stderr


def test_every_error_in_a_file_at_once_with_did_you_mean(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("acts: [recruting, transportation]\nmeans: [fraude]\npurposes: [slavery]\n"
                    "victims:\n  - {age: 200}\n  - {agee: 3}\n")
    result = run("law", "assess", str(path))
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"error: {path}:") and "and 3 more problems" in lines[0]
    text = result.stderr
    assert f"{path}:5: victims[0].age" in text
    assert f"{path}:6: victims[1].agee: unknown field (did you mean 'age'?)" in text
    assert f"{path}:1: acts[0]: unknown act key 'recruting' (did you mean 'recruitment'?)" in text
    assert f"{path}:2: means[0]: unknown means key 'fraude' (did you mean 'fraud'?)" in text


def test_conduct_docs_name_the_vocabulary_command():
    from ..conftest import ROOT

    text = (ROOT / "docs" / "conduct.md").read_text()
    assert "palermo law vocabulary" in text and "`palermo law show` /" not in text
    assert run("law", "vocabulary", "acts").returncode == 0
