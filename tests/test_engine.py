"""Unit and property tests of the law engine (assess, gaps, compare, dual criminality, jurisdiction)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from palermo.law import assess, compare, dual_criminality, gaps, jurisdiction
from palermo.law.assess import assess_rule, rule_for
from palermo.model import Citation, Conduct, Victim, article_ref

PROTOCOL_ACTS = ["recruitment", "transportation", "transfer", "harbouring", "receipt"]
PROTOCOL_MEANS = ["threat_or_use_of_force", "other_coercion", "abduction", "fraud", "deception", "abuse_of_power",
                  "abuse_of_vulnerability", "payments_to_controller"]
PROTOCOL_PURPOSES = ["prostitution_of_others", "other_sexual_exploitation", "forced_labour_or_services", "slavery",
                     "practices_similar_to_slavery", "servitude", "organ_removal"]


def conduct(**kw):
    base = {"acts": ["recruitment"], "means": ["deception"], "purposes": ["forced_labour_or_services"],
            "victims": [{"age": 30}]}
    return Conduct.model_validate({**base, **kw})


def test_protocol_yes_with_act_means_purpose(library):
    result = assess(conduct(), "palermo_protocol", library)
    assert result.verdict == "yes"
    assert {f.element for f in result.findings} == {"act", "purpose of exploitation", "means (victim 1, age 30)"}
    assert all(c.source == "palermo_protocol" for f in result.findings for c in f.citations)


def test_protocol_adult_without_means_is_no(library):
    result = assess(conduct(means=[]), "palermo_protocol", library)
    assert result.verdict == "no"
    assert [f.status for f in result.findings if f.element.startswith("means")] == ["not_met"]


def test_protocol_child_needs_no_means_and_cites_art3c(library):
    result = assess(conduct(means=[], victims=[{"age": 16}]), "palermo_protocol", library)
    assert result.verdict == "yes"
    means = next(f for f in result.findings if f.element.startswith("means"))
    assert means.status == "not_required" and means.citations[0].article == "3(c)"


def test_unknown_means_is_undetermined_with_missing_fact(library):
    result = assess(conduct(means=None), "palermo_protocol", library)
    assert result.verdict == "undetermined"
    assert result.missing == ["means used"]


def test_unknown_age_without_means_asks_for_age(library):
    result = assess(conduct(means=[], victims=[{}]), "palermo_protocol", library)
    assert result.verdict == "undetermined"
    assert "victim's age" in result.missing


def test_purpose_outside_protocol_minimum_is_undetermined(library):
    result = assess(conduct(purposes=["forced_criminality"]), "palermo_protocol", library)
    assert result.verdict == "undetermined"


def test_act_not_covered_is_no(library):
    assert assess(conduct(acts=["recruitment"]), "JP", library).verdict == "no"
    assert assess(conduct(acts=[]), "palermo_protocol", library).verdict == "no"


def test_germany_child_rule_reaches_21(library):
    assert assess(conduct(means=[], victims=[{"age": 20}]), "DE", library).verdict == "yes"
    assert assess(conduct(means=[], victims=[{"age": 21}]), "DE", library).verdict == "no"


def test_us_child_rule_only_for_sex_trafficking(library):
    child = [{"age": 16}]
    sexual = conduct(means=[], victims=child, purposes=["prostitution_of_others"])
    labour = conduct(means=[], victims=child, purposes=["forced_labour_or_services"])
    assert assess(sexual, "US", library).verdict == "yes"
    assert assess(labour, "US", library).verdict == "no"


def test_unverified_facts_are_reported(library):
    result = assess(conduct(), "AE", library)
    assert any("UNVERIFIED" in u or "partly" in u for u in result.unverified) or result.caveats
    assert any("not verified" in c for c in result.caveats)


def test_one_victim_suffices(library):
    result = assess(conduct(means=[], victims=[{"age": 30}, {"age": 12}]), "palermo_protocol", library)
    assert result.verdict == "yes"


# --------------------------------------------------------------------------- properties

acts_st = st.lists(st.sampled_from(PROTOCOL_ACTS), max_size=3) | st.none()
means_st = st.lists(st.sampled_from(PROTOCOL_MEANS), max_size=3) | st.none()
purposes_st = st.lists(st.sampled_from([*PROTOCOL_PURPOSES, "forced_begging"]), max_size=3) | st.none()
ages_st = st.lists(st.integers(0, 90) | st.none(), min_size=1, max_size=3)


def make(acts, means, purposes, ages):
    return Conduct(acts=acts, means=means, purposes=purposes, victims=[Victim(age=a) for a in ages])


@settings(max_examples=300, deadline=None)
@given(acts_st, means_st, purposes_st, ages_st, st.sampled_from(PROTOCOL_MEANS))
def test_adding_a_means_never_turns_yes_into_no(library, acts, means, purposes, ages, extra):
    rule = rule_for("palermo_protocol", library)
    before = assess_rule(make(acts, means, purposes, ages), rule).verdict
    after = assess_rule(make(acts, [*(means or []), extra], purposes, ages), rule).verdict
    if before == "yes":
        assert after == "yes"
    order = {"no": 0, "undetermined": 1, "yes": 2}
    if means is not None:
        assert order[after] >= order[before]


@settings(max_examples=300, deadline=None)
@given(acts_st, purposes_st, st.integers(0, 17))
def test_child_never_needs_means_under_protocol(library, acts, purposes, age):
    rule = rule_for("palermo_protocol", library)
    with_means = assess_rule(make(acts, ["deception"], purposes, [age]), rule).verdict
    without = assess_rule(make(acts, [], purposes, [age]), rule).verdict
    assert with_means == without


@settings(max_examples=300, deadline=None)
@given(acts_st, means_st, purposes_st, ages_st, st.sampled_from(["palermo_protocol", "DE", "US", "GB-EAW", "AE", "JP"]))
def test_never_yes_with_an_element_missing(library, acts, means, purposes, ages, target):
    result = assess(make(acts, means, purposes, ages), target, library)
    if result.verdict == "yes":
        assert acts and purposes
        met = [o for o in result.offences if o.verdict == "yes"]
        assert met, "a yes names the offence whose elements are all met"
        for o in met:
            assert any(f.status in ("met", "not_required") for f in o.findings if f.element.startswith("means"))
            assert all(f.status in ("met", "not_required") for f in o.findings
                       if not f.element.startswith(("means", "consent")))
    if result.verdict == "undetermined":
        assert result.missing


# --------------------------------------------------------------------------- gaps, compare, cooperation


def test_gaps_us_child_rule_and_purposes(library):
    report = gaps(library.profile("US"), library, ["palermo_protocol"])
    by = {g.element: g for g in report.gaps}
    assert by["child victims need no means"].status == "partial"
    assert by["purpose: the removal of organs"].status == "gap"
    assert by["means: abduction"].instrument_citation.article == "3(a)"
    assert by["means: abduction"].national_citation.source == "US"


def test_gaps_default_instruments_follow_membership(library):
    assert gaps(library.profile("DE"), library).instruments == ["palermo_protocol", "untoc", "cets_197",
                                                                "eu_directive_2011_36"]
    assert gaps(library.profile("JP"), library).instruments == ["palermo_protocol", "untoc"]


def test_gaps_penalty_floors(library):
    jp = {r.element: r for r in gaps(library.profile("JP"), library, ["untoc"]).results}
    assert jp["serious crime (max ≥ 4 years)"].status == "met"
    se = {r.element: r for r in gaps(library.profile("DE"), library, ["eu_directive_2011_36"]).results}
    assert se["basic maximum ≥ 5 years"].status == "met"
    assert se["maximum ≥ 10 years: child victim"].status == "met"


def test_gaps_reflection_period_germany_meets_cets(library):
    results = {r.element: r for r in gaps(library.profile("DE"), library, ["cets_197"]).results}
    assert results["reflection period ≥ 30 days"].status == "met"
    assert results["reflection period ≥ 30 days"].message == "90 days"


def test_compare_scores_and_agreement(library):
    result = compare([library.profile("DE"), library.profile("NL"), library.profile("US")], library)
    scores = {s.jurisdiction: s for s in result.scores}
    assert scores["NL"].score > scores["US"].score
    assert all(s.checks == scores["DE"].checks for s in result.scores)
    assert result.agreement["DE"]["DE"] == 1.0
    assert 0 <= result.agreement["DE"]["US"] < 1
    pen = {p.jurisdiction: p for p in result.penalties}
    assert pen["DE"].basic_max_years == 5 and pen["DE"].basic_min_years == 0.5


def test_dual_criminality_conduct_based(library):
    facts = conduct(purposes=["prostitution_of_others"])
    ok = dual_criminality(facts, "DE", "FR", library)
    assert ok.outcome == "met" and {s.state for s in ok.states} == {"DE", "FR"}
    bad = dual_criminality(facts, "DE", "JP", library)
    assert bad.outcome == "not_met" and "Japan" in bad.explanation


def test_dual_criminality_threshold_configurable(library):
    facts = conduct()
    # abuse of a predicament is StGB §232(1): 6 months to 5 years; deceit is §232(2): up to 10 years
    vulnerable = conduct(means=["abuse_of_vulnerability"])
    assert dual_criminality(vulnerable, "DE", "FR", library, threshold_years=6).outcome == "not_met"
    assert dual_criminality(facts, "DE", "FR", library, threshold_years=6).outcome == "met"
    mla = dual_criminality(facts, "DE", "JP", library, kind="mla")
    assert "18(9)" in mla.explanation and mla.citations[0].article == "18"


def test_jurisdiction_bases_and_consultation(library):
    facts = Conduct.model_validate({"acts": ["recruitment"], "places": ["FR"], "victims": [{"nationality": "DE"}],
                                    "offenders": [{"nationality": "IT", "present_in": ["ES"]}]})
    report = jurisdiction(facts, library)
    bases = {s.state: {c.basis for c in s.claims} for s in report.states}
    assert bases["FR"] == {"territoriality"}
    assert bases["DE"] == {"passive_nationality", "universal_unconditional"}  # StGB §6 Nr.4 reaches any link
    assert bases["IT"] == {"active_nationality"}
    assert report.consult and "15(5)" in report.explanation
    assert "DE" not in {s.state for s in report.universal}  # already linked


def test_jurisdiction_unprofiled_state_gets_treaty_basis(library):
    facts = Conduct.model_validate({"acts": ["recruitment"], "places": ["GR"]})
    report = jurisdiction(facts, library)
    (gr,) = report.states
    assert not gr.profiled and gr.claims[0].source == "treaty" and gr.claims[0].citation.article == "15(1)(a)"
    assert not report.consult


def test_every_check_runs_on_every_profile_with_a_citation(library):
    from palermo.law.gaps import CHECKS, run_checks

    assert all(c.explanation for c in CHECKS), "every check explains itself to users"
    for profile in library.profiles.values():
        for instrument in {c.instrument for c in CHECKS}:
            results = run_checks(profile, library, instrument)
            assert results
            assert {r.check for r in results} == {c.name for c in CHECKS if c.instrument == instrument}
            assert all(r.instrument_citation.source == instrument for r in results)


def test_specific_checks(library):
    de = {r.check + ":" + r.element: r for r in gaps(library.profile("DE"), library).results}
    assert de["attempt:attempt"].status == "met"
    assert de["legal_persons:liability of legal persons"].status == "met"
    assert de["aggravating:aggravating: public official"].status == "gap"
    assert de["residence_permit:residence permit"].status == "partial"  # conditional on cooperation
    assert de["non_punishment:non-punishment of victims"].status == "met"
    assert de["eu_purposes:purpose: forced marriage"].status == "gap"
    us = {r.check + ":" + r.element: r for r in gaps(library.profile("US"), library).results}
    assert us["compensation:compensation"].status == "partial"
    assert us["aut_dedere:jurisdiction: extradite or prosecute"].status == "met"
    assert us["consent:consent irrelevant"].status in ("gap", "unknown")
    gb = {r.check + ":" + r.element: r for r in gaps(library.profile("GB-EAW"), library).results}
    assert gb["consent:consent irrelevant"].status == "met"
    assert gb["means:means: abduction"].status == "met"  # no means required: broader than the Protocol
    assert gb["purposes:purpose: practices similar to slavery"].status == "gap"


def test_citation_labels_read_as_people_write_them(library):
    names = {k: i.citation_name for k, i in library.instruments.items()}
    assert names["palermo_protocol"] == "Palermo Protocol" and names["untoc"] == "UNTOC"
    assert names["cets_197"] == "Warsaw Convention" and names["eu_directive_2011_36"] == "EU Anti-Trafficking Directive"
    assert [article_ref(a) for a in ("3(a)", "13-16", "14(1)-(3)", "preamble")] == \
        ["Art. 3(a)", "Arts. 13-16", "Art. 14(1)-(3)", "preamble"]
    protocol = library.instrument("palermo_protocol").cite("3(a)", verified="partial")
    assert protocol.source == "palermo_protocol" and protocol.article == "3(a)"  # machine keys unchanged
    assert protocol.label == "Palermo Protocol, Art. 3(a) [partly verified]"
    national = Citation(source="US", article="18 U.S.C. §1591", verified=False)
    assert national.national and national.label == "18 U.S.C. §1591 [UNVERIFIED]"
    other = Citation(source="FinCEN FIN-2020-A008", article="Typologies: Funnel Accounts")
    assert other.label == "FinCEN FIN-2020-A008, Typologies: Funnel Accounts"
    assert Citation.model_validate_json(protocol.model_dump_json()) == protocol  # kept alerts read back


def test_engine_citations_carry_the_instrument_name(library):
    result = assess(conduct(), "palermo_protocol", library)
    assert all(c.title == "Palermo Protocol" for f in result.findings for c in f.citations)
    report = gaps(library.profile("US"), library)
    assert {r.instrument_citation.title for r in report.results} == {"Palermo Protocol", "UNTOC", "UNODC Model Law"}
    assert {r.instrument_citation.title for r in report.results if r.kind == "recommendation"} == {"UNODC Model Law"}
