"""Gap analysis: where a national profile falls short of an international instrument.

Each check is a small function whose docstring is the explanation shown to users. A check yields one result per
obligation: `met`, `gap`, `partial` (met in part, or by a provision only partly verified) or `unknown` (the
profile does not record the fact). Mandatory checks ("shall") count towards the harmonisation score.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

from pydantic import Field

from palermo.law.library import Library
from palermo.law.schema import Instrument, Liability, Penalty, Profile
from palermo.model import Citation, Frozen

CheckStatus = Literal["met", "gap", "partial", "unknown"]


class CheckResult(Frozen):
    """One obligation of an instrument checked against one jurisdiction."""

    check: str
    instrument: str
    element: str
    status: CheckStatus
    mandatory: bool
    message: str
    instrument_citation: Citation
    national_citation: Citation | None = None


class GapReport(Frozen):
    """The gaps of one jurisdiction against one or more instruments."""

    jurisdiction: str
    jurisdiction_name: str
    instruments: list[str]
    results: list[CheckResult]
    notes: list[str] = Field(default_factory=list)

    @property
    def gaps(self) -> list[CheckResult]:
        return [r for r in self.results if r.status != "met"]


@dataclass(frozen=True)
class Check:
    name: str
    instrument: str
    provision: str
    mandatory: bool
    run: Callable[[Profile, Library, Citation], Iterator[CheckResult]]

    @property
    def explanation(self) -> str:
        return (self.run.__doc__ or "").strip()


CHECKS: list[Check] = []
ChecksFn = Callable[[Profile, Library, Citation], Iterator[CheckResult]]


def check(instrument: str, provision: str, *, mandatory: bool = True) -> Callable[[ChecksFn], ChecksFn]:
    """Register a gap check against ``provision`` (a provision key) of ``instrument``."""

    def register(fn: ChecksFn) -> ChecksFn:
        CHECKS.append(Check(fn.__name__, instrument, provision, mandatory, fn))
        return fn

    return register


def _cite(instrument: Instrument, key: str) -> Citation:
    p = instrument.provision(key)
    return instrument.cite(p.article, p.summary, p.verified)


def _national(profile: Profile, article: str | None, verified: object, text: str | None = None) -> Citation | None:
    if not article:
        return None
    flag = verified if verified in (True, False, "partial") else False
    return Citation(source=profile.id, article=article, text=text, verified=flag)


def _result(c: Citation, element: str, status: CheckStatus, message: str,
            national: Citation | None = None) -> CheckResult:
    # instrument, check name and mandatory flag are filled in by run_checks
    return CheckResult(check="", instrument=c.source, element=element, status=status, mandatory=True,
                       message=message, instrument_citation=c, national_citation=national)


def _definition(profile: Profile) -> Citation | None:
    d = profile.definition
    return _national(profile, profile.offence_citation(), d.verified, d.notes)


def _label(library: Library, keys: set[str]) -> str:
    return ", ".join(sorted(library.vocabulary.label(k) for k in keys))


# --------------------------------------------------------------------------- Palermo Protocol


@check("palermo_protocol", "palermo.art3a.definition")
def acts(profile: Profile, library: Library, c: Citation) -> Iterator[CheckResult]:
    """Art. 3(a) lists five acts: recruitment, transportation, transfer, harbouring, receipt. Each should be
    covered by the national offence, otherwise conduct limited to the missing act is not trafficking there."""
    required = set(library.instrument("palermo_protocol").definition.acts)  # type: ignore[union-attr]
    for act in sorted(required):
        ok = act in profile.definition.all_acts
        yield _result(c, f"act: {library.vocabulary.label(act)}", "met" if ok else "gap",
                      "covered" if ok else f"the act of {library.vocabulary.label(act)} is not named in the offence",
                      _definition(profile))


@check("palermo_protocol", "palermo.art3a.definition")
def means(profile: Profile, library: Library, c: Citation) -> Iterator[CheckResult]:
    """Where the law requires improper means for adult victims, every Art. 3(a) means should count; a law that
    requires no means at all is broader than the Protocol and has no gap here."""
    required = set(library.instrument("palermo_protocol").definition.means)  # type: ignore[union-attr]
    need = profile.definition.means_required_adults
    for key in sorted(required):
        label = f"means: {library.vocabulary.label(key)}"
        if need is False:
            yield _result(c, label, "met", "no means are required for adults: broader than the Protocol",
                          _definition(profile))
        elif key in profile.definition.all_means:
            yield _result(c, label, "met", "covered", _definition(profile))
        elif need is None:
            yield _result(c, label, "unknown", "not named, and the profile does not say whether means are required",
                          _definition(profile))
        else:
            status: CheckStatus = "gap" if need is True else "partial"
            yield _result(c, label, status, f"{library.vocabulary.label(key)} is not a means of the national offence"
                          + ("" if need is True else " (means are required in part of the offence only)"),
                          _definition(profile))


@check("palermo_protocol", "palermo.art3a.definition")
def purposes(profile: Profile, library: Library, c: Citation) -> Iterator[CheckResult]:
    """Exploitation 'shall include, at a minimum' the prostitution of others or other sexual exploitation, forced
    labour or services, slavery or similar practices, servitude and the removal of organs (Art. 3(a))."""
    required = set(library.instrument("palermo_protocol").definition.purposes)  # type: ignore[union-attr]
    d = profile.definition
    for key in sorted(required):
        label = f"purpose: {library.vocabulary.label(key)}"
        if key in d.all_purposes:
            yield _result(c, label, "met", "covered", _definition(profile))
        elif d.purposes_open_ended:
            yield _result(c, label, "met", "covered by an open-ended notion of exploitation", _definition(profile))
        else:
            yield _result(c, label, "gap" if d.purposes_open_ended is False else "unknown",
                          f"{library.vocabulary.label(key)} is not a listed purpose", _definition(profile))


@check("palermo_protocol", "palermo.art3c.child")
def child_without_means(profile: Profile, library: Library, c: Citation) -> Iterator[CheckResult]:
    """For a child victim, the act and the purpose suffice: no means may be required (Art. 3(c))."""
    child = profile.definition.child
    nat = _national(profile, child.citation, child.verified, child.notes)
    need = child.means_required
    if need is False:
        yield _result(c, "child victims need no means", "met", "no means required for child victims", nat)
    elif need == "partial":
        scope = _label(library, set(child.no_means_purposes or ())) or "some purposes"
        yield _result(c, "child victims need no means", "partial",
                      f"means are dispensed with for child victims only for: {scope}", nat)
    elif need is None:
        yield _result(c, "child victims need no means", "unknown", "the profile does not record the child rule", nat)
    else:
        yield _result(c, "child victims need no means", "gap", "means must be proved even for child victims", nat)


@check("palermo_protocol", "palermo.art3d.child_age")
def child_age(profile: Profile, library: Library, c: Citation) -> Iterator[CheckResult]:
    """A child is any person under eighteen (Art. 3(d)); a lower age leaves older children needing means."""
    child = profile.definition.child
    ok = child.age_below >= 18
    yield _result(c, "child means under 18", "met" if ok else "gap",
                  f"children are persons under {child.age_below}",
                  _national(profile, child.citation, child.verified, child.notes))


@check("palermo_protocol", "palermo.art3b.consent")
def consent(profile: Profile, library: Library, c: Citation) -> Iterator[CheckResult]:
    """The victim's consent to the intended exploitation is irrelevant where any means was used (Art. 3(b)).
    An express clause spares prosecutors arguments about 'consent' given under deception or pressure."""
    clause = profile.definition.consent
    nat = _national(profile, clause.citation, clause.verified, clause.notes)
    if clause.irrelevant is True:
        yield _result(c, "consent irrelevant", "met", f"express clause ({clause.scope.replace('_', ' ')})", nat)
    elif profile.definition.means_required_adults is False:
        yield _result(c, "consent irrelevant", "partial",
                      "no express clause, but no means are required, so consent is no element of the offence", nat)
    else:
        yield _result(c, "consent irrelevant", "gap" if clause.irrelevant is False or clause.verified else "unknown",
                      "no express clause making consent irrelevant", nat)


def _liability(profile: Profile, c: Citation, element: str, item: Liability | None) -> Iterator[CheckResult]:
    if item is None or not item.citation:
        yield _result(c, element, "unknown", "not recorded in the profile")
    else:
        status: CheckStatus = "met" if item.verified is True else "partial"
        yield _result(c, element, status, item.citation if status == "met" else f"{item.citation} (not verified)",
                      _national(profile, item.citation, item.verified, item.notes))


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
        yield _result(c, "compensation", status, "; ".join(comp.mechanisms),
                      _national(profile, comp.mechanisms[0], comp.verified))
    else:
        yield _result(c, "compensation", "gap", "no compensation mechanism recorded")


@check("palermo_protocol", "palermo.art7.status", mandatory=False)
def residence_status(profile: Profile, library: Library, c: Citation) -> Iterator[CheckResult]:
    """States shall consider measures permitting victims to remain in their territory (Art. 7)."""
    permit = profile.victim_protection.residence_permit
    nat = _national(profile, permit.citation, permit.verified, permit.notes)
    if permit.exists:
        yield _result(c, "victims may remain", "met", permit.citation or "a residence permit exists", nat)
    else:
        yield _result(c, "victims may remain", "unknown" if permit.exists is None else "gap",
                      "no residence permit for victims recorded", nat)


# --------------------------------------------------------------------------- UNTOC


def effective_max(p: Penalty) -> float | None:
    """The highest term a penalty allows, in years: infinity for life, the minimum when no maximum is fixed."""
    if p.life or p.death:
        return float("inf")
    if p.max_years is not None:
        return p.max_years
    return p.min_years


def fmt_years(years: float | None) -> str:
    """Render years for people: '5 years', '6 months', 'life', 'not fixed'."""
    if years is None:
        return "not fixed"
    if years == float("inf"):
        return "life"
    if years < 1:
        return f"{round(years * 12)} months"
    return f"{years:g} year" if years == 1 else f"{years:g} years"


@check("untoc", "untoc.art2.serious_crime")
def serious_crime(profile: Profile, library: Library, c: Citation) -> Iterator[CheckResult]:
    """Trafficking should be a 'serious crime': punishable by a maximum of at least four years (Art. 2(b)), so that
    the Convention's tools (participation offence, laundering, confiscation, cooperation) apply in full."""
    basic = profile.penalties.basic
    top = effective_max(basic)
    nat = _national(profile, basic.citation, profile.penalties.verified, basic.notes)
    if top is None:
        yield _result(c, "serious crime (max ≥ 4 years)", "unknown", "the basic maximum is not recorded", nat)
    else:
        yield _result(c, "serious crime (max ≥ 4 years)", "met" if top >= 4 else "gap",
                      f"basic maximum {fmt_years(top)}", nat)


def _bases(profile: Profile) -> dict[str, Citation]:
    return {b.basis: Citation(source=profile.id, article=b.citation or "", text=b.conditions, verified=b.verified)
            for b in profile.jurisdiction.bases}


def _basis_results(profile: Profile, c: Citation, wanted: dict[str, str], missing: CheckStatus
                   ) -> Iterator[CheckResult]:
    have = _bases(profile)
    for key, label in wanted.items():
        alternatives = key.split("|")
        found = next((have[k] for k in alternatives if k in have), None)
        if found is not None:
            yield _result(c, f"jurisdiction: {label}", "met" if found.verified is True else "partial",
                          found.article, found)
        else:
            yield _result(c, f"jurisdiction: {label}", missing, "no such basis recorded in the profile")


@check("untoc", "untoc.art15.jurisdiction")
def mandatory_jurisdiction(profile: Profile, library: Library, c: Citation) -> Iterator[CheckResult]:
    """Each state shall establish jurisdiction over offences committed in its territory, on board a ship flying its
    flag or an aircraft registered under its laws (Art. 15(1))."""
    yield from _basis_results(profile, c, {"territoriality": "territory", "flag_ship|universal_unconditional": "flag ship",
                                           "flag_aircraft|universal_unconditional": "registered aircraft"}, "unknown")


@check("untoc", "untoc.art15.jurisdiction", mandatory=False)
def optional_jurisdiction(profile: Profile, library: Library, c: Citation) -> Iterator[CheckResult]:
    """A state may also establish jurisdiction over offences against its nationals, by its nationals or by
    stateless persons resident in it (Art. 15(2)); without it, offences abroad may go unpunished."""
    yield from _basis_results(profile, c, {"active_nationality|universal_unconditional": "offender a national",
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
        yield _result(c, "jurisdiction: extradite or prosecute", "met" if found[0].verified is True else "partial",
                      found[0].article, found[0])
    else:
        yield _result(c, "jurisdiction: extradite or prosecute", "gap",
                      "no nationality, presence or aut dedere basis recorded")


@check("untoc", "untoc.art10.legal_persons")
def legal_persons(profile: Profile, library: Library, c: Citation) -> Iterator[CheckResult]:
    """Legal persons must be liable (criminal, civil or administrative) for offences involving an organised
    criminal group (Art. 10)."""
    corp = profile.corporate_liability
    nat = _national(profile, corp.citation, corp.verified, corp.notes)
    if corp.exists:
        yield _result(c, "liability of legal persons", "met" if corp.verified is True else "partial",
                      f"{corp.type or 'liability'}: {corp.citation}", nat)
    else:
        yield _result(c, "liability of legal persons", "unknown" if corp.exists is None else "gap",
                      "no liability of legal persons recorded", nat)


# --------------------------------------------------------------------------- CETS 197


@check("cets_197", "cets197.art13.reflection")
def reflection_period(profile: Profile, library: Library, c: Citation) -> Iterator[CheckResult]:
    """A recovery and reflection period of at least 30 days, during which the victim may not be expelled (Art. 13)."""
    period = profile.victim_protection.reflection_period
    nat = _national(profile, period.citation, period.verified, period.basis)
    if period.days is None:
        yield _result(c, "reflection period ≥ 30 days", "gap", "no reflection period recorded", nat)
    elif period.days >= 30:
        yield _result(c, "reflection period ≥ 30 days", "met" if period.verified is True else "partial",
                      f"{period.days} days", nat)
    else:
        yield _result(c, "reflection period ≥ 30 days", "gap", f"only {period.days} days", nat)


@check("cets_197", "cets197.art14.residence")
def residence_permit(profile: Profile, library: Library, c: Citation) -> Iterator[CheckResult]:
    """A renewable residence permit where the victim's personal situation or cooperation requires it (Art. 14)."""
    permit = profile.victim_protection.residence_permit
    nat = _national(profile, permit.citation, permit.verified, permit.notes)
    if not permit.exists:
        yield _result(c, "residence permit", "unknown" if permit.exists is None else "gap", "none recorded", nat)
    elif permit.conditional_on_cooperation is True:
        yield _result(c, "residence permit", "partial",
                      "only for victims who cooperate: Art. 14 also requires one on personal grounds", nat)
    else:
        yield _result(c, "residence permit", "met" if permit.verified is True else "partial",
                      permit.citation or "exists", nat)


@check("cets_197", "cets197.art15.compensation")
def compensation_cets(profile: Profile, library: Library, c: Citation) -> Iterator[CheckResult]:
    """A right to compensation from perpetrators, and a guarantee of compensation, e.g. by a fund (Art. 15)."""
    yield from compensation(profile, library, c)


@check("cets_197", "cets197.art26.non_punishment")
def non_punishment(profile: Profile, library: Library, c: Citation) -> Iterator[CheckResult]:
    """The possibility of not imposing penalties on victims for unlawful activities they were compelled to do
    (Art. 26)."""
    np = profile.non_punishment
    nat = _national(profile, np.citation, np.verified, np.scope)
    if np.exists:
        status: CheckStatus = "met" if np.verified is True else "partial"
        yield _result(c, "non-punishment of victims", status, f"{np.form.replace('_', ' ')}: {np.citation}", nat)
    else:
        yield _result(c, "non-punishment of victims", "unknown" if np.exists is None else "gap",
                      np.scope or "no non-punishment provision found", nat)


@check("cets_197", "cets197.art31.jurisdiction")
def nationality_jurisdiction(profile: Profile, library: Library, c: Citation) -> Iterator[CheckResult]:
    """Jurisdiction over offences committed by nationals and against nationals (Art. 31(1)(d)-(e); a reservation
    is possible)."""
    yield from _basis_results(profile, c, {"active_nationality|universal_unconditional": "offender a national",
                                           "passive_nationality|universal_unconditional": "victim a national"}, "gap")


@check("cets_197", "cets197.art24.aggravating")
def aggravating(profile: Profile, library: Library, c: Citation) -> Iterator[CheckResult]:
    """Aggravating circumstances: life endangered, child victim, public official, criminal organisation (Art. 24)."""
    have = set(profile.aggravating_circumstances)
    for p in profile.penalties.aggravated:
        have |= set(p.circumstances)
    wanted = {"endangering_life": ("endangering_life",), "child victim": ("child_victim", "child_under_14_15_16"),
              "public official": ("public_official",), "criminal organisation": ("criminal_organisation_or_group",)}
    for label, keys in wanted.items():
        ok = bool(have & set(keys))
        yield _result(c, f"aggravating: {label.replace('_', ' ')}", "met" if ok else "gap",
                      "provided" if ok else "not an aggravating circumstance in the profile")


# --------------------------------------------------------------------------- EU Directive 2011/36/EU


@check("eu_directive_2011_36", "eu.art2.definition")
def eu_purposes(profile: Profile, library: Library, c: Citation) -> Iterator[CheckResult]:
    """Exploitation includes begging and criminal activities (2011), and since Directive 2024/1712 the exploitation
    of surrogacy, forced marriage and illegal adoption; control may be exchanged or transferred (Art. 2(1), (3))."""
    d = profile.definition
    for key in ("forced_begging", "forced_criminality", "forced_marriage", "illegal_adoption", "surrogacy_exploitation"):
        ok = key in d.all_purposes or bool(d.purposes_open_ended)
        yield _result(c, f"purpose: {library.vocabulary.label(key)}", "met" if ok else "gap",
                      "covered" if ok else "not a listed purpose", _definition(profile))
    ok = "transfer_or_exchange_of_control" in d.all_acts
    yield _result(c, "act: exchange or transfer of control", "met" if ok else "gap",
                  "covered" if ok else "not named in the offence", _definition(profile))


@check("eu_directive_2011_36", "eu.art4.penalties")
def eu_penalty_floors(profile: Profile, library: Library, c: Citation) -> Iterator[CheckResult]:
    """A maximum penalty of at least five years, and at least ten years where the victim was particularly
    vulnerable (at least every child), within a criminal organisation, when life was endangered, or with
    particularly serious violence or harm (Art. 4(1)-(2))."""
    pen = profile.penalties
    basic = effective_max(pen.basic)
    nat = _national(profile, pen.basic.citation, pen.verified)
    if basic is None:
        yield _result(c, "basic maximum ≥ 5 years", "unknown", "basic maximum not recorded", nat)
    else:
        yield _result(c, "basic maximum ≥ 5 years", "met" if basic >= 5 else "gap", f"{fmt_years(basic)}", nat)
    floors = {"child victim": ("child_victim", "particularly_vulnerable_victim", "child_under_14_15_16"),
              "criminal organisation": ("criminal_organisation_or_group",), "life endangered": ("endangering_life",),
              "serious violence or harm": ("serious_harm_or_violence",)}
    for label, keys in floors.items():
        tiers = [p for p in pen.aggravated if set(p.circumstances) & set(keys)]
        tops = [t for t in (effective_max(p) for p in tiers) if t is not None] + ([basic] if basic else [])
        top = max(tops) if tops else None
        where = next((p.citation for p in tiers), None) or pen.basic.citation
        if top is None:
            yield _result(c, f"maximum ≥ 10 years: {label}", "unknown", "not recorded", _national(profile, where, pen.verified))
        else:
            yield _result(c, f"maximum ≥ 10 years: {label}", "met" if top >= 10 else "gap", fmt_years(top),
                          _national(profile, where, pen.verified))


@check("eu_directive_2011_36", "eu.art8.non_punishment")
def eu_non_punishment(profile: Profile, library: Library, c: Citation) -> Iterator[CheckResult]:
    """Authorities must be entitled not to prosecute or penalise victims for crimes they were compelled to commit
    as a direct consequence of being trafficked (Art. 8)."""
    yield from non_punishment(profile, library, c)


@check("eu_directive_2011_36", "eu.art10.jurisdiction")
def eu_jurisdiction(profile: Profile, library: Library, c: Citation) -> Iterator[CheckResult]:
    """Jurisdiction where the offence was committed in whole or in part in the territory, or by a national
    (Art. 10(1))."""
    yield from _basis_results(profile, c, {"territoriality": "territory",
                                           "active_nationality|universal_unconditional": "offender a national"}, "gap")


# --------------------------------------------------------------------------- running


def applicable_instruments(profile: Profile) -> list[str]:
    """The instruments a jurisdiction is measured against by default: the Protocol and UNTOC always, CETS 197
    for its parties and the EU Directive for EU member states."""
    out = ["palermo_protocol", "untoc"]
    cets = profile.treaty_status.cets_197
    if cets is not None and cets.party:
        out.append("cets_197")
    if profile.eu_member:
        out.append("eu_directive_2011_36")
    return out


def run_checks(profile: Profile, library: Library, instrument: str) -> list[CheckResult]:
    """Run every check of one instrument against a profile."""
    inst = library.instrument(instrument)
    results = []
    for chk in (c for c in CHECKS if c.instrument == instrument):
        cite = _cite(inst, chk.provision)
        for r in chk.run(profile, library, cite):
            results.append(r.model_copy(update={"check": chk.name, "instrument": instrument,
                                                "mandatory": chk.mandatory}))
    return results


def gaps(profile: Profile, library: Library, instruments: list[str] | None = None) -> GapReport:
    """Check a jurisdiction against instruments (default: those that bind it) and report every result."""
    chosen = instruments or applicable_instruments(profile)
    notes = []
    known = {c.instrument for c in CHECKS}
    for key in chosen:
        library.instrument(key)
        if key not in known:
            notes.append(f"{key}: no gap checks are defined for this instrument yet")
    if "cets_197" in chosen and not (profile.treaty_status.cets_197 and profile.treaty_status.cets_197.party):
        notes.append(f"{profile.name} is not recorded as a party to CETS 197: its checks are a benchmark only.")
    if "eu_directive_2011_36" in chosen:
        if not profile.eu_member:
            notes.append(f"{profile.name} is not an EU member state: the Directive's checks are a benchmark only.")
        notes.append("Directive 2024/1712 had to be transposed by 2026-07-15; profile texts may predate it "
                     f"(profile as of: {profile.as_of}).")
    results = [r for key in chosen for r in run_checks(profile, library, key)]
    return GapReport(jurisdiction=profile.id, jurisdiction_name=profile.name, instruments=chosen,
                     results=results, notes=notes)
