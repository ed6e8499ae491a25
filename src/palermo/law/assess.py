"""Assess a conduct against the Protocol's definition or a national offence, element by element.

The elements are those of Palermo Art. 3: an act, a means (not needed for a child, Art. 3(c)), and a purpose of
exploitation. Each element gets a finding with its citation; the verdict is `yes` only when every element is met.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import Field

from palermo.law.library import Library
from palermo.law.schema import Instrument, Profile, Tri, Vocabulary
from palermo.model import Citation, Conduct, Finding, Frozen, Verdict, Victim

PROTOCOL = "palermo_protocol"


@dataclass(frozen=True)
class OffenceRule:
    """An offence definition reduced to the Protocol's elements, from an instrument or a national profile."""

    source: str
    name: str
    acts: frozenset[str]
    means: frozenset[str]
    means_required_adults: Tri
    purposes: frozenset[str]
    purposes_open: bool | str | None  # True open-ended, False closed, "minimum" (the Protocol), None unknown
    child_age_below: int | None
    child_means_required: Tri
    child_no_means_purposes: frozenset[str]
    consent_scope: str | None
    definition: Citation
    child: Citation
    consent: Citation


class Assessment(Frozen):
    """The answer to 'is this conduct trafficking under X?', with the reasoning."""

    target: str
    target_name: str
    verdict: Verdict
    findings: list[Finding]
    missing: list[str]
    unverified: list[str]
    caveats: list[str] = Field(default_factory=list)


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
        source=instrument.id,
        name=instrument.short_title,
        acts=frozenset(d.acts) | frozenset(d.acts_extra),
        means=frozenset(d.means),
        means_required_adults=True,
        purposes=frozenset(d.purposes) | frozenset(d.purposes_extra),
        purposes_open="minimum" if d.purposes_minimum else False,
        child_age_below=d.child_age_below,
        child_means_required=False if d.child_no_means_needed else (True if d.child_no_means_needed is False else None),
        child_no_means_purposes=frozenset(),
        consent_scope="where_means_used" if d.consent_irrelevant_if_means else None,
        definition=cite("definition"),
        child=cite("child"),
        consent=cite("consent"),
    )


def rule_for_profile(profile: Profile) -> OffenceRule:
    """Reduce a national profile's offence to an OffenceRule."""
    d = profile.definition
    return OffenceRule(
        source=profile.id,
        name=profile.name,
        acts=frozenset(d.all_acts),
        means=frozenset(d.all_means),
        means_required_adults=d.means_required_adults,
        purposes=frozenset(d.all_purposes),
        purposes_open=d.purposes_open_ended,
        child_age_below=d.child.age_below,
        child_means_required=d.child.means_required,
        child_no_means_purposes=frozenset(d.child.no_means_purposes or ()),
        consent_scope=d.consent.scope,
        definition=Citation(source=profile.id, article=profile.offence_citation(), text=d.notes, verified=d.verified),
        child=Citation(source=profile.id, article=d.child.citation or profile.offence_citation(), text=d.child.notes,
                       verified=d.child.verified),
        consent=Citation(source=profile.id, article=d.consent.citation or profile.offence_citation(),
                         text=d.consent.notes, verified=d.consent.verified),
    )


def rule_for(target: str, library: Library) -> OffenceRule:
    """The OffenceRule of an instrument id (``palermo_protocol``, ``cets_197`` ...) or a jurisdiction id."""
    if target in ("protocol", "palermo"):
        target = PROTOCOL
    if target in library.instruments and library.instruments[target].definition is not None:
        return rule_for_instrument(library.instruments[target])
    return rule_for_profile(library.profile(target))


def _names(keys: set[str] | frozenset[str], vocabulary: Vocabulary | None) -> str:
    labels = sorted(vocabulary.label(k) if vocabulary else k.replace("_", " ") for k in keys)
    return ", ".join(labels) if labels else "none"


def _acts(conduct: Conduct, rule: OffenceRule, voc: Vocabulary | None) -> Finding:
    if conduct.acts is None:
        return Finding(element="act", status="undetermined", explanation="The conduct does not say what was done.",
                       citations=[rule.definition], missing=["acts"])
    covered = set(conduct.acts) & rule.acts
    if covered:
        return Finding(element="act", status="met", citations=[rule.definition],
                       explanation=f"The {_names(covered, voc)} of a person is an act covered by {rule.name}.")
    what = _names(set(conduct.acts), voc) if conduct.acts else "no act"
    return Finding(element="act", status="not_met", citations=[rule.definition],
                   explanation=f"{what.capitalize()}: not among the acts covered by {rule.name} "
                               f"({_names(rule.acts, voc)}).")


def _purposes(conduct: Conduct, rule: OffenceRule, voc: Vocabulary | None) -> Finding:
    cite = [rule.definition]
    if conduct.purposes is None:
        return Finding(element="purpose of exploitation", status="undetermined", citations=cite,
                       explanation="The conduct does not say for what purpose.", missing=["purposes"])
    covered = set(conduct.purposes) & rule.purposes
    if covered:
        return Finding(element="purpose of exploitation", status="met", citations=cite,
                       explanation=f"The purpose of {_names(covered, voc)} is exploitation under {rule.name}.")
    if not conduct.purposes:
        return Finding(element="purpose of exploitation", status="not_met", citations=cite,
                       explanation="No purpose of exploitation is stated: the conduct lacks the purpose element.")
    asked = _names(set(conduct.purposes), voc)
    if rule.purposes_open is True:
        return Finding(element="purpose of exploitation", status="met", citations=cite,
                       explanation=f"{rule.name} covers any form of exploitation, which includes {asked}.")
    if rule.purposes_open == "minimum":
        return Finding(element="purpose of exploitation", status="undetermined", citations=cite,
                       missing=["whether the purpose is exploitation under the instrument"],
                       explanation=f"{asked.capitalize()} is not in {rule.name}'s list, which is a minimum: other "
                                   "forms of exploitation are neither required nor excluded.")
    if rule.purposes_open is None:
        return Finding(element="purpose of exploitation", status="undetermined", citations=cite,
                       missing=["whether the national list of purposes is closed"],
                       explanation=f"{asked.capitalize()} is not listed and the profile does not say whether "
                                   "its list of purposes is closed.")
    return Finding(element="purpose of exploitation", status="not_met", citations=cite,
                   explanation=f"{asked.capitalize()} is not a purpose covered by {rule.name} "
                               f"({_names(rule.purposes, voc)}).")


def _is_child(victim: Victim, rule: OffenceRule) -> bool | None:
    if victim.age is None or rule.child_age_below is None:
        return None
    return victim.age < rule.child_age_below


def _child_needs_means(conduct: Conduct, rule: OffenceRule) -> Tri:
    required = rule.child_means_required
    if required == "partial" and rule.child_no_means_purposes and conduct.purposes is not None:
        return not (set(conduct.purposes) & rule.child_no_means_purposes)
    return required


def _means(conduct: Conduct, victim: Victim, label: str, rule: OffenceRule, voc: Vocabulary | None) -> Finding:
    element = f"means ({label})"
    child = _is_child(victim, rule)
    child_needs = _child_needs_means(conduct, rule)
    used = set(conduct.means) & rule.means if conduct.means is not None else set()
    if child is True and child_needs is False:
        return Finding(element=element, status="not_required", citations=[rule.child],
                       explanation=f"The victim was {victim.age}, a child under {rule.child_age_below}: "
                                   f"no means need be proved under {rule.name}.")
    if used:
        return Finding(element=element, status="met", citations=[rule.definition],
                       explanation=f"{_names(used, voc).capitalize()}: a means covered by {rule.name}.")
    required = child_needs if child is True else rule.means_required_adults
    if child is None:
        if rule.means_required_adults is False:
            required = False
        elif child_needs is False:
            return Finding(element=element, status="undetermined", citations=[rule.definition, rule.child],
                           missing=["victim's age"] + (["means used"] if conduct.means is None else []),
                           explanation="No covered means is established, and without the victim's age it is not "
                                       f"known whether the child rule (no means, under {rule.child_age_below}) applies.")
    if required is False:
        who = "a child" if child else "an adult" if child is False else "any victim"
        return Finding(element=element, status="not_required", citations=[rule.definition],
                       explanation=f"{rule.name} requires no improper means for {who}.")
    if conduct.means is None:
        return Finding(element=element, status="undetermined", citations=[rule.definition], missing=["means used"],
                       explanation=f"{rule.name} requires an improper means and the conduct does not say which "
                                   "were used.")
    uncovered = set(conduct.means) - rule.means
    said = (f"{_names(uncovered, voc).capitalize()} is not a means named by {rule.name}."
            if uncovered else "No improper means was used.")
    if required is True:
        return Finding(element=element, status="not_met", citations=[rule.definition],
                       explanation=f"{said} {rule.name} requires one of: {_names(rule.means, voc)}.")
    return Finding(element=element, status="undetermined", citations=[rule.definition, rule.child],
                   missing=["whether the national offence requires means here"],
                   explanation=f"{said} The profile records the means requirement as "
                               f"{'partial' if required == 'partial' else 'unknown'} for this victim.")


def _consent(victim: Victim, label: str, means: Finding, rule: OffenceRule) -> Finding | None:
    if victim.consent_given is not True:
        return None
    element = f"consent ({label})"
    if means.status == "not_required" and _is_child(victim, rule):
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


def _combine(statuses: list[str]) -> Verdict:
    if "not_met" in statuses:
        return "no"
    return "undetermined" if "undetermined" in statuses else "yes"


def assess_rule(conduct: Conduct, rule: OffenceRule, vocabulary: Vocabulary | None = None) -> Assessment:
    """Assess a conduct against one OffenceRule: yes / no / undetermined, with a finding per element."""
    shared = [_acts(conduct, rule, vocabulary), _purposes(conduct, rule, vocabulary)]
    victims = conduct.victims or [Victim()]
    findings = list(shared)
    verdicts: list[Verdict] = []
    for i, victim in enumerate(victims, 1):
        label = f"victim {i}" + (f", age {victim.age}" if victim.age is not None else ", age unknown")
        means = _means(conduct, victim, label, rule, vocabulary)
        consent = _consent(victim, label, means, rule)
        findings += [means] + ([consent] if consent else [])
        verdicts.append(_combine([f.status for f in (*shared, means)]))
    verdict: Verdict = "yes" if "yes" in verdicts else ("undetermined" if "undetermined" in verdicts else "no")
    missing = sorted({m for f in findings for m in f.missing}) if verdict == "undetermined" else []
    unverified = sorted({c.label for f in findings for c in f.citations if c.verified is not True})
    return Assessment(target=rule.source, target_name=rule.name, verdict=verdict, findings=findings,
                      missing=missing, unverified=unverified)


def assess(conduct: Conduct, target: str, library: Library) -> Assessment:
    """Assess a conduct against the Protocol (``palermo_protocol``), another instrument, or a jurisdiction."""
    rule = rule_for(target, library)
    result = assess_rule(conduct, rule, library.vocabulary)
    if rule.source in library.profiles:
        profile = library.profiles[rule.source]
        caveats = [f"Profile as of: {profile.as_of}"]
        if profile.verified is not True:
            # What exactly was read is a research note, shown to legal drafters on request, not in every answer.
            caveats.append(f"The {profile.name} profile as a whole is not verified against the primary text: each "
                           "citation says whether its text was read (details in the profile's research notes).")
        return result.model_copy(update={"caveats": caveats})
    return result
