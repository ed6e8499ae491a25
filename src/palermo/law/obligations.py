"""Gap checks against the Palermo Protocol and UNTOC, and the recommendation that victims not be punished.

Each function is one check; its docstring is the explanation a prosecutor or drafter reads beside the result.
"""

from __future__ import annotations

from collections.abc import Iterator

from palermo.law.checks import (
    CheckResult,
    CheckStatus,
    check,
    definition_cite,
    label,
    named,
    national,
    offence_cite,
    result,
)
from palermo.law.library import Library
from palermo.law.penalties import describe, ordinary, reaches
from palermo.law.schema import Liability, Offence, Profile
from palermo.model import Citation


def _protocol(library: Library, part: str) -> list[str]:
    d = library.instrument("palermo_protocol").definition
    return list(getattr(d, part)) if d is not None else []


def _equated(profile: Profile, offence: Offence, kind: str, term: str, own: list[str]) -> list[str]:
    """The profile's words where it equates ``term`` with elements this offence names."""
    return [f"not named; covered as {', '.join(q.covered_by)}" + (f" ({q.notes})" if q.notes else "")
            for q in profile.equivalences
            if q.kind == kind and q.term == term and set(q.covered_by) & set(own)
            and (not q.offences or offence.key in q.offences)]


def _spread(profile: Profile, library: Library, c: Citation, element: str, full: list[Offence],
            equated: dict[str, list[str]], unknown: list[Offence], absent: str, wanted: str) -> CheckResult:
    """One row from how the state's offences cover an element: by every offence (met), by some or only through the
    profile's stated equivalence (partial), by none (gap), not known (unknown)."""
    offences = profile.assessed()
    if not offences:
        return result(c, element, "unknown", "the profile records no offence with elements")
    covering = [o for o in offences if o in full or o.citation in equated]
    nat = (offence_cite(profile, covering[0]) if len(covering) == 1 else definition_cite(profile))
    if len(full) == len(offences):
        return result(c, element, "met", "covered" if len(offences) == 1 else "covered by every offence", nat)
    if covering:
        parts = [f"only under {', '.join(named(o) for o in full)}"] if full else []
        grouped: dict[str, list[str]] = {}
        for cit, words in equated.items():
            grouped.setdefault("; ".join(words), []).append(cit)
        parts += [f"{' and '.join(cits)}: {words}" for words, cits in grouped.items()]
        rest = [o for o in offences if o not in covering]
        if rest:
            parts.append(f"not under {', '.join(named(o) for o in rest)}")
        return result(c, element, "partial", "; ".join(parts), nat)
    if unknown:
        return result(c, element, "unknown", f"{wanted} not named, and the profile does not say "
                      f"whether {', '.join(o.citation for o in unknown)} requires it", definition_cite(profile))
    return result(c, element, "gap", absent, definition_cite(profile))


# --------------------------------------------------------------------------- Palermo Protocol


@check("palermo_protocol", "palermo.art3a.definition")
def acts(profile: Profile, library: Library, c: Citation) -> Iterator[CheckResult]:
    """Art. 3(a) lists five acts: recruitment, transportation, transfer, harbouring, receipt. Each should be
    covered by the national offence, otherwise conduct limited to the missing act is not trafficking there."""
    for act in sorted(_protocol(library, "acts")):
        full = [o for o in profile.assessed() if o.elements and act in o.elements.acts]
        equated = {o.citation: words for o in profile.assessed() if o not in full and o.elements
                   and (words := _equated(profile, o, "act", act, o.elements.acts))}
        name = library.vocabulary.label(act)
        yield _spread(profile, library, c, f"act: {name}", full, equated, [],
                      f"the act of {name} is not named in the offence", name)


@check("palermo_protocol", "palermo.art3a.definition")
def means(profile: Profile, library: Library, c: Citation) -> Iterator[CheckResult]:
    """Where the law requires improper means for adult victims, every Art. 3(a) means should count; an offence that
    requires no means at all is broader than the Protocol and leaves no gap. Where the state has several offences,
    a means that counts for some of them only (say, fraud for sexual but not for labour exploitation) is partial."""
    offences = profile.assessed()
    for key in sorted(_protocol(library, "means")):
        wider = library.vocabulary.wider(key)  # a law naming the wider term covers this one
        full = [o for o in offences if o.elements and (o.elements.means_required_adults is False
                                                          or key in o.elements.means or wider in o.elements.means)]
        equated = {o.citation: words for o in offences if o not in full and o.elements
                   and (words := _equated(profile, o, "means", key, o.elements.means))}
        unknown = [o for o in offences if o.elements and o.elements.means_required_adults is None]
        partly = [o for o in offences if o.elements and o.elements.means_required_adults == "partial"
                  and o not in full]
        name = library.vocabulary.label(key)
        row = _spread(profile, library, c, f"means: {name}", full, equated, unknown,
                      f"{name} is not a means of the national offence", name)
        if row.status == "met" and all(o.elements and o.elements.means_required_adults is False for o in offences):
            row = row.model_copy(update={"message": "no means are required for adults: broader than the Protocol"})
        elif row.status == "gap" and partly:
            row = row.model_copy(update={"status": "partial", "message": f"{name} is not a means of the national "
                                         "offence (means are required in part of the offence only)"})
        yield row


@check("palermo_protocol", "palermo.art3a.definition")
def purposes(profile: Profile, library: Library, c: Citation) -> Iterator[CheckResult]:
    """Exploitation 'shall include, at a minimum' the prostitution of others or other sexual exploitation, forced
    labour or services, slavery or similar practices, servitude and the removal of organs (Art. 3(a)). A purpose
    the law reaches only through an open-ended notion of exploitation is partial: it rests on how courts read the
    clause, in the profile's own words."""
    offences = profile.assessed()
    for key in sorted(_protocol(library, "purposes")):
        name = library.vocabulary.label(key)
        full = [o for o in offences if o.elements and key in o.elements.purposes]
        equated = {o.citation: words for o in offences if o not in full and o.elements
                   and (words := _equated(profile, o, "purpose", key, o.elements.purposes))}
        for o in offences:
            if o not in full and o.citation not in equated and o.elements and o.elements.purposes_open_ended:
                said = o.elements.purposes_notes or "the list of purposes is open-ended"
                equated[o.citation] = [f"not listed; covered only through its open-ended notion of exploitation "
                                       f"({said})"]
        unknown = [o for o in offences if o.elements and o.elements.purposes_open_ended is None]
        row = _spread(profile, library, c, f"purpose: {name}", full, equated, unknown,
                      f"{name} is not a listed purpose", name)
        if row.status == "unknown" and unknown:
            row = row.model_copy(update={"message": f"{name} is not a listed purpose, and the profile does not say "
                                                    "whether the list is closed"})
        yield row


def _child_words(o: Offence, library: Library) -> str:
    child = o.elements.child if o.elements else None
    if child is None:
        return ""
    if child.no_means_purposes and not child.notes:
        return f"only for: {label(library, child.no_means_purposes)}"
    return child.notes or ("only for: " + label(library, child.no_means_purposes or []) if child.no_means_purposes
                           else "only in part (the profile does not say where)")


@check("palermo_protocol", "palermo.art3c.child")
def child_without_means(profile: Profile, library: Library, c: Citation) -> Iterator[CheckResult]:
    """For a child victim, the act and the purpose suffice: no means may be required (Art. 3(c)). Where only some
    of the state's offences dispense with means for children, children exploited in the other ways still need
    means proved: partial, explained in the profile's words."""
    element = "child victims need no means"
    offences = [o for o in profile.assessed() if o.elements]
    if not offences:
        yield result(c, element, "unknown", "the profile records no offence with elements")
        return
    rules = {o.citation: o.elements.child.means_required for o in offences if o.elements}
    first = offences[0].elements.child if offences[0].elements else None
    nat = national(profile, first.citation if first else None, first.verified if first else False,
                   first.notes if first else None) if len(offences) == 1 else definition_cite(profile)
    if all(r is False for r in rules.values()):
        yield result(c, element, "met", "no means required for child victims", nat)
    elif all(r is True for r in rules.values()):
        yield result(c, element, "gap", "means must be proved even for child victims", nat)
    elif all(r is None for r in rules.values()):
        yield result(c, element, "unknown", "the profile does not record the child rule", nat)
    elif any(r is False or r == "partial" for r in rules.values()):
        parts = []
        for o in offences:
            rule = rules[o.citation]
            if rule is False:
                parts.append(f"no means needed under {named(o)}")
            elif rule == "partial":
                parts.append(f"{o.citation}: means dispensed with for child victims {_child_words(o, library)}")
            elif rule is True:
                words = o.elements.child.notes if o.elements and o.elements.child.notes else ""
                parts.append(f"means must be proved for children under {named(o)}" + (f" ({words})" if words else ""))
            else:
                parts.append(f"{o.citation}: child rule not recorded")
        yield result(c, element, "partial", "; ".join(parts), nat)
    else:
        yield result(c, element, "unknown", "the profile records the child rule for only some offences", nat)


@check("palermo_protocol", "palermo.art3d.child_age")
def child_age(profile: Profile, library: Library, c: Citation) -> Iterator[CheckResult]:
    """A child is any person under eighteen (Art. 3(d)); a lower age leaves older children needing means."""
    offences = [o for o in profile.assessed() if o.elements]
    if not offences:
        yield result(c, "child means under 18", "unknown", "the profile records no offence with elements")
        return
    young = [o for o in offences if o.elements and o.elements.child.age_below < 18]
    ages = sorted({o.elements.child.age_below for o in offences if o.elements})
    first = (young or offences)[0].elements
    assert first is not None
    nat = national(profile, first.child.citation, first.child.verified, first.child.notes)
    yield result(c, "child means under 18", "gap" if young else "met",
                 f"children are persons under {' / '.join(str(a) for a in ages)}"
                 + (f" (under {', '.join(o.citation for o in young)})" if young and len(offences) > 1 else ""), nat)


def _consent_status(profile: Profile, o: Offence) -> tuple[CheckStatus, str]:
    e = o.elements
    assert e is not None
    clause = e.consent
    if clause.irrelevant is True:
        scope = {"all_victims": "for every victim, broader than Art. 3(b)",
                 "where_means_used": "where a means was used, as Art. 3(b)"}.get(clause.scope, clause.scope)
        return "met", f"express clause ({scope})"
    if clause.irrelevant is False:
        return "gap", "the law makes the victim's consent relevant"
    if e.means_required_adults is False:
        return "partial", "no express clause, but no means are required, so consent is no element of the offence"
    if clause.scope == "not_addressed" and clause.verified is True:
        return "gap", "the law as read has no clause making consent irrelevant (checked in the text)" + (
            f": {clause.notes}" if clause.notes else "")
    return "unknown", "no consent clause recorded, and its absence was not checked in the text" + (
        f" ({clause.notes})" if clause.notes else "")


@check("palermo_protocol", "palermo.art3b.consent")
def consent(profile: Profile, library: Library, c: Citation) -> Iterator[CheckResult]:
    """The victim's consent to the intended exploitation is irrelevant where any means was used (Art. 3(b)).
    An express clause spares prosecutors arguments about 'consent' given under deception or pressure; a clause the
    profile records as absent after reading the law is a gap, one nobody checked is unknown."""
    offences = [o for o in profile.assessed() if o.elements]
    if not offences:
        yield result(c, "consent irrelevant", "unknown", "the profile records no offence with elements")
        return
    found = {o.citation: _consent_status(profile, o) for o in offences}
    statuses = {s for s, _ in found.values()}
    first = offences[0].elements
    assert first is not None
    clause = next((o.elements.consent for o in offences if o.elements and o.elements.consent.citation), first.consent)
    nat = national(profile, clause.citation, clause.verified, clause.notes)
    if len(offences) == 1 or len(statuses) == 1:
        status, message = next(iter(found.values()))
        if len(offences) > 1:
            message = f"{message} (every offence)"
        yield result(c, "consent irrelevant", status, message, nat)
    else:
        overall: CheckStatus = "partial" if "met" in statuses or "partial" in statuses else "unknown"
        yield result(c, "consent irrelevant", overall, "; ".join(f"{cit}: {m}" for cit, (_, m) in found.items()), nat)


def _liability(profile: Profile, c: Citation, element: str, item: Liability | None) -> Iterator[CheckResult]:
    if item is None or not item.citation:
        yield result(c, element, "unknown", "not recorded in the profile")
    else:
        status: CheckStatus = "met" if item.verified is True else "partial"
        yield result(c, element, status, item.citation if status == "met" else f"{item.citation} (not verified)",
                     national(profile, item.citation, item.verified, item.notes))


@check("palermo_protocol", "palermo.art5.attempt")
def attempt(profile: Profile, library: Library, c: Citation) -> Iterator[CheckResult]:
    """Attempting the offence must be criminalised, subject to the basic concepts of the legal system (Art. 5(2)(a))."""
    yield from _liability(profile, c, "attempt", profile.ancillary_liability.attempt)


@check("palermo_protocol", "palermo.art5.accomplice")
def accomplice(profile: Profile, library: Library, c: Citation) -> Iterator[CheckResult]:
    """Participating as an accomplice must be criminalised (Art. 5(2)(b))."""
    yield from _liability(profile, c, "participation as an accomplice", profile.ancillary_liability.complicity)


@check("palermo_protocol", "palermo.art5.organising")
def organising(profile: Profile, library: Library, c: Citation) -> Iterator[CheckResult]:
    """Organising or directing other persons to commit the offence must be criminalised (Art. 5(2)(c))."""
    yield from _liability(profile, c, "organising or directing", profile.ancillary_liability.organising_directing)


@check("palermo_protocol", "palermo.art6.compensation")
def compensation(profile: Profile, library: Library, c: Citation) -> Iterator[CheckResult]:
    """The legal system must offer victims the possibility of obtaining compensation (Art. 6(6))."""
    comp = profile.victim_protection.compensation
    if comp.mechanisms:
        status: CheckStatus = "met" if comp.verified is True else "partial"
        yield result(c, "compensation", status, "; ".join(comp.mechanisms),
                     national(profile, comp.mechanisms[0], comp.verified))
    else:
        yield result(c, "compensation", "gap", "no compensation mechanism recorded")


@check("palermo_protocol", "palermo.art7.status", mandatory=False)
def residence_status(profile: Profile, library: Library, c: Citation) -> Iterator[CheckResult]:
    """States shall consider measures permitting victims to remain in their territory (Art. 7)."""
    permit = profile.victim_protection.residence_permit
    nat = national(profile, permit.citation, permit.verified, permit.notes)
    if permit.exists:
        yield result(c, "victims may remain", "met", permit.citation or "a residence permit exists", nat)
    else:
        yield result(c, "victims may remain", "unknown" if permit.exists is None else "gap",
                     "no residence permit for victims recorded", nat)


# --------------------------------------------------------------------------- UNTOC


def penalty_rows(profile: Profile, threshold: float) -> tuple[CheckStatus, str, Citation | None]:
    """Whether every trafficking offence's ordinary penalty reaches ``threshold`` years, offence by offence."""
    offences = profile.assessed()
    if not offences:
        return "unknown", "no offence with elements recorded", None
    parts: list[str] = []
    statuses: list[bool | None] = []
    for o in offences:
        tiers = ordinary(o)
        if not tiers:
            statuses.append(None)
            parts.append(f"{o.citation}: no penalty recorded")
            continue
        statuses.append(reaches(tiers, threshold))
        parts.append(f"{o.citation}: {'; '.join(describe(t) for t in tiers)}")
    status: CheckStatus = "gap" if False in statuses else ("unknown" if None in statuses else "met")
    tier = next((t for o in offences for t in ordinary(o)), None)
    nat = national(profile, tier.citation if tier else None, tier.verified if tier else False,
                   tier.notes if tier else None)
    message = "; ".join(parts) if len(offences) > 1 else parts[0].split(": ", 1)[1]
    if status == "unknown" and any(t.max_years is None and not t.life and t.min_years for o in offences
                                   for t in ordinary(o)):
        message += " — the law states a minimum and no maximum"
    return status, message, nat


@check("untoc", "untoc.art2.serious_crime")
def serious_crime(profile: Profile, library: Library, c: Citation) -> Iterator[CheckResult]:
    """Trafficking should be a 'serious crime': punishable by a maximum of at least four years (Art. 2(b)), so that
    the Convention's tools (participation offence, laundering, confiscation, cooperation) apply in full. A law that
    states only a minimum below four years and no maximum leaves this unknown."""
    status, message, nat = penalty_rows(profile, 4)
    yield result(c, "serious crime (max ≥ 4 years)", status, message, nat)


def _bases(profile: Profile) -> dict[str, Citation]:
    return {b.basis: Citation(source=profile.id, article=b.citation or "", text=b.conditions, verified=b.verified)
            for b in profile.jurisdiction.bases}


def basis_results(profile: Profile, c: Citation, wanted: dict[str, str], missing: CheckStatus
                  ) -> Iterator[CheckResult]:
    """One row per basis of jurisdiction wanted ('a|b': either will do)."""
    have = _bases(profile)
    for key, name in wanted.items():
        found = next((have[k] for k in key.split("|") if k in have), None)
        if found is not None:
            yield result(c, f"jurisdiction: {name}", "met" if found.verified is True else "partial",
                         found.article, found)
        else:
            yield result(c, f"jurisdiction: {name}", missing, "no such basis recorded in the profile")


@check("untoc", "untoc.art15.jurisdiction")
def mandatory_jurisdiction(profile: Profile, library: Library, c: Citation) -> Iterator[CheckResult]:
    """Each state shall establish jurisdiction over offences committed in its territory, on board a ship flying its
    flag or an aircraft registered under its laws (Art. 15(1))."""
    yield from basis_results(profile, c, {"territoriality": "territory",
                                          "flag_ship|universal_unconditional": "flag ship",
                                          "flag_aircraft|universal_unconditional": "registered aircraft"}, "unknown")


@check("untoc", "untoc.art15.jurisdiction", mandatory=False)
def optional_jurisdiction(profile: Profile, library: Library, c: Citation) -> Iterator[CheckResult]:
    """A state may also establish jurisdiction over offences against its nationals, by its nationals or by
    stateless persons resident in it (Art. 15(2)); without it, offences abroad may go unpunished."""
    yield from basis_results(profile, c, {"active_nationality|universal_unconditional": "offender a national",
                                          "passive_nationality|universal_unconditional": "victim a national"}, "gap")


@check("untoc", "untoc.art15.jurisdiction")
def aut_dedere(profile: Profile, library: Library, c: Citation) -> Iterator[CheckResult]:
    """Where a state does not extradite an offender present in its territory solely because he is a national, it
    shall be able to prosecute him (Art. 15(3), aut dedere aut judicare): this needs a nationality, presence or
    universal basis."""
    have = _bases(profile)
    keys = ("aut_dedere_aut_judicare", "active_nationality", "presence_of_offender", "universal_unconditional")
    found = [have[k] for k in keys if k in have]
    if found:
        yield result(c, "jurisdiction: extradite or prosecute", "met" if found[0].verified is True else "partial",
                     found[0].article, found[0])
    else:
        yield result(c, "jurisdiction: extradite or prosecute", "gap",
                     "no nationality, presence or aut dedere basis recorded")


@check("untoc", "untoc.art10.legal_persons")
def legal_persons(profile: Profile, library: Library, c: Citation) -> Iterator[CheckResult]:
    """Legal persons must be liable (criminal, civil or administrative) for offences involving an organised
    criminal group (Art. 10)."""
    corp = profile.corporate_liability
    nat = national(profile, corp.citation, corp.verified, corp.notes)
    if corp.exists:
        yield result(c, "liability of legal persons", "met" if corp.verified is True else "partial",
                     f"{corp.type or 'liability'}: {corp.citation}", nat)
    else:
        yield result(c, "liability of legal persons", "unknown" if corp.exists is None else "gap",
                     "no liability of legal persons recorded", nat)


# --------------------------------------------------------------------------- recommendations


def non_punishment_result(profile: Profile, c: Citation, element: str) -> CheckResult:
    """Whether the profile records a way not to punish victims for what they were compelled to do."""
    np = profile.non_punishment
    nat = national(profile, np.citation, np.verified, np.scope)
    if np.exists:
        status: CheckStatus = "met" if np.verified is True else "partial"
        return result(c, element, status, f"{np.form.replace('_', ' ')}: {np.citation}", nat)
    return result(c, element, "unknown" if np.exists is None else "gap",
                  np.scope or "no non-punishment provision found", nat)


@check("unodc_model_law", "modellaw.art10.non_punishment", mandatory=False, kind="recommendation")
def non_punishment_recommended(profile: Profile, library: Library, c: Citation) -> Iterator[CheckResult]:
    """Victims should not be punished or prosecuted for offences they were compelled to commit as a direct
    consequence of being trafficked. The Protocol has no express clause; the UNODC Model Law (Art. 10) and the
    Working Group on Trafficking in Persons of the UNTOC Conference of the Parties recommend one, and reviewers of
    Protocol parties look for it. A recommendation, not an obligation of the Protocol: it does not count in the
    score."""
    row = non_punishment_result(profile, c, "non-punishment of victims (recommended)")
    yield row.model_copy(update={"message": f"{row.message} — recommended, not required by the Protocol"})
