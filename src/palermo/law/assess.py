"""Assess a conduct against the Protocol's definition or a national law, offence by offence, element by element.

The elements are those of Palermo Art. 3: an act, a means (not needed for a child, Art. 3(c)), and a purpose of
exploitation. A national law is read offence by offence, because national laws pair these elements per offence
(US: sex trafficking by fraud, labour trafficking only by force, serious harm, a scheme or abuse of legal process).
A conduct is trafficking under a law when it meets every element of at least one of its offences, for at least one
victim; the answer names the offences met, and for each offence that is not met, the element that fails.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import Field

from palermo.law.library import ALIASES, Library
from palermo.law.schema import Instrument, Offence, Profile, Tri, Vocabulary
from palermo.model import Citation, Conduct, Finding, Frozen, Verdict, Victim

PROTOCOL = "palermo_protocol"
SEXUAL = frozenset({"prostitution_of_others", "other_sexual_exploitation", "pornography",
                    "child_sexual_abuse_material", "sex_tourism"})


@dataclass(frozen=True)
class EquivalenceRule:
    """A conduct term the offence covers under other words, with the profile's citation and words."""

    kind: str
    term: str
    covered_by: frozenset[str]
    citation: Citation
    notes: str | None


@dataclass(frozen=True)
class OffenceRule:
    """One offence reduced to the Protocol's elements: an instrument's definition or one national offence."""

    source: str
    name: str
    key: str
    national: bool
    acts: frozenset[str]
    means: frozenset[str]
    means_required_adults: Tri
    purposes: frozenset[str]
    purposes_open: bool | str | None  # True open-ended, False closed, "minimum" (the Protocol), None unknown
    purposes_notes: str | None
    child_age_below: int | None
    child_means_required: Tri
    child_no_means_purposes: frozenset[str]
    child_notes: str | None
    consent_scope: str | None
    definition: Citation
    child: Citation
    consent: Citation
    equivalences: tuple[EquivalenceRule, ...] = ()
    victim_under: int | None = None
    attempt: Citation | None = None
    preparation: Citation | None = None
    conspiracy: Citation | None = None
    title: str = ""


class OffenceResult(Frozen):
    """The answer for one offence: met or not, and the findings that decide it."""

    offence: str
    citation: Citation
    title: str
    verdict: Verdict
    findings: list[Finding]
    missing: list[str] = Field(default_factory=list)


class Assessment(Frozen):
    """The answer to 'is this conduct trafficking under X?', offence by offence, with the reasoning."""

    target: str
    target_name: str
    verdict: Verdict
    explanation: str = ""
    offences: list[OffenceResult] = Field(default_factory=list)
    findings: list[Finding]
    missing: list[str]
    unverified: list[str]
    caveats: list[str] = Field(default_factory=list)

    @property
    def met(self) -> list[OffenceResult]:
        """The offences whose elements the conduct meets."""
        return [o for o in self.offences if o.verdict == "yes"]


# --------------------------------------------------------------------------- rules


def _provision_cite(instrument: Instrument, word: str) -> Citation | None:
    for p in instrument.provisions:
        if word in p.key:
            return instrument.cite(p.article, p.summary, p.verified)
    return None


def rule_for_instrument(instrument: Instrument) -> OffenceRule:
    """Reduce an instrument's definition (Palermo Art. 3, CETS Art. 4, EU Art. 2 ...) to an OffenceRule."""
    d = instrument.definition
    if d is None:
        raise ValueError(f"{instrument.id} defines no offence")

    def cite(topic: str) -> Citation:
        for p in instrument.provisions:
            if p.topic == topic and p.key.count(".") == 2 and "child_age" not in p.key:
                return instrument.cite(p.article, p.summary, p.verified)
        return instrument.cite(d.article, d.summary or d.note, d.verified)

    return OffenceRule(
        source=instrument.id, name=instrument.citation_name, key="definition", national=False,
        acts=frozenset(d.acts) | frozenset(d.acts_extra), means=frozenset(d.means), means_required_adults=True,
        purposes=frozenset(d.purposes) | frozenset(d.purposes_extra),
        purposes_open="minimum" if d.purposes_minimum else False, purposes_notes=None,
        child_age_below=d.child_age_below,
        child_means_required=False if d.child_no_means_needed else (True if d.child_no_means_needed is False else None),
        child_no_means_purposes=frozenset(), child_notes=d.child_no_means_exception,
        consent_scope="where_means_used" if d.consent_irrelevant_if_means else None,
        definition=cite("definition"), child=cite("child"), consent=cite("consent"),
        attempt=_provision_cite(instrument, "attempt"), title=instrument.short_title,
    )


def least(*flags: object) -> object:
    """The weakest of several verified flags: False, then 'partial', then True."""
    if any(f is not True and f != "partial" for f in flags):
        return False
    return "partial" if "partial" in flags else True


def _liability(profile: Profile, name: str) -> Citation | None:
    item = getattr(profile.ancillary_liability, name)
    if item is None or not item.citation:
        return None
    return Citation(source=profile.id, article=item.citation, text=item.notes, verified=item.verified)


def rule_for_offence(profile: Profile, offence: Offence) -> OffenceRule:
    """Reduce one national offence (with elements) to an OffenceRule, with the profile's equivalences for it."""
    e = offence.elements
    if e is None or offence.key is None:
        raise ValueError(f"{profile.id}: {offence.citation} has no elements")
    equivalences = tuple(
        EquivalenceRule(kind=q.kind, term=q.term, covered_by=frozenset(q.covered_by),
                        citation=Citation(source=profile.id, article=q.citation or offence.citation, text=q.notes,
                                          verified=q.verified), notes=q.notes)
        for q in profile.equivalences if not q.offences or offence.key in q.offences)

    def cite(article: str | None, text: str | None, verified: object) -> Citation:
        flag = verified if verified in (True, False, "partial") else False
        return Citation(source=profile.id, article=article or offence.citation, text=text, verified=flag)

    return OffenceRule(
        source=profile.id, name=offence.citation, key=offence.key, national=True,
        acts=frozenset(e.acts), means=frozenset(e.means), means_required_adults=e.means_required_adults,
        purposes=frozenset(e.purposes), purposes_open=e.purposes_open_ended, purposes_notes=e.purposes_notes,
        child_age_below=e.child.age_below, child_means_required=e.child.means_required,
        child_no_means_purposes=frozenset(e.child.no_means_purposes or ()), child_notes=e.child.notes,
        consent_scope=e.consent.scope,
        definition=cite(offence.citation, e.notes, least(e.verified, offence.verified)),
        child=cite(e.child.citation, e.child.notes, e.child.verified),
        consent=cite(e.consent.citation, e.consent.notes, e.consent.verified),
        equivalences=equivalences, victim_under=e.victim_under, attempt=_liability(profile, "attempt"),
        preparation=_liability(profile, "preparation"), conspiracy=_liability(profile, "conspiracy"),
        title=offence.title,
    )


def rules_for(target: str, library: Library) -> tuple[str, str, list[OffenceRule]]:
    """(source id, name, rules) for an instrument id (``palermo_protocol``, ``cets_197`` ...) or a jurisdiction."""
    target = ALIASES.get(target, target)
    if target in library.instruments and library.instruments[target].definition is not None:
        inst = library.instruments[target]
        return inst.id, inst.short_title, [rule_for_instrument(inst)]
    profile = library.profile(target)
    return profile.id, profile.name, [rule_for_offence(profile, o) for o in profile.assessed()]


def rule_for(target: str, library: Library) -> OffenceRule:
    """The rule of an instrument, or of a jurisdiction's first offence with elements."""
    rules = rules_for(target, library)[2]
    if not rules:
        raise ValueError(f"{target} has no offence with elements")
    return rules[0]


# --------------------------------------------------------------------------- elements


def _names(keys: set[str] | frozenset[str], vocabulary: Vocabulary | None) -> str:
    labels = sorted(vocabulary.label(k) if vocabulary else k.replace("_", " ") for k in keys)
    return ", ".join(labels) if labels else "none"


def _via(kind: str, given: set[str], rule: OffenceRule, voc: Vocabulary | None = None) -> list[EquivalenceRule]:
    """Equivalences that let terms of the conduct count as elements the offence names: the profile's own, and a
    term the vocabulary defines as a form of a wider one the offence names (kidnapping: abduction)."""
    own = {"act": rule.acts, "means": rule.means, "purpose": rule.purposes}[kind]
    found = [q for q in rule.equivalences if q.kind == kind and q.term in given and q.covered_by & own]
    for term in sorted(given) if voc is not None else []:
        wider = voc.wider(term) if voc is not None else None
        if wider is not None and wider in own:
            found.append(EquivalenceRule(kind=kind, term=term, covered_by=frozenset({wider}),
                                         citation=rule.definition, notes="a form of it, by definition"))
    return found


def _equated(found: list[EquivalenceRule], voc: Vocabulary | None) -> str:
    return "; ".join(f"{_names({q.term}, voc)} is covered as {_names(q.covered_by, voc)}"
                     + (f" ({q.notes})" if q.notes else "") for q in found)


def _acts(conduct: Conduct, rule: OffenceRule, voc: Vocabulary | None) -> Finding:
    if conduct.acts is None:
        return Finding(element="act", status="undetermined", explanation="The conduct does not say what was done.",
                       citations=[rule.definition], missing=["acts"])
    covered = set(conduct.acts) & rule.acts
    if covered:
        return Finding(element="act", status="met", citations=[rule.definition],
                       explanation=f"The {_names(covered, voc)} of a person is an act covered by {rule.name}.")
    found = _via("act", set(conduct.acts), rule, voc)
    if found:
        return Finding(element="act", status="met", citations=[rule.definition, *[q.citation for q in found]],
                       explanation=f"Not named as such by {rule.name}, but {_equated(found, voc)}.")
    what = _names(set(conduct.acts), voc) if conduct.acts else "no act"
    return Finding(element="act", status="not_met", citations=[rule.definition],
                   explanation=f"{what.capitalize()}: not among the acts covered by {rule.name} "
                               f"({_names(rule.acts, voc)}).")


def _purposes(purposes: list[str] | None, label: str, rule: OffenceRule, voc: Vocabulary | None) -> Finding:
    element = f"purpose of exploitation{label}"
    cite = [rule.definition]
    if purposes is None:
        return Finding(element=element, status="undetermined", citations=cite,
                       explanation="The conduct does not say for what purpose.", missing=["purposes"])
    covered = set(purposes) & rule.purposes
    if covered:
        return Finding(element=element, status="met", citations=cite,
                       explanation=f"The purpose of {_names(covered, voc)} is exploitation under {rule.name}.")
    if not purposes:
        return Finding(element=element, status="not_met", citations=cite,
                       explanation="No purpose of exploitation is stated: the conduct lacks the purpose element.")
    found = _via("purpose", set(purposes), rule, voc)
    if found:
        return Finding(element=element, status="met", citations=[*cite, *[q.citation for q in found]],
                       explanation=f"Not named as such by {rule.name}, but {_equated(found, voc)}.")
    asked = _names(set(purposes), voc)
    if rule.purposes_open is True:
        words = f" ({rule.purposes_notes})" if rule.purposes_notes else ""
        return Finding(element=element, status="met", citations=cite,
                       explanation=f"{rule.name} covers any form of exploitation, which includes {asked}{words}.")
    if rule.purposes_open == "minimum":
        return Finding(element=element, status="undetermined", citations=cite,
                       missing=["whether the purpose is exploitation under the instrument"],
                       explanation=f"{asked.capitalize()} is not in {rule.name}'s list, which is a minimum: other "
                                   "forms of exploitation are neither required nor excluded.")
    if rule.purposes_open is None:
        return Finding(element=element, status="undetermined", citations=cite,
                       missing=[f"whether the list of purposes of {rule.name} is closed"],
                       explanation=f"{asked.capitalize()} is not listed and the profile does not say whether "
                                   f"the list of purposes of {rule.name} is closed.")
    return Finding(element=element, status="not_met", citations=cite,
                   explanation=f"{asked.capitalize()} is not a purpose covered by {rule.name} "
                               f"({_names(rule.purposes, voc)}).")


def is_child(victim: Victim, age_below: int | None) -> bool | None:
    """Is the victim a child under a law whose children are those under ``age_below``? None if unknown."""
    if age_below is None:
        return None
    if victim.age is not None:
        return victim.age < age_below
    if victim.minor is True:
        return True if age_below >= 18 else None
    if victim.minor is False:
        return False if age_below <= 18 else None
    return None


def _who(victim: Victim) -> str:
    if victim.age is not None:
        return f"was {victim.age}"
    return "was a minor (exact age unknown)" if victim.minor else "is of unknown age"


def _child_needs_means(purposes: list[str] | None, rule: OffenceRule) -> Tri:
    required = rule.child_means_required
    if required == "partial" and rule.child_no_means_purposes and purposes is not None:
        return not (set(purposes) & rule.child_no_means_purposes)
    return required


def _means(means: list[str] | None, purposes: list[str] | None, victim: Victim, label: str, rule: OffenceRule,
           voc: Vocabulary | None) -> Finding:
    element = f"means ({label})"
    child = is_child(victim, rule.child_age_below)
    child_needs = _child_needs_means(purposes, rule)
    used = set(means) & rule.means if means is not None else set()
    via = _via("means", set(means), rule, voc) if means is not None and not used else []
    if child is True and child_needs is False:
        return Finding(element=element, status="not_required", citations=[rule.child],
                       explanation=f"The victim {_who(victim)}, a child under {rule.child_age_below}: no means need "
                                   f"be proved under {rule.name}.")
    if used:
        return Finding(element=element, status="met", citations=[rule.definition],
                       explanation=f"{_names(used, voc).capitalize()}: a means covered by {rule.name}.")
    if via:
        return Finding(element=element, status="met", citations=[rule.definition, *[q.citation for q in via]],
                       explanation=f"Not named as such by {rule.name}, but {_equated(via, voc)}.")
    required = child_needs if child is True else rule.means_required_adults
    if child is None:
        if rule.means_required_adults is False and child_needs is False:
            required = False
        elif rule.means_required_adults is False or child_needs is False:
            missing = ["victim's age"] + (["means used"] if means is None else [])
            return Finding(element=element, status="undetermined", citations=[rule.definition, rule.child],
                           missing=missing,
                           explanation="No covered means is established, and without the victim's age it is not "
                                       f"known whether {rule.name} requires one (the rule for children under "
                                       f"{rule.child_age_below} differs from the rule for adults).")
    if required is False:
        who = "a child" if child else "an adult" if child is False else "any victim"
        return Finding(element=element, status="not_required", citations=[rule.definition],
                       explanation=f"{rule.name} requires no improper means for {who}.")
    if means is None:
        return Finding(element=element, status="undetermined", citations=[rule.definition], missing=["means used"],
                       explanation=f"{rule.name} requires an improper means and the conduct does not say which "
                                   "were used.")
    uncovered = set(means) - rule.means
    said = (f"{_names(uncovered, voc).capitalize()} is not a means named by {rule.name}."
            if uncovered else "No improper means was used.")
    if required is True:
        child_words = ""
        if child is True:
            child_words = f" The victim {_who(victim)}, a child, yet {rule.name} requires a means for children too" + \
                          (f": {rule.child_notes}" if rule.child_notes else ".")
        return Finding(element=element, status="not_met", citations=[rule.definition]
                       + ([rule.child] if child is True else []),
                       explanation=f"{said} {rule.name} requires one of: {_names(rule.means, voc)}.{child_words}")
    words = f" The profile says: {rule.child_notes}" if child is True and rule.child_notes else ""
    return Finding(element=element, status="undetermined", citations=[rule.definition, rule.child],
                   missing=[f"whether {rule.name} requires a means for this victim"],
                   explanation=f"{said} The profile records the means requirement as "
                               f"{'partial' if required == 'partial' else 'unknown'} for this victim.{words}")


def _protected(victim: Victim, label: str, rule: OffenceRule) -> Finding | None:
    """For an offence that protects only children: is this victim one?"""
    if rule.victim_under is None:
        return None
    element = f"victim under {rule.victim_under} ({label})"
    child = is_child(victim, rule.victim_under)
    if child is None:
        return Finding(element=element, status="undetermined", citations=[rule.child], missing=["victim's age"],
                       explanation=f"{rule.name} protects only persons under {rule.victim_under}; the victim's age "
                                   "is not known.")
    return Finding(element=element, status="met" if child else "not_met", citations=[rule.child],
                   explanation=f"{rule.name} protects only persons under {rule.victim_under}: the victim "
                               f"{_who(victim)}.")


def _consent(victim: Victim, label: str, means: Finding, rule: OffenceRule) -> Finding | None:
    if victim.consent_given is not True:
        return None
    element = f"consent ({label})"
    if means.status == "not_required" and is_child(victim, rule.child_age_below):
        text = "The victim is a child: no means need be proved, so the child's consent does not matter."
        return Finding(element=element, status="met", citations=[rule.child], explanation=text)
    if rule.consent_scope in ("all_victims", "where_means_used") and means.status == "met":
        text = f"Consent to the intended exploitation is irrelevant where a means was used ({rule.name})."
        return Finding(element=element, status="met", citations=[rule.consent], explanation=text)
    if rule.consent_scope == "all_victims":
        return Finding(element=element, status="met", citations=[rule.consent],
                       explanation=f"{rule.name} makes the victim's consent irrelevant for every victim.")
    return Finding(element=element, status="met", citations=[rule.definition],
                   explanation=f"{rule.name} has no express consent clause; absence of consent is not an element "
                               "of the offence as profiled, so the victim's consent does not by itself defeat it.")


def _stage(conduct: Conduct, rule: OffenceRule) -> Finding | None:
    if conduct.stage == "completed":
        return None
    if conduct.stage == "attempt":
        if rule.attempt is not None:
            return Finding(element="attempt", status="met", citations=[rule.attempt],
                           explanation=f"An attempt is punishable: the elements are read as intended "
                                       f"({rule.attempt.reference}).")
        return Finding(element="attempt", status="undetermined", citations=[rule.definition],
                       missing=[f"whether an attempt of {rule.name} is punishable"],
                       explanation="The profile records no liability for an attempt.")
    if rule.preparation is not None:
        return Finding(element="preparation", status="met", citations=[rule.preparation],
                       explanation=f"Preparation is punishable ({rule.preparation.reference}).")
    if not rule.national:
        return Finding(element="preparation", status="not_met", citations=[rule.definition]
                       + ([rule.attempt] if rule.attempt else []),
                       explanation=f"{rule.name} requires the attempt, participation as an accomplice and organising "
                                   "or directing others to be punishable, not mere preparation.")
    if rule.conspiracy is not None:
        return Finding(element="preparation", status="undetermined", citations=[rule.conspiracy],
                       missing=[f"whether the preparation amounts to conspiracy ({rule.conspiracy.reference})"],
                       explanation="The profile records no liability for preparation as such; an agreement with "
                                   f"others may be punishable as conspiracy ({rule.conspiracy.reference}).")
    return Finding(element="preparation", status="undetermined", citations=[rule.definition],
                   missing=[f"whether preparing {rule.name} is punishable"],
                   explanation="The profile records no liability for preparation.")


def _combine(statuses: list[str]) -> Verdict:
    if "not_met" in statuses:
        return "no"
    return "undetermined" if "undetermined" in statuses else "yes"


def _label(i: int, victim: Victim) -> str:
    if victim.age is not None:
        return f"victim {i}, age {victim.age}"
    return f"victim {i}, " + ("a minor, age unknown" if victim.minor else "an adult, age unknown"
                              if victim.minor is False else "age unknown")


def assess_offence(conduct: Conduct, rule: OffenceRule, vocabulary: Vocabulary | None = None) -> OffenceResult:
    """Assess a conduct against one offence: yes / no / undetermined, with a finding per element and victim."""
    victims = conduct.victims or [Victim()]
    own_purposes = any(v.purposes is not None for v in victims)
    act = _acts(conduct, rule, vocabulary)
    stage = _stage(conduct, rule)
    shared = [act] + ([stage] if stage else [])
    purpose = None if own_purposes else _purposes(conduct.purposes, "", rule, vocabulary)
    findings = [act] + ([purpose] if purpose else [])
    verdicts: list[Verdict] = []
    for i, victim in enumerate(victims, 1):
        label = _label(i, victim)
        purposes = victim.purposes if victim.purposes is not None else conduct.purposes
        mine = purpose or _purposes(purposes, f" ({label})", rule, vocabulary)
        means = _means(victim.means if victim.means is not None else conduct.means, purposes, victim, label, rule,
                       vocabulary)
        consent = _consent(victim, label, means, rule)
        protected = _protected(victim, label, rule)
        own = [protected] if protected else []
        findings += own + ([] if purpose else [mine]) + [means] + ([consent] if consent else [])
        verdicts.append(_combine([f.status for f in (*shared, *own, mine, means)]))
    if stage:
        findings.append(stage)
    verdict: Verdict = "yes" if "yes" in verdicts else ("undetermined" if "undetermined" in verdicts else "no")
    tag = rule.name if rule.national else None
    findings = [f.model_copy(update={"offence": tag}) for f in findings]
    missing = sorted({m for f in findings for m in f.missing}) if verdict == "undetermined" else []
    return OffenceResult(offence=rule.key, citation=rule.definition, title=rule.title, verdict=verdict,
                         findings=findings, missing=missing)


def _failing(result: OffenceResult) -> str:
    bad = [f.element for f in result.findings if f.status == "not_met"]
    return f"{result.citation.reference}: {', '.join(dict.fromkeys(bad)) or 'not met'} not met"


def _explain(results: list[OffenceResult], name: str, conduct: Conduct) -> str:
    met = [r for r in results if r.verdict == "yes"]
    attempt = {"attempt": "an attempt of ", "preparation": "preparation of "}.get(conduct.stage, "")
    if met:
        which = " and ".join(f"{r.citation.reference}" + (f" ({r.title})" if r.title and r.citation.national else "")
                             for r in met)
        return f"The conduct meets every element of {attempt}{which}."
    if not results:
        return f"{name} has no offence with elements recorded: the profile cannot answer."
    open_ = [r for r in results if r.verdict == "undetermined"]
    if open_:
        return ("No offence is met on these facts; " + "; ".join(
            f"{r.citation.reference} could be, given: {', '.join(r.missing)}" for r in open_) + ".")
    return "No offence's elements are all met: " + "; ".join(_failing(r) for r in results) + "."


def assess_rules(conduct: Conduct, source: str, name: str, rules: list[OffenceRule],
                 vocabulary: Vocabulary | None = None) -> Assessment:
    """Assess a conduct against every offence of a law; yes when one offence's elements are all met."""
    results = [assess_offence(conduct, r, vocabulary) for r in rules]
    verdicts = {r.verdict for r in results}
    verdict: Verdict = "yes" if "yes" in verdicts else ("undetermined" if "undetermined" in verdicts or not results
                                                        else "no")
    findings = [f for r in results for f in r.findings]
    missing = sorted({m for r in results for m in r.missing}) if verdict == "undetermined" else []
    if not results:
        missing = [f"an offence with elements in the {name} profile"]
    unverified = sorted({c.label for f in findings for c in f.citations if c.verified is not True})
    return Assessment(target=source, target_name=name, verdict=verdict, explanation=_explain(results, name, conduct),
                      offences=results, findings=findings, missing=missing, unverified=unverified)


def assess_rule(conduct: Conduct, rule: OffenceRule, vocabulary: Vocabulary | None = None) -> Assessment:
    """Assess a conduct against one OffenceRule (an instrument's definition or one offence)."""
    return assess_rules(conduct, rule.source, rule.name, [rule], vocabulary)


def assess(conduct: Conduct, target: str, library: Library) -> Assessment:
    """Assess a conduct against the Protocol (``palermo_protocol``), another instrument, or a jurisdiction."""
    source, name, rules = rules_for(target, library)
    result = assess_rules(conduct, source, name, rules, library.vocabulary)
    if source in library.profiles:
        profile = library.profiles[source]
        caveats = [f"Profile as of: {profile.as_of}"]
        if profile.verified is not True:
            # What exactly was read is a research note, shown to legal drafters on request, not in every answer.
            caveats.append(f"The {profile.name} profile as a whole is not verified against the primary text: each "
                           "citation says whether its text was read (details in the profile's research notes).")
        return result.model_copy(update={"caveats": caveats})
    return result
