"""Cooperation between states: dual criminality for extradition and mutual legal assistance, and which states
may establish jurisdiction over a conduct (UNTOC Art. 15, CETS 197 Art. 31)."""

from __future__ import annotations

from typing import Literal

from palermo.law.assess import Assessment, assess
from palermo.law.gaps import effective_max, fmt_years
from palermo.law.library import Library
from palermo.model import Citation, Conduct, Frozen

Outcome = Literal["met", "not_met", "undetermined"]
Kind = Literal["extradition", "mla"]


def _provision(library: Library, key: str) -> Citation:
    inst = library.instrument(key.split(".")[0] if not key.startswith("cets197") else "cets_197")
    p = inst.provision(key)
    return inst.cite(p.article, p.summary, p.verified)


# --------------------------------------------------------------------------- dual criminality


class StateTest(Frozen):
    """Whether the conduct is an offence in one state, and whether its penalty reaches the threshold."""

    state: str
    name: str
    assessment: Assessment
    max_penalty: str
    penalty_citation: Citation | None
    penalty_ok: bool | None
    outcome: Outcome


class DualCriminality(Frozen):
    """Conduct-based dual criminality between a requesting and a requested state."""

    kind: Kind
    requesting: str
    requested: str
    threshold_years: float
    outcome: Outcome
    states: list[StateTest]
    explanation: str
    citations: list[Citation]


def _state_test(conduct: Conduct, state: str, library: Library, threshold: float, kind: Kind) -> StateTest:
    profile = library.profile(state)
    result = assess(conduct, profile.id, library)
    basic = profile.penalties.basic
    top = effective_max(basic)
    cite = Citation(source=profile.id, article=basic.citation or profile.offence_citation(),
                    verified=profile.penalties.verified)
    penalty_ok = None if top is None else top >= threshold
    if kind == "mla":
        penalty_ok = True  # no penalty threshold for assistance
    outcome: Outcome
    if result.verdict == "no" or penalty_ok is False:
        outcome = "not_met"
    elif result.verdict == "yes" and penalty_ok:
        outcome = "met"
    else:
        outcome = "undetermined"
    return StateTest(state=profile.id, name=profile.name, assessment=result, max_penalty=fmt_years(top),
                     penalty_citation=cite, penalty_ok=penalty_ok, outcome=outcome)


def dual_criminality(conduct: Conduct, requesting: str, requested: str, library: Library, *,
                     kind: Kind = "extradition", threshold_years: float = 1.0) -> DualCriminality:
    """Is the same conduct an offence in both states, whatever it is called there (and, for extradition,
    punishable by at least ``threshold_years`` in both)?"""
    tests = [_state_test(conduct, s, library, threshold_years, kind) for s in (requesting, requested)]
    outcomes = {t.outcome for t in tests}
    outcome: Outcome = "not_met" if "not_met" in outcomes else ("undetermined" if "undetermined" in outcomes else "met")
    cites = [_provision(library, "untoc.art16.extradition" if kind == "extradition" else "untoc.art18.mla")]
    names = " and ".join(t.name for t in tests)
    if outcome == "met":
        text = f"The conduct is an offence in both {names}"
    elif outcome == "not_met":
        failing = [t for t in tests if t.outcome == "not_met"]
        text = "; ".join(
            f"in {t.name} the conduct is not an offence" if t.assessment.verdict == "no"
            else f"in {t.name} the maximum penalty ({t.max_penalty}) is below {fmt_years(threshold_years)}"
            for t in failing)
    else:
        text = "Dual criminality cannot be settled on these facts: " + "; ".join(
            f"{t.name}: {', '.join(t.assessment.missing) or 'penalty not fixed'}" for t in tests
            if t.outcome == "undetermined")
    if kind == "extradition" and outcome == "met":
        text += f", punishable by at least {fmt_years(threshold_years)} in each."
    elif kind == "mla":
        text += (". For mutual legal assistance the absence of dual criminality is only an optional ground of "
                 "refusal (UNTOC Art. 18(9)); the requested state may still assist.")
    return DualCriminality(kind=kind, requesting=tests[0].state, requested=tests[1].state,
                           threshold_years=threshold_years, outcome=outcome, states=tests,
                           explanation=text.rstrip(".") + ".", citations=cites)


# --------------------------------------------------------------------------- jurisdiction


class Claim(Frozen):
    """One basis on which a state may establish jurisdiction, and the facts that trigger it."""

    basis: str
    label: str
    facts: str
    citation: Citation
    conditions: str | None = None
    dual_criminality_required: bool | None = None
    source: Literal["national", "treaty"]


class StateJurisdiction(Frozen):
    state: str
    name: str
    profiled: bool
    claims: list[Claim]


class JurisdictionReport(Frozen):
    """Which states can establish jurisdiction over a conduct, on which basis, and whether they must consult."""

    states: list[StateJurisdiction]
    universal: list[StateJurisdiction]
    consult: bool
    explanation: str
    citations: list[Citation]


def _links(conduct: Conduct) -> dict[str, dict[str, str]]:
    """Facts of the conduct by state: {state: {basis: fact}}."""
    links: dict[str, dict[str, str]] = {}

    def add(state: str | None, basis: str, fact: str) -> None:
        if state:
            links.setdefault(state, {}).setdefault(basis, fact)

    for s in conduct.places:
        add(s, "territoriality", "acts took place in its territory")
    for s in conduct.effects_in:
        add(s, "effects_or_preparatory_acts", "the conduct was prepared, directed or had effects there")
    add(conduct.vessel_flag, "flag_ship", "on board a ship flying its flag")
    add(conduct.aircraft_registry, "flag_aircraft", "on board an aircraft registered there")
    for i, o in enumerate(conduct.offenders, 1):
        add(o.nationality, "active_nationality", f"offender {i} is a national")
        add(o.residence, "stateless_habitual_resident" if o.stateless else "active_residence",
            f"offender {i} {'(stateless) ' if o.stateless else ''}habitually resides there")
        add(o.established_in, "legal_person_established", f"offender {i} is a legal person established there")
        for s in o.present_in:
            add(s, "presence_of_offender", f"offender {i} is present there")
            add(s, "aut_dedere_aut_judicare", f"offender {i} is present there (extradite or prosecute)")
    for i, v in enumerate(conduct.victims, 1):
        add(v.nationality, "passive_nationality", f"victim {i} is a national")
        add(v.residence, "passive_residence", f"victim {i} habitually resides there")
    return links


TREATY_BASES = {"territoriality": "untoc.art15.jurisdiction", "flag_ship": "untoc.art15.jurisdiction",
                "flag_aircraft": "untoc.art15.jurisdiction", "active_nationality": "untoc.art15.jurisdiction",
                "passive_nationality": "untoc.art15.jurisdiction",
                "stateless_habitual_resident": "untoc.art15.jurisdiction",
                "effects_or_preparatory_acts": "untoc.art15.jurisdiction",
                "aut_dedere_aut_judicare": "untoc.art15.jurisdiction"}


def jurisdiction(conduct: Conduct, library: Library) -> JurisdictionReport:
    """The states with a link to the conduct and the bases of jurisdiction their law (or UNTOC Art. 15) gives."""
    states = []
    art15 = _provision(library, "untoc.art15.jurisdiction")
    for state, facts in sorted(_links(conduct).items()):
        profile = library.profile_for_state(state)
        claims = []
        if profile is not None:
            for b in profile.jurisdiction.bases:
                if b.basis in facts:
                    claims.append(Claim(basis=b.basis, label=library.vocabulary.label(b.basis), facts=facts[b.basis],
                                        citation=Citation(source=profile.id, article=b.citation or "",
                                                          verified=b.verified),
                                        conditions=b.conditions, dual_criminality_required=b.dual_criminality_required,
                                        source="national"))
        else:
            for basis, fact in facts.items():
                if basis in TREATY_BASES:
                    claims.append(Claim(basis=basis, label=library.vocabulary.label(basis), facts=fact,
                                        citation=art15, source="treaty",
                                        conditions="no national profile: this is a basis UNTOC Art. 15 requires "
                                                   "(territory, flag) or allows a party to establish"))
        if claims:
            states.append(StateJurisdiction(state=profile.id if profile else state,
                                            name=profile.name if profile else state,
                                            profiled=profile is not None, claims=claims))
    linked = {s.state for s in states}
    universal = []
    for profile in library.profiles.values():
        for b in profile.jurisdiction.bases:
            if b.basis == "universal_unconditional" and profile.id not in linked:
                universal.append(StateJurisdiction(state=profile.id, name=profile.name, profiled=True, claims=[
                    Claim(basis=b.basis, label=library.vocabulary.label(b.basis), facts="no link required",
                          citation=Citation(source=profile.id, article=b.citation or "", verified=b.verified),
                          conditions=b.conditions, dual_criminality_required=b.dual_criminality_required,
                          source="national")]))
    consult = len(states) > 1
    text = (f"{len(states)} states have a link that grounds jurisdiction" if states
            else "No state with a recorded basis of jurisdiction is linked to these facts")
    if consult:
        text += ("; where several states investigate or prosecute the same conduct, their competent authorities "
                 "shall consult one another to coordinate their actions (UNTOC Art. 15(5)).")
    return JurisdictionReport(states=states, universal=universal, consult=consult, explanation=text.rstrip(".") + ".",
                              citations=[art15, _provision(library, "cets197.art31.jurisdiction")])
