"""Cooperation between states: dual criminality for extradition and mutual legal assistance, and which states
are linked to a conduct and may establish jurisdiction over it (UNTOC Arts. 15-16, CETS 197 Art. 31)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from palermo.law.assess import Assessment, assess
from palermo.law.library import Library
from palermo.law.penalties import PenaltyFinding, facts_for, fmt_years, penalty_for
from palermo.law.schema import Offence, Profile
from palermo.model import Citation, Conduct, Frozen

Outcome = Literal["met", "not_met", "undetermined"]
Kind = Literal["extradition", "mla"]


def _provision(library: Library, key: str, article: str | None = None) -> Citation:
    inst = library.instrument(key.split(".")[0] if not key.startswith("cets197") else "cets_197")
    p = inst.provision(key)
    return inst.cite(article or p.article, p.summary, p.verified)


# --------------------------------------------------------------------------- dual criminality


class StateTest(Frozen):
    """Whether the conduct is an offence in one state, and whether the penalty of the offence it meets reaches
    the threshold."""

    state: str
    name: str
    assessment: Assessment
    offences: list[str] = Field(default_factory=list, description="the offence(s) whose penalty was compared")
    penalty: PenaltyFinding | None = None
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


def _means_used(conduct: Conduct, offence: Offence) -> set[str] | None:
    known = [conduct.means] + [v.means for v in conduct.victims if v.means is not None]
    if all(m is None for m in known):
        return None
    used = {m for ms in known if ms for m in ms}
    return used & set(offence.elements.means) if offence.elements else used


def _penalty(profile: Profile, conduct: Conduct, result: Assessment, threshold: float | None
             ) -> tuple[list[Offence], PenaltyFinding | None]:
    """The penalty of the offence the conduct meets (the heaviest, if it meets several); failing that, of the
    offences it may meet."""
    by_key = {o.key: o for o in profile.assessed()}
    for verdicts in (("yes",), ("undetermined",), ("no",)):
        chosen = [by_key[r.offence] for r in result.offences if r.verdict in verdicts and r.offence in by_key]
        if chosen:
            break
    else:
        return [], None
    found = [(o, penalty_for(profile, o, facts_for(conduct, o, _means_used(conduct, o)), conduct.stage, threshold))
             for o in chosen]
    order = {True: 2, None: 1, False: 0}
    found.sort(key=lambda pair: (order[pair[1].reaches], pair[1].life, pair[1].max_years or 0), reverse=True)
    return [o for o, _ in found], found[0][1]


def _state_test(conduct: Conduct, state: str, library: Library, threshold: float, kind: Kind) -> StateTest:
    profile = library.profile(state)
    result = assess(conduct, profile.id, library)
    offences, penalty = _penalty(profile, conduct, result, threshold if kind == "extradition" else None)
    penalty_ok: bool | None = True if kind == "mla" else (penalty.reaches if penalty else None)
    outcome: Outcome
    if result.verdict == "no" or penalty_ok is False:
        outcome = "not_met"
    elif result.verdict == "yes" and penalty_ok:
        outcome = "met"
    else:
        outcome = "undetermined"
    return StateTest(state=profile.id, name=profile.name, assessment=result,
                     offences=[o.citation for o in offences], penalty=penalty,
                     max_penalty=penalty.range if penalty else "no penalty recorded",
                     penalty_citation=penalty.citations[0] if penalty and penalty.citations else None,
                     penalty_ok=penalty_ok, outcome=outcome)


def _why_undetermined(t: StateTest, threshold: float) -> str:
    if t.assessment.verdict != "yes":
        return f"{t.name}: {', '.join(t.assessment.missing) or 'the offence is not settled'}"
    return f"{t.name}: {t.max_penalty}; whether that reaches {fmt_years(threshold)} is not stated in the law as profiled"


def dual_criminality(conduct: Conduct, requesting: str, requested: str, library: Library, *,
                     kind: Kind = "extradition", threshold_years: float = 1.0) -> DualCriminality:
    """Is the same conduct an offence in both states, whatever it is called there (and, for extradition,
    punishable by at least ``threshold_years`` under the offence it meets in each)?"""
    tests = [_state_test(conduct, s, library, threshold_years, kind) for s in (requesting, requested)]
    outcomes = {t.outcome for t in tests}
    outcome: Outcome = "not_met" if "not_met" in outcomes else ("undetermined" if "undetermined" in outcomes else "met")
    cites = [_provision(library, "untoc.art16.extradition" if kind == "extradition" else "untoc.art18.mla")]
    names = " and ".join(t.name for t in tests)
    if outcome == "met":
        text = f"The conduct is an offence in both {names} (" + "; ".join(
            f"{t.name}: {', '.join(t.offences)}" for t in tests) + ")"
    elif outcome == "not_met":
        failing = [t for t in tests if t.outcome == "not_met"]
        text = "; ".join(
            f"in {t.name} the conduct is not an offence ({t.assessment.explanation.rstrip('.')})"
            if t.assessment.verdict == "no"
            else f"in {t.name} the penalty of {', '.join(t.offences)} ({t.max_penalty}) is below "
                 f"{fmt_years(threshold_years)}" for t in failing)
    else:
        text = "Dual criminality cannot be settled on these facts: " + "; ".join(
            _why_undetermined(t, threshold_years) for t in tests if t.outcome == "undetermined")
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


class Unclaimed(Frozen):
    """A link of the facts to a state whose law, as profiled, gives no matching basis: what would be needed."""

    basis: str
    label: str
    facts: str
    needed: str
    citation: Citation | None = None


class FoundIn(Frozen):
    """An offender found in a state, and what UNTOC asks of that state (extradite or prosecute)."""

    offender: int
    national: bool | None
    consequence: str
    citations: list[Citation]


class StateJurisdiction(Frozen):
    """A state the facts link to the conduct: the bases its law gives, the links it gives no basis for, and any
    offender found there."""

    state: str
    name: str
    profiled: bool
    claims: list[Claim]
    unclaimed: list[Unclaimed] = Field(default_factory=list)
    found: list[FoundIn] = Field(default_factory=list)

    @property
    def grounded(self) -> bool:
        """Does the state have a basis of jurisdiction for these facts?"""
        return bool(self.claims)


class JurisdictionReport(Frozen):
    """Every state linked to a conduct, on which basis it may establish jurisdiction (or what it lacks), where
    the offenders are found, and whether the states must consult."""

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


TREATY_BASES = {"territoriality": "15(1)(a)", "flag_ship": "15(1)(b)", "flag_aircraft": "15(1)(b)",
                "active_nationality": "15(2)(b)", "passive_nationality": "15(2)(a)",
                "stateless_habitual_resident": "15(2)(b)", "effects_or_preparatory_acts": "15(2)(c)",
                "aut_dedere_aut_judicare": "15(3)-(4)"}
NEEDED = {
    "territoriality": "jurisdiction over acts in its territory, which UNTOC Art. 15(1)(a) requires of every party",
    "flag_ship": "jurisdiction over offences on board its ships, which UNTOC Art. 15(1)(b) requires",
    "flag_aircraft": "jurisdiction over offences on board its aircraft, which UNTOC Art. 15(1)(b) requires",
    "active_nationality": "jurisdiction over offences by its nationals abroad: UNTOC Art. 15(2)(b) allows it, and "
                          "Art. 15(3) requires it where the state refuses to extradite a national",
    "passive_nationality": "jurisdiction over offences against its nationals abroad, which UNTOC Art. 15(2)(a) "
                           "allows",
    "stateless_habitual_resident": "jurisdiction over offences by stateless persons resident there, which UNTOC "
                                   "Art. 15(2)(b) allows",
    "active_residence": "jurisdiction over offences by its residents abroad (no UNTOC basis; national law may "
                        "provide it)",
    "passive_residence": "jurisdiction over offences against its residents abroad (no UNTOC basis; national law "
                         "may provide it)",
    "legal_person_established": "jurisdiction over legal persons established there for acts abroad (national law; "
                                "liability of legal persons: UNTOC Art. 10)",
    "effects_or_preparatory_acts": "jurisdiction over acts abroad aimed at or affecting its territory; UNTOC Art. "
                                   "15(2)(c) allows it for participation in an organised criminal group and "
                                   "laundering",
    "presence_of_offender": "jurisdiction over an offender found in its territory whom it does not extradite, which "
                            "UNTOC Art. 15(4) allows",
    "aut_dedere_aut_judicare": "the power to prosecute an offender it does not extradite: UNTOC Art. 15(3) (its "
                               "nationals) and 15(4) (others)",
}
# one fact gives two bases; a state that has either need not be told it lacks the other
ALTERNATIVES = {"presence_of_offender": "aut_dedere_aut_judicare", "aut_dedere_aut_judicare": "presence_of_offender"}


def _national_claims(profile: Profile, facts: dict[str, str], library: Library) -> list[Claim]:
    claims = []
    for b in profile.jurisdiction.bases:
        fact = facts.get(b.basis) or ("any link: its law applies whatever the place or nationality"
                                      if b.basis == "universal_unconditional" else None)
        if fact:
            claims.append(Claim(basis=b.basis, label=library.vocabulary.label(b.basis), facts=fact,
                                citation=Citation(source=profile.id, article=b.citation or "", verified=b.verified),
                                conditions=b.conditions, dual_criminality_required=b.dual_criminality_required,
                                source="national"))
    return claims


def _found(conduct: Conduct, state: str, library: Library) -> list[FoundIn]:
    out = []
    art15_3 = _provision(library, "untoc.art15.jurisdiction", "15(3)")
    art15_4 = _provision(library, "untoc.art15.jurisdiction", "15(4)")
    art16_10 = _provision(library, "untoc.art16.extradition", "16(10)")
    for i, o in enumerate(conduct.offenders, 1):
        if state not in o.present_in:
            continue
        national = None if o.nationality is None and not o.stateless else o.nationality == state
        if national:
            text = (f"Offender {i} is a national of {state} and is found there. If {state} refuses extradition because "
                    "the offender is its national, it must, at the request of the state seeking extradition, submit "
                    "the case without undue delay to its authorities for prosecution (UNTOC Art. 16(10)), and must "
                    "be able to establish jurisdiction to do so (Art. 15(3)).")
            cites = [art16_10, art15_3]
        else:
            who = "not its national" if national is False else "nationality unknown"
            text = (f"Offender {i} is found in {state} ({who}). {state} may extradite (UNTOC Art. 16); if it does not, "
                    "it may establish jurisdiction to prosecute (Art. 15(4))"
                    + ("; were the offender its national, refusing extradition on that ground would oblige it to "
                       "prosecute at the requesting state's request (Art. 16(10))." if national is None else "."))
            cites = [art15_4, art16_10]
        out.append(FoundIn(offender=i, national=national, consequence=text, citations=cites))
    return out


def _state(state: str, facts: dict[str, str], conduct: Conduct, library: Library) -> StateJurisdiction:
    profile = library.profile_for_state(state)
    art15 = _provision(library, "untoc.art15.jurisdiction")
    claims: list[Claim] = []
    if profile is not None:
        claims = _national_claims(profile, facts, library)
    else:
        claims = [Claim(basis=basis, label=library.vocabulary.label(basis), facts=fact,
                        citation=art15.model_copy(update={"article": TREATY_BASES[basis]}), source="treaty",
                        conditions="no national profile: a basis UNTOC Art. 15 requires (territory, flag) or allows "
                                   "a party to establish")
                  for basis, fact in facts.items() if basis in TREATY_BASES]
    have = {c.basis for c in claims}
    unclaimed = [Unclaimed(basis=basis, label=library.vocabulary.label(basis), facts=fact,
                           needed=NEEDED.get(basis, "a basis of jurisdiction in its law"),
                           citation=art15 if basis in TREATY_BASES else None)
                 for basis, fact in facts.items()
                 if basis not in have and ALTERNATIVES.get(basis) not in have]
    return StateJurisdiction(state=profile.id if profile else state, name=profile.name if profile else state,
                             profiled=profile is not None, claims=claims, unclaimed=unclaimed,
                             found=_found(conduct, state, library))


def jurisdiction(conduct: Conduct, library: Library) -> JurisdictionReport:
    """Every state the facts link to the conduct, with the bases of jurisdiction its law (or UNTOC Art. 15) gives,
    the links it has no basis for and what would be needed, and the states where offenders are found."""
    art15 = _provision(library, "untoc.art15.jurisdiction")
    states = [_state(state, facts, conduct, library) for state, facts in sorted(_links(conduct).items())]
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
    grounded = [s for s in states if s.grounded]
    lacking = [s for s in states if not s.grounded]
    consult = len(grounded) > 1
    if not states:
        text = "No state is linked to these facts: give places, nationalities, residences or where offenders are found"
    else:
        text = f"{len(states)} state{'s are' if len(states) > 1 else ' is'} linked to the facts; " + (
            f"{len(grounded)} {'have' if len(grounded) != 1 else 'has'} a basis of jurisdiction for them"
            if grounded else "none has a basis of jurisdiction recorded for them")
        if lacking:
            text += "; linked but without a basis in the law as profiled: " + ", ".join(
                f"{s.name} ({'; '.join(u.facts for u in s.unclaimed)})" for s in lacking)
    found = [f"{s.name}" for s in states if s.found]
    if found:
        text += f"; offenders are found in {', '.join(found)}: extradite or prosecute (UNTOC Arts. 15(3)-(4), 16(10))"
    if consult:
        text += ("; where several states investigate or prosecute the same conduct, their competent authorities "
                 "shall consult one another to coordinate their actions (UNTOC Art. 15(5))")
    return JurisdictionReport(states=states, universal=universal, consult=consult, explanation=text.rstrip(".") + ".",
                              citations=[art15, _provision(library, "untoc.art16.extradition"),
                                         _provision(library, "cets197.art31.jurisdiction")])
