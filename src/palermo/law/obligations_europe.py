"""Gap checks against the Council of Europe Convention (CETS 197) and the EU Anti-Trafficking Directive.

Each function is one check; its docstring is the explanation a prosecutor or drafter reads beside the result.
"""

from __future__ import annotations

from collections.abc import Iterator

from palermo.law.checks import CheckResult, CheckStatus, check, definition_cite, national, result
from palermo.law.library import Library
from palermo.law.obligations import basis_results, compensation, non_punishment_result, penalty_rows
from palermo.law.penalties import describe, ordinary, reaches
from palermo.law.schema import Profile
from palermo.model import Citation

# --------------------------------------------------------------------------- CETS 197


@check("cets_197", "cets197.art13.reflection")
def reflection_period(profile: Profile, library: Library, c: Citation) -> Iterator[CheckResult]:
    """A recovery and reflection period of at least 30 days, during which the victim may not be expelled (Art. 13)."""
    period = profile.victim_protection.reflection_period
    nat = national(profile, period.citation, period.verified, period.basis)
    if period.days is None:
        yield result(c, "reflection period ≥ 30 days", "gap", "no reflection period recorded", nat)
    elif period.days >= 30:
        yield result(c, "reflection period ≥ 30 days", "met" if period.verified is True else "partial",
                     f"{period.days} days", nat)
    else:
        yield result(c, "reflection period ≥ 30 days", "gap", f"only {period.days} days", nat)


@check("cets_197", "cets197.art14.residence")
def residence_permit(profile: Profile, library: Library, c: Citation) -> Iterator[CheckResult]:
    """A renewable residence permit where the victim's personal situation or cooperation requires it (Art. 14)."""
    permit = profile.victim_protection.residence_permit
    nat = national(profile, permit.citation, permit.verified, permit.notes)
    if not permit.exists:
        yield result(c, "residence permit", "unknown" if permit.exists is None else "gap", "none recorded", nat)
    elif permit.conditional_on_cooperation is True:
        yield result(c, "residence permit", "partial",
                     "only for victims who cooperate: Art. 14 also requires one on personal grounds", nat)
    else:
        yield result(c, "residence permit", "met" if permit.verified is True else "partial",
                     permit.citation or "exists", nat)


@check("cets_197", "cets197.art15.compensation")
def compensation_cets(profile: Profile, library: Library, c: Citation) -> Iterator[CheckResult]:
    """A right to compensation from perpetrators, and a guarantee of compensation, e.g. by a fund (Art. 15)."""
    yield from compensation(profile, library, c)


@check("cets_197", "cets197.art26.non_punishment")
def non_punishment(profile: Profile, library: Library, c: Citation) -> Iterator[CheckResult]:
    """The possibility of not imposing penalties on victims for unlawful activities they were compelled to do
    (Art. 26)."""
    yield non_punishment_result(profile, c, "non-punishment of victims")


@check("cets_197", "cets197.art31.jurisdiction")
def nationality_jurisdiction(profile: Profile, library: Library, c: Citation) -> Iterator[CheckResult]:
    """Jurisdiction over offences committed by nationals and against nationals (Art. 31(1)(d)-(e); a reservation
    is possible)."""
    yield from basis_results(profile, c, {"active_nationality|universal_unconditional": "offender a national",
                                          "passive_nationality|universal_unconditional": "victim a national"}, "gap")


def _circumstances(profile: Profile) -> set[str]:
    have = set(profile.aggravating_circumstances)
    for o in profile.offences:
        for t in o.penalties:
            have |= set(t.circumstances)
    return have


@check("cets_197", "cets197.art24.aggravating")
def aggravating(profile: Profile, library: Library, c: Citation) -> Iterator[CheckResult]:
    """Aggravating circumstances: life endangered, child victim, public official, criminal organisation (Art. 24)."""
    have = _circumstances(profile)
    wanted = {"endangering life": ("endangering_life",), "child victim": ("child_victim", "child_under_14_15_16"),
              "public official": ("public_official",), "criminal organisation": ("criminal_organisation_or_group",)}
    for name, keys in wanted.items():
        ok = bool(have & set(keys))
        yield result(c, f"aggravating: {name}", "met" if ok else "gap",
                     "provided" if ok else "not an aggravating circumstance in the profile")


# --------------------------------------------------------------------------- EU Directive 2011/36/EU


@check("eu_directive_2011_36", "eu.art2.definition")
def eu_purposes(profile: Profile, library: Library, c: Citation) -> Iterator[CheckResult]:
    """Exploitation includes begging and criminal activities (2011), and since Directive 2024/1712 the exploitation
    of surrogacy, forced marriage and illegal adoption; control may be exchanged or transferred (Art. 2(1), (3)).
    A purpose reached only through an open-ended notion of exploitation is partial."""
    offences = [o.elements for o in profile.assessed() if o.elements]
    listed = {p for e in offences for p in e.purposes}
    open_words = [e.purposes_notes or "open-ended list" for e in offences if e.purposes_open_ended]
    nat = definition_cite(profile)
    for key in ("forced_begging", "forced_criminality", "forced_marriage", "illegal_adoption", "surrogacy_exploitation"):
        name = library.vocabulary.label(key)
        if key in listed:
            yield result(c, f"purpose: {name}", "met", "covered", nat)
        elif open_words:
            yield result(c, f"purpose: {name}", "partial",
                         f"not listed; covered only through an open-ended notion of exploitation ({open_words[0]})", nat)
        else:
            yield result(c, f"purpose: {name}", "gap", "not a listed purpose", nat)
    ok = any("transfer_or_exchange_of_control" in e.acts for e in offences)
    yield result(c, "act: exchange or transfer of control", "met" if ok else "gap",
                 "covered" if ok else "not named in the offence", nat)


@check("eu_directive_2011_36", "eu.art4.penalties")
def eu_penalty_floors(profile: Profile, library: Library, c: Citation) -> Iterator[CheckResult]:
    """A maximum penalty of at least five years, and at least ten years where the victim was particularly
    vulnerable (at least every child), within a criminal organisation, when life was endangered, or with
    particularly serious violence or harm (Art. 4(1)-(2))."""
    status, message, nat = penalty_rows(profile, 5)
    yield result(c, "basic maximum ≥ 5 years", status, message, nat)
    floors = {"child victim": ("child_victim", "particularly_vulnerable_victim", "child_under_14_15_16"),
              "criminal organisation": ("criminal_organisation_or_group",), "life endangered": ("endangering_life",),
              "serious violence or harm": ("serious_harm_or_violence",)}
    offences = profile.assessed()
    for name, keys in floors.items():
        found: CheckStatus = "met"
        parts = []
        cited = None
        for o in offences:
            tiers = [t for t in o.penalties if t.tier == "aggravated" and set(t.circumstances) & set(keys)]
            usable = tiers + ordinary(o)
            reached = reaches(usable, 10) if usable else None
            found = "gap" if reached is False or found == "gap" else ("unknown" if reached is None else found)
            parts.append(f"{o.citation}: " + ("; ".join(describe(t) for t in tiers) if tiers else
                                              "no aggravated tier; " + ("; ".join(describe(t) for t in ordinary(o))
                                                                        or "no penalty recorded")))
            if cited is None and tiers:
                cited = national(profile, tiers[0].citation, tiers[0].verified, tiers[0].notes)
        if not offences:
            found, parts = "unknown", ["no offence with elements recorded"]
        message = "; ".join(parts) if len(offences) > 1 else (parts[0].split(": ", 1)[-1])
        yield result(c, f"maximum ≥ 10 years: {name}", found, message, cited or nat)


@check("eu_directive_2011_36", "eu.art8.non_punishment")
def eu_non_punishment(profile: Profile, library: Library, c: Citation) -> Iterator[CheckResult]:
    """Authorities must be entitled not to prosecute or penalise victims for crimes they were compelled to commit
    as a direct consequence of being trafficked (Art. 8)."""
    yield non_punishment_result(profile, c, "non-punishment of victims")


@check("eu_directive_2011_36", "eu.art10.jurisdiction")
def eu_jurisdiction(profile: Profile, library: Library, c: Citation) -> Iterator[CheckResult]:
    """Jurisdiction where the offence was committed in whole or in part in the territory, or by a national
    (Art. 10(1))."""
    yield from basis_results(profile, c, {"territoriality": "territory",
                                          "active_nationality|universal_unconditional": "offender a national"}, "gap")
