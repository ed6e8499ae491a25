"""Penalties as the law writes them: which tiers of an offence a conduct attracts, and what they allow.

A tier states a minimum, a maximum, life or death; a bound the law does not state stays unknown. Nothing is
inferred: a minimum of two years with no stated maximum is "at least 2 years", never "2 years". The basic tier of
an offence always applies; an aggravated tier applies when one of its circumstances is established by the facts
(a victim's age, the means used, the purposes, or the circumstances the conduct lists); a lesser tier is never
assumed. A threshold ("punishable by at least N years") is reached when an applicable tier's maximum, or its
minimum, reaches N; it is missed only when every applicable tier states a lower maximum.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import Field

from palermo.law.schema import Offence, PenaltyTier, Profile, Reduction
from palermo.model import Citation, Conduct, Frozen, Victim

SEXUAL = frozenset({"prostitution_of_others", "other_sexual_exploitation", "pornography",
                    "child_sexual_abuse_material", "sex_tourism"})
ORGANS = frozenset({"organ_removal", "organ_trafficking"})
INF = float("inf")


def fmt_years(years: float | None) -> str:
    """Render years for people: '5 years', '6 months', 'life', 'not fixed'."""
    if years is None:
        return "not fixed"
    if years == INF:
        return "life"
    if years < 1:
        return f"{round(years * 12)} months"
    return f"{years:g} year" if years == 1 else f"{years:g} years"


def top(tier: PenaltyTier | Reduction) -> float | None:
    """The highest term a tier states, in years: infinity for life (or death), None when no maximum is stated."""
    if tier.life or getattr(tier, "death", None):
        return INF
    return tier.max_years


def describe(tier: PenaltyTier | Reduction) -> str:
    """A tier's range as written: '6 months to 5 years', 'at least 2 years (no maximum stated)', '10 years to life'."""
    low = tier.min_years
    high = "life" if tier.life else ("death" if getattr(tier, "death", None) else None)
    if high is None and tier.max_years is not None:
        high = fmt_years(tier.max_years)
    if high is None:
        return f"at least {fmt_years(low)} (no maximum stated)" if low else "no term stated (see its citation)"
    if low is not None and low == tier.max_years and not tier.life:
        return fmt_years(low)
    return f"{fmt_years(low)} to {high}" if low else f"up to {high}"


def ordinary(offence: Offence) -> list[PenaltyTier]:
    """The tiers that apply without any aggravating circumstance: the basic ones, else the least severe."""
    basic = [t for t in offence.penalties if t.tier == "basic"]
    if basic or not offence.penalties:
        return basic
    aggravated = [t for t in offence.penalties if t.tier == "aggravated"]
    return sorted(aggravated, key=lambda t: (top(t) if top(t) is not None else INF, t.min_years or 0))[:1]


class Facts(Frozen):
    """What a conduct establishes for the circumstances of one offence."""

    victims: list[Victim]
    child_age_below: int | None
    means_used: list[str] | None
    purposes: list[str] | None
    circumstances: list[str] | None


def facts_for(conduct: Conduct, offence: Offence, means_used: Iterable[str] | None) -> Facts:
    """The facts that decide an offence's circumstances: victims, the covered means used, purposes."""
    purposes: set[str] = set(conduct.purposes or [])
    for v in conduct.victims:
        purposes |= set(v.purposes or [])
    known = conduct.purposes is not None or any(v.purposes is not None for v in conduct.victims)
    return Facts(victims=list(conduct.victims), child_age_below=offence.elements.child.age_below
                 if offence.elements else None, means_used=sorted(means_used) if means_used is not None else None,
                 purposes=sorted(purposes) if known else None, circumstances=conduct.circumstances)


def _under(victims: list[Victim], age: int) -> bool | None:
    answers: list[bool | None] = []
    for v in victims:
        if v.age is not None:
            answers.append(v.age < age)
        elif v.minor is True and age >= 18:
            answers.append(True)
        elif v.minor is False and age <= 18:
            answers.append(False)
        else:
            answers.append(None)
    if True in answers:
        return True
    return False if answers and all(a is False for a in answers) else None


def circumstance(key: str, tier: PenaltyTier, facts: Facts) -> bool | None:
    """Is one circumstance of a tier established (True), excluded (False) or not known (None) on these facts?"""
    if facts.circumstances is not None and key in facts.circumstances:
        return True
    if key == "child_victim":
        return _under(facts.victims, tier.victim_under or facts.child_age_below or 18)
    if key == "child_under_14_15_16":
        if tier.victim_under is not None:
            return _under(facts.victims, tier.victim_under)
        # the key does not say which age: only a victim under 14 is under every one of them
        return True if _under(facts.victims, 14) else (False if _under(facts.victims, 16) is False else None)
    if key == "means_used":
        if facts.means_used is None or not tier.means:
            return None
        return bool(set(facts.means_used) & set(tier.means))
    if key == "multiple_victims" and len(facts.victims) >= 2:
        return True
    if key in ("sexual_exploitation_purpose", "organ_removal_purpose") and facts.purposes is not None:
        return bool(set(facts.purposes) & (SEXUAL if key.startswith("sexual") else ORGANS))
    if facts.circumstances is not None:
        return False
    return None


def applies(tier: PenaltyTier, facts: Facts) -> bool | None:
    """Does a tier apply? A basic tier always; an aggravated one when any circumstance is established."""
    if tier.tier == "basic":
        return True
    if tier.tier == "lesser":
        return None
    answers = [circumstance(c, tier, facts) for c in tier.circumstances]
    required = [circumstance(c, tier, facts) for c in tier.also]
    if False in required or (answers and all(a is False for a in answers)):
        return False
    if True in answers and all(r is True for r in required):
        return True
    return None


class PenaltyFinding(Frozen):
    """The penalty a conduct attracts under one offence, and whether it reaches a threshold."""

    offence: str
    range: str
    tiers: list[str]
    citations: list[Citation]
    max_years: float | None
    life: bool
    reaches: bool | None = None
    may_also_apply: list[str] = Field(default_factory=list)
    explanation: str = ""


def _cite(profile: Profile, offence: Offence, tier: PenaltyTier | Reduction) -> Citation:
    return Citation(source=profile.id, article=tier.citation or offence.citation, text=tier.notes,
                    verified=tier.verified)


def reaches(tiers: list[PenaltyTier] | list[PenaltyTier | Reduction], threshold: float) -> bool | None:
    """Do these tiers reach ``threshold`` years (a maximum or a minimum at least that high)? False only when every
    tier states a lower maximum; None when a tier states no maximum and a lower minimum."""
    for t in tiers:
        high = top(t)
        if (high is not None and high >= threshold) or (t.min_years is not None and t.min_years >= threshold):
            return True
    if tiers and all(top(t) is not None for t in tiers):
        return False
    return None


def _scaled(tier: PenaltyTier, reduction: Reduction) -> Reduction:
    """The tier as reduced: the reduction's own range, or its stated share of the maximum."""
    if reduction.max_years is not None or reduction.life is not None:
        return reduction
    if reduction.max_factor is None or tier.life or tier.max_years is None:
        return reduction.model_copy(update={"min_years": None, "max_years": tier.max_years, "life": tier.life})
    return reduction.model_copy(update={"min_years": None, "max_years": round(tier.max_years * reduction.max_factor, 2),
                                        "life": False})


def penalty_for(profile: Profile, offence: Offence, facts: Facts, stage: str = "completed",
                threshold: float | None = None) -> PenaltyFinding:
    """The tiers of ``offence`` these facts attract (and, for an attempt or preparation, the reduction the law
    states), their range as written, and whether the range reaches ``threshold`` years."""
    tiers = [t for t in offence.penalties if applies(t, facts) is True]
    maybe = [t for t in offence.penalties if t.tier == "aggravated" and applies(t, facts) is None]
    used: list[PenaltyTier | Reduction] = list(tiers)
    reductions = [r for r in offence.reductions if r.applies_to == stage]
    notes = []
    if stage != "completed":
        if reductions:
            used = [_scaled(t, r) for t in tiers for r in reductions] or list(reductions)
            notes.append(f"for {'an attempt' if stage == 'attempt' else 'preparation'}: "
                         + "; ".join(r.effect or describe(r) for r in reductions))
        else:
            notes.append(f"the profile states no reduced penalty for {'an attempt' if stage == 'attempt' else 'preparation'}")
    highs = [top(t) for t in used]
    stated = [h for h in highs if h is not None]
    life = any(h == INF for h in stated)
    text = "; ".join(f"{describe(t)} ({t.citation or offence.citation})" for t in used) or "no penalty recorded"
    reached = reaches(used, threshold) if threshold is not None else None
    if threshold is not None and reached is None:
        notes.append(f"whether it reaches {fmt_years(threshold)} is not stated")
    return PenaltyFinding(
        offence=offence.citation, range=text, tiers=[describe(t) for t in used],
        citations=[_cite(profile, offence, t) for t in used],
        max_years=None if life or not stated or None in highs else max(stated), life=life, reaches=reached,
        may_also_apply=[f"{describe(t)} if {', '.join(c.replace('_', ' ') for c in t.circumstances)}"
                        + (f" and {', '.join(c.replace('_', ' ') for c in t.also)}" if t.also else "") + " "
                        f"({t.citation or offence.citation})" for t in maybe],
        explanation="; ".join(notes))
