"""Screening a person against an indicator set: which elements of the Protocol's definition the answers point to,
what to do next (refer to the national referral mechanism, interview further, or nothing found) and why, in words.

A screening is not an identification: only the competent authority identifies a victim. It never produces a
score; it names the indicators, the dimensions and the rule it applied, with their verification.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from palermo.errors import InvalidInput
from palermo.law.validation import suggest
from palermo.model import Conduct, Frozen, Verified, Victim, invalid
from palermo.protection.library import STRENGTHS, Indicator, IndicatorSet, vocabulary

AnswerValue = Literal["yes", "no", "unknown"]
Recommendation = Literal["none", "interview", "refer"]
RANK: dict[Recommendation, int] = {"none": 0, "interview": 1, "refer": 2}
"""Recommendations in order: more indicators never move a screening down this list."""
RECOMMENDATIONS: dict[Recommendation, str] = {
    "refer": "Refer to the national referral mechanism",
    "interview": "Further interview",
    "none": "No indicators found",
}
Element = Literal["act", "means", "purpose", "child"]
ElementStatus = Literal["indicated", "not_indicated", "unknown"]
AGE_BANDS = ((0, 8, "0--8"), (9, 17, "9--17"), (18, 20, "18--20"), (21, 23, "21--23"), (24, 26, "24--26"),
             (27, 29, "27--29"), (30, 38, "30--38"), (39, 47, "39--47"), (48, 200, "48+"))
"""The CTDC standard's ageBroad bands."""


class Answers(Frozen):
    """What a screener recorded, saved as JSON (partial answers too): an answer per indicator key, and the few
    facts a screening needs besides (age, and acts the person described)."""

    version: Literal[1] = 1
    indicator_set: str = Field(description="the id of the indicator set answered")
    answers: dict[str, AnswerValue] = Field(default={}, description="indicator key -> yes / no / unknown; a key "
                                                                    "not present was not asked")
    age: int | None = Field(default=None, ge=0, le=120, description="age in years at the time of the acts")
    minor: bool | None = Field(default=None, description="under 18 when the exact age is not known")
    acts: list[str] | None = Field(default=None, description="acts the person described (law-vocabulary keys such "
                                                             "as recruitment, transportation, harbouring); null: "
                                                             "not asked")

    @field_validator("answers", mode="before")
    @classmethod
    def _yaml_booleans(cls, value: Any) -> Any:
        # YAML reads an unquoted yes / no as true / false: take them as the answers they were meant to be.
        if isinstance(value, dict):
            return {k: {True: "yes", False: "no"}.get(v, v) if isinstance(v, bool) else v for k, v in value.items()}
        return value

    @model_validator(mode="after")
    def _age_and_minor(self) -> Answers:
        if self.age is not None and self.minor is not None and self.minor != (self.age < 18):
            raise ValueError(f"minor: {str(self.minor).lower()} contradicts age {self.age}")
        return self

    @property
    def child(self) -> bool | None:
        """Under 18 (true), an adult (false), or not known (null)."""
        return self.age < 18 if self.age is not None else self.minor

    def answer(self, key: str) -> AnswerValue | None:
        """The answer to one indicator, or None when it was not asked."""
        return self.answers.get(key)


def read_answers(data: Any, indicator_set: IndicatorSet | None = None, *, source: str = "answers") -> Answers:
    """Validate saved answers (parsed JSON) and, given the set, check every key against it; every unknown key is
    named with the closest one."""
    try:
        answers = Answers.model_validate(data)
    except ValidationError as exc:
        raise invalid(exc, source) from None
    if indicator_set is not None:
        check_answers(answers, indicator_set)
    return answers


def check_answers(answers: Answers, indicator_set: IndicatorSet) -> None:
    """Refuse answers to another set or to indicators the set does not have (each unknown key named)."""
    if answers.indicator_set != indicator_set.id:
        raise InvalidInput(f"the answers are for the set {answers.indicator_set!r}, not {indicator_set.id!r}")
    keys = [i.key for i in indicator_set.indicators]
    problems = [f"answers.{k}: no indicator {k!r} in the set {indicator_set.id!r}{suggest(k, keys)}"
                for k in answers.answers if k not in keys]
    allowed = vocabulary().keys("acts")
    problems += [f"acts[{n}]: unknown act key {k!r}{suggest(k, allowed)}" for n, k in enumerate(answers.acts or [])
                 if k not in allowed]
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise InvalidInput(problems[0] + more, details=problems)


class IndicatorHit(Frozen):
    """An indicator answered 'yes'."""

    key: str
    label: str
    dimension: str | None
    strength: str | None
    verified: Verified


class DimensionResult(Frozen):
    """One dimension: its 'yes' answers by strength, and whether the rule counts it as present."""

    key: str
    label: str
    present: bool
    counts: dict[str, int]
    yes: list[str]
    unanswered: int
    explanation: str


class ElementResult(Frozen):
    """One element of the Protocol's definition and what the answers say about it."""

    element: Element
    status: ElementStatus
    keys: list[str] = Field(default=[], description="law-vocabulary keys the answers point to")
    indicators: list[str] = Field(default=[], description="keys of the indicators that point to it")
    explanation: str


class ScreeningResult(Frozen):
    """The outcome of one screening: a recommendation with its reasons, the elements the answers point to, the
    dimensions, the CTDC variables they feed, and what in the reasoning is unverified."""

    indicator_set: str
    set_title: str
    set_version: str
    recommendation: Recommendation
    recommendation_label: str
    reasons: list[str]
    elements: dict[Element, ElementResult]
    dimensions: list[DimensionResult] = Field(default_factory=list)
    indicators: list[IndicatorHit] = Field(default_factory=list)
    unanswered: list[str] = Field(default_factory=list)
    rule_met: bool | None = Field(description="the set's rule for a presumed victim is met (none: the set has no "
                                              "counting rule)")
    ctdc: dict[str, str] = Field(description="CTDC variables and their values ('0'/'1', and age categories); a "
                                             "variable the screening says nothing about is left out")
    unverified: list[str] = Field(default=[], description="what the reasons rely on that was not checked against "
                                                          "the source text")
    answers: Answers


def _union(lists: Iterable[list[str]]) -> list[str]:
    out: list[str] = []
    for keys in lists:
        out += [k for k in keys if k not in out]
    return out


def _labels(hits: list[Indicator]) -> str:
    return "; ".join(i.label for i in hits)


def _counts(hits: list[Indicator]) -> dict[str, int]:
    return {s: sum(1 for i in hits if i.strength == s) for s in STRENGTHS}


def _count_words(counts: dict[str, int]) -> str:
    parts = [f"{n} {s}" for s, n in counts.items() if n]
    return ", ".join(parts) or "none"


def _dimensions(s: IndicatorSet, answers: Answers) -> list[DimensionResult]:
    out = []
    for dim in s.dimensions:
        members = [i for i in s.indicators if i.dimension == dim.key]
        hits = [i for i in members if answers.answer(i.key) == "yes"]
        counts = _counts(hits)
        met = next((c for c in s.rule.present_when if c.met(counts)), None)
        unanswered = sum(1 for i in members if answers.answer(i.key) in (None, "unknown"))
        if met is not None:
            why = (f"{dim.label} is present: 'yes' to {_count_words(counts)} ({_labels(hits)}), which meets the rule "
                   f"'at least {met.words()}'.")
        elif hits:
            why = (f"{dim.label} is not established: 'yes' to {_count_words(counts)} ({_labels(hits)}), short of "
                   f"the rule (at least {' / '.join(c.words() for c in s.rule.present_when)}).")
        else:
            why = f"{dim.label}: no indicator answered 'yes'."
        if unanswered and met is None:
            why += f" {unanswered} of its {len(members)} indicators are not answered yet."
        out.append(DimensionResult(key=dim.key, label=dim.label, present=met is not None, counts=counts,
                                   yes=[i.key for i in hits], unanswered=unanswered, explanation=why))
    return out


def _groups_met(groups: list[list[str]], present: set[str]) -> bool:
    return bool(groups) and all(any(d in present for d in group) for group in groups)


def _group_words(s: IndicatorSet, groups: list[list[str]], present: set[str]) -> str:
    parts = []
    for group in groups:
        names = [s.dimension(d).label for d in group]
        found = [s.dimension(d).label for d in group if d in present]
        parts.append(f"{' or '.join(names)} ({'present: ' + ', '.join(found) if found else 'not present'})")
    return "; ".join(parts)


def _flag(v: Verified) -> str:
    return "" if v is True else (" [partly verified]" if v == "partial" else " [UNVERIFIED]")


def _element(element: Element, hits: list[tuple[Indicator, list[str]]], extra: list[str], what: str
             ) -> ElementResult:
    keys = _union([ks for _, ks in hits] + [extra])
    indicators = [i.key for i, ks in hits if ks]
    if keys:
        named = ", ".join(k.replace("_", " ") for k in keys)
        by = _labels([i for i, ks in hits if ks])
        source = f" (indicators: {by})" if by else ""
        return ElementResult(element=element, status="indicated", keys=keys, indicators=indicators,
                             explanation=f"The answers point to {what}: {named}{source}.")
    return ElementResult(element=element, status="not_indicated",
                         explanation=f"No answer points to {what} yet; this is not evidence that there was none.")


def screen(answers: Answers, indicator_set: IndicatorSet) -> ScreeningResult:
    """Screen one person's answers against an indicator set: the elements the answers point to, a recommendation
    and the reasons for it, never a bare score."""
    check_answers(answers, indicator_set)
    s = indicator_set
    yes = [i for i in s.indicators if answers.answer(i.key) == "yes"]
    unanswered = [i.key for i in s.indicators if answers.answer(i.key) in (None, "unknown")]
    child = answers.child
    points = [(i, s.points_to(i)) for i in yes]
    act = _element("act", [(i, p.acts) for i, p in points], answers.acts or [],
                   "an act (how the person came into the situation)")
    means = _element("means", [(i, p.means) for i, p in points], [], "means used against the person")
    purpose = _element("purpose", [(i, p.purposes) for i, p in points], [], "a purpose of exploitation")
    if child is None:
        child_el = ElementResult(element="child", status="unknown",
                                 explanation="The person's age is not recorded: for a child (under 18) the means "
                                             "are not needed (Palermo Protocol, Art. 3(c)), so ask the age.")
    else:
        child_el = ElementResult(element="child", status="indicated" if child else "not_indicated",
                                 explanation="The person is a child: the means are not needed (Palermo Protocol, "
                                             "Art. 3(c))." if child else "The person is an adult.")
    reasons: list[str] = []
    unverified: list[str] = []
    dims = _dimensions(s, answers) if s.rule.kind == "dimensions" else []
    present = {d.key for d in dims if d.present}
    rule_met: bool | None = None
    recommendation: Recommendation = "interview" if yes else "none"

    if s.audience == "adults" and child:
        reasons.append("This set is for adults and the person is a child: screen with a children's set as well.")
    if s.audience == "children" and child is False:
        reasons.append("This set is for children and the person is an adult: screen with an adults' set as well.")

    if s.rule.kind == "judgement":
        if yes:
            reasons.append(f"'Yes' to {len(yes)} of the {len(s.indicators)} indicators: {_labels(yes)}.")
        reasons.append(s.rule.summary + _flag(s.rule.citation.verified))
    else:
        reasons += [d.explanation for d in dims if d.yes]
        adult_met = _groups_met(s.rule.victim_when, present)
        child_met = (_groups_met(s.rule.child_when, present)
                     and (not s.rule.child_needs_act or act.status == "indicated"))
        rule_flag = _flag(s.rule.citation.verified)
        child_flag = _flag(s.rule.child_citation.verified) if s.rule.child_citation else rule_flag
        if child and s.rule.child_when:
            rule_met = child_met
            verdict = "is met" if child_met else "is not met"
            needs = " and an act" if s.rule.child_needs_act else ""
            reasons.append(f"The rule for a child{child_flag} {verdict}: it needs "
                           f"{_group_words(s, s.rule.child_when, present)}{needs} (act: "
                           f"{'indicated' if act.status == 'indicated' else 'not indicated'}).")
        else:
            rule_met = adult_met
            verdict = "is met" if adult_met else "is not met"
            reasons.append(f"The combination rule{rule_flag} {verdict}: it needs "
                           f"{_group_words(s, s.rule.victim_when, present)}.")
            if child is None and child_met and not adult_met:
                reasons.append("If the person is under 18 the rule for a child would be met: establish the age.")
        if rule_met:
            recommendation = "refer"
        if s.rule.citation.verified is not True:
            unverified.append(f"the combination rule of {s.title}")
    flagged = [i for i in yes if i.verified is not True]
    if flagged:
        unverified.append(f"{len(flagged)} of the indicators answered 'yes' ({_labels(flagged)})")
    if recommendation == "refer":
        reasons.append("What this means: the answers point to a possible victim of trafficking. Refer the person to "
                       "the national referral mechanism (or the competent authority) for identification, and offer "
                       "assistance now; it is not a legal finding and does not depend on the person's cooperation.")
    elif recommendation == "interview":
        reasons.append("What this means: there are signs that need a further interview by a trained person before "
                       "deciding on a referral; one sign alone neither proves nor rules out trafficking.")
    else:
        reasons.append("No indicator was answered 'yes'" + (f" ({len(unanswered)} not answered yet)" if unanswered
                                                             else "") +
                       ". This does not mean the person is not a victim: people often disclose later.")
    if unverified:
        reasons.append("Unverified: " + "; ".join(unverified) + ". Check against the source before relying on it.")
    if rule_met and s.purposes:
        purpose = purpose.model_copy(update={
            "status": "indicated", "keys": _union([purpose.keys, s.purposes]),
            "explanation": purpose.explanation if purpose.keys else
            f"The set's rule is met, which points to {', '.join(k.replace('_', ' ') for k in s.purposes)}."})
    hits = [IndicatorHit(key=i.key, label=i.label, dimension=i.dimension, strength=i.strength, verified=i.verified)
            for i in yes]
    return ScreeningResult(
        indicator_set=s.id, set_title=s.title, set_version=s.set_version, recommendation=recommendation,
        recommendation_label=RECOMMENDATIONS[recommendation], reasons=reasons,
        elements={"act": act, "means": means, "purpose": purpose, "child": child_el}, dimensions=dims,
        indicators=hits, unanswered=unanswered, rule_met=rule_met, ctdc=ctdc_values(answers, s, rule_met),
        unverified=unverified, answers=answers)


def ctdc_values(answers: Answers, indicator_set: IndicatorSet, rule_met: bool | None = None) -> dict[str, str]:
    """The CTDC variables a screening can fill: '1' where an indicator mapped to the variable was answered 'yes',
    '0' where every indicator mapped to it was answered 'no'; the type of exploitation only for a presumed victim
    under the set's rule; majority status and age band from the age. Anything else stays missing."""
    out: dict[str, str] = {}
    mapped: dict[str, list[str]] = {}
    for ind in indicator_set.indicators:
        for name in ind.ctdc:
            mapped.setdefault(name, []).append(ind.key)
    for name, keys in sorted(mapped.items()):
        values = [answers.answer(k) for k in keys]
        if "yes" in values:
            out[name] = "1"
        elif all(v == "no" for v in values):
            out[name] = "0"
    if rule_met:
        for name in indicator_set.ctdc_exploitation:
            out[name] = "1"
    child = answers.child
    if child is not None:
        out["majorityStatus"] = "Minor" if child else "Adult"
    if answers.age is not None:
        out["ageBroad"] = next(band for low, high, band in AGE_BANDS if low <= answers.age <= high)
    return out


def conduct_from_screening(result: ScreeningResult) -> Conduct:
    """The screening as a conduct for the law engine: only the acts, means and purposes the answers point to, and
    the person's age; everything the screening did not establish stays unknown (null), never assumed."""
    e = result.elements
    answers = result.answers
    victim = Victim(age=answers.age, minor=answers.minor if answers.age is None else None)
    return Conduct(
        title=f"Screening with {result.set_title}",
        summary=("Derived from a victim-identification screening: the acts, means and purposes below are what the "
                 "answers point to; facts the screening did not establish are left unknown."),
        acts=e["act"].keys or None,
        means=e["means"].keys or None,
        purposes=e["purpose"].keys or None,
        victims=[victim],
    )


def outranks(a: Recommendation, b: Recommendation) -> bool:
    """Is recommendation ``a`` at least as far up the list (none < interview < refer) as ``b``?"""
    return RANK[a] >= RANK[b]
