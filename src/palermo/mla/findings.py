"""The legal findings a request carries, each computed by the law engine (never written by hand) with the citations
and verification flags the engine gives: both states' participation in UNTOC and the Protocol, the legal basis that
follows from it, the assessment of the conduct against the Protocol and each state's law, dual criminality, whether
the offence is a serious crime (UNTOC Art. 2(b)) in each state, and jurisdiction (UNTOC Art. 15)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Literal

from followthemoney import registry
from pydantic import Field

from palermo.errors import NotFound
from palermo.law import Assessment, DualCriminality, JurisdictionReport, Library, assess, dual_criminality, jurisdiction
from palermo.law.library import UNTC_AS_OF
from palermo.law.penalties import fmt_years
from palermo.law.schema import Profile
from palermo.mla.sources import cite
from palermo.mla.terms import BasisKind, Kind
from palermo.model import Citation, Conduct, Frozen, Verified

Treaty = Literal["untoc", "palermo_protocol"]
SERIOUS_YEARS = 4.0
"""UNTOC Art. 2(b): a serious crime is punishable by a maximum deprivation of liberty of at least four years."""
UNTC_CHAPTERS: dict[Treaty, str] = {"untoc": "chapter XVIII-12", "palermo_protocol": "chapter XVIII-12-a"}


class Participation(Frozen):
    """A state's recorded participation in a treaty: a party (consent given, as at the date of the record), or not
    recorded as one (it may have joined since: never read as 'not a party' unless the record says so)."""

    state: str
    instrument: Treaty
    party: bool | None
    consent: date | None = None
    as_of: date | None = None
    citation: Citation


class Basis(Frozen):
    """A legal basis of the request: computed from both states' participation (UNTOC), or named by the drafter (a
    treaty, reciprocity), which Palermo records as given and marks as not checked."""

    kind: BasisKind
    title: str
    computed: bool
    established: bool | None = Field(description="computed bases: both states are parties (true), one is recorded "
                                                 "as not a party (false), or the record is silent (null)")
    explanation: str
    citations: list[Citation]


class SeriousCrime(Frozen):
    """Whether the penalty of the offence the conduct meets in one state reaches four years (UNTOC Art. 2(b))."""

    state: str
    name: str
    reaches: bool | None
    penalty: str = Field(description="the penalty as the engine writes it (English)")
    max_years: float | None = Field(default=None, description="the highest maximum in years; null if life or unstated")
    life: bool = False
    explanation: str
    citations: list[Citation]


class Claimed(Frozen):
    """A basis the drafter names (a bilateral or other treaty, reciprocity, domestic law), with the words relied on
    and whether they were checked against the text."""

    kind: Literal["bilateral_treaty", "multilateral_treaty", "reciprocity", "domestic_law"]
    title: str = Field(min_length=1, max_length=300)
    article: str | None = Field(default=None, max_length=60)
    text: str | None = Field(default=None, max_length=4000, description="the words relied on, quoted")
    verified: Verified = Field(default=False, description="were the words checked against the treaty's text?")


class Findings(Frozen):
    """Everything the law engine says about a request's conduct between its two states."""

    kind: Kind
    requesting: str
    requested: str
    participation: list[Participation]
    bases: list[Basis]
    protocol: Assessment
    assessments: list[Assessment] = Field(description="the conduct under each profiled state's law")
    dual_criminality: DualCriminality | None
    serious_crime: list[SeriousCrime]
    jurisdiction: JurisdictionReport
    unprofiled: list[str] = Field(description="states of the request without a law profile")
    notes: list[str] = Field(default_factory=list)

    def assessment(self, state: str) -> Assessment | None:
        """The assessment under one state's law by its profile id (``requesting``/``requested``), if profiled."""
        return next((a for a in self.assessments if a.target == state), None)


def profile_of(state: str, library: Library) -> Profile | None:
    """The law profile of a state (by profile id or ISO code), or None; a broken profile is an error."""
    try:
        return library.profile(state)
    except NotFound:
        return None


def _participant(code: str, instrument: Treaty, library: Library) -> Participation:
    for row in library.treaty_tables.get(instrument, []):
        found = registry.country.clean(row.participant.split("(")[0].strip())
        if found and found.upper() == code:
            return Participation(state=code, instrument=instrument, party=True if row.consent else None,
                                 consent=row.consent, as_of=UNTC_AS_OF, citation=Citation(
                                     source="UN Treaty Collection", article=UNTC_CHAPTERS[instrument],
                                     text=f"participant {row.participant}: "
                                          + (f"{row.consent_type} {row.consent}" if row.consent else "signature only")
                                          + f" (status as at {UNTC_AS_OF})", verified=True))
    return Participation(state=code, instrument=instrument, party=None, as_of=UNTC_AS_OF, citation=Citation(
        source="UN Treaty Collection", article=UNTC_CHAPTERS[instrument],
        text=f"not among the participants as at {UNTC_AS_OF}", verified=True))


def participation(state: str, instrument: Treaty, library: Library) -> Participation:
    """A state's participation as its law profile records it (with the profile's flag), else as the UN Treaty
    Collection table of January 2014 does."""
    profile = profile_of(state, library)
    record = getattr(profile.treaty_status, instrument) if profile is not None else None
    if profile is None or record is None:
        code = profile.iso3166 if profile is not None else state.upper()[:2]
        return _participant(code, instrument, library)
    party = False if record.party is False else (True if record.party or record.consent else None)
    said = (f"{record.type or 'consent'} {record.consent}" if record.consent else
            ("recorded as not a party" if record.party is False else "no consent recorded"))
    return Participation(state=profile.id, instrument=instrument, party=party, consent=record.consent,
                         as_of=record.status_as_of, citation=Citation(
                             source=f"Palermo law profile {profile.id}", article=f"treaty_status.{instrument}",
                             text=said + (f"; {record.notes}" if record.notes else ""), verified=record.verified))


def _untoc_basis(kind: Kind, parts: list[Participation], library: Library) -> Basis:
    """UNTOC as the basis: both states parties to the Convention and to the Protocol (whose Art. 5 offences are
    Convention offences, Protocol Art. 1)."""
    untoc, protocol = library.instrument("untoc"), library.instrument("palermo_protocol")
    key = "untoc.art16.extradition" if kind == "extradition" else "untoc.art18.mla"
    main = untoc.provision(key)
    relation = protocol.relation_to_untoc
    citations = [untoc.cite(main.article, main.summary, main.verified)]
    if relation is not None:
        citations.append(protocol.cite(relation.article, relation.summary, relation.verified))
    citations.append(cite("untoc.16.4") if kind == "extradition" else cite("untoc.18.3"))
    answers = [p.party for p in parts]
    established = False if False in answers else (True if all(answers) else None)

    def said(p: Participation) -> str:
        name = "UNTOC" if p.instrument == "untoc" else "the Protocol"
        if p.party:
            since = f" since {p.consent}" if p.consent else ""
            return f"{p.state} is a party to {name}{since} ({p.citation.reference})"
        return f"{p.state} is {'recorded as not' if p.party is False else 'not recorded as'} a party to {name}"

    text = "; ".join(said(p) for p in parts)
    if established:
        text += (". Between parties to both, the Protocol's offences are offences covered by the Convention "
                 f"(Protocol Art. {relation.article if relation else '1'}), and UNTOC "
                 f"Art. {'16' if kind == 'extradition' else '18'} applies to the request.")
    else:
        text += (". UNTOC can be the basis only between parties: confirm both states' status with the UN Treaty "
                 "Collection, or name another basis.")
    return Basis(kind="untoc", title=untoc.citation_name, computed=True, established=established,
                 explanation=text, citations=citations)


def _claimed_basis(claim: Claimed) -> Basis:
    citation = Citation(source=claim.title, article=claim.article or "", text=claim.text, verified=claim.verified,
                        title=claim.title)
    return Basis(kind=claim.kind, title=claim.title, computed=False, established=None,
                 explanation="named by the drafter; Palermo holds neither this basis's text nor its parties, so it "
                             "is shown as given" + ("" if claim.verified is True else ", its words not checked"),
                 citations=[citation])


def _serious(conduct: Conduct, state: str, library: Library) -> SeriousCrime:
    test = dual_criminality(conduct, state, state, library, kind="extradition",
                            threshold_years=SERIOUS_YEARS).states[0]
    cites = ([test.penalty_citation] if test.penalty_citation else []) + [cite("untoc.2.b")]
    top = {"max_years": test.penalty.max_years, "life": test.penalty.life} if test.penalty else {}
    if test.assessment.verdict == "no":
        return SeriousCrime(state=test.state, name=test.name, reaches=None, penalty=test.max_penalty, **top,
                            explanation=f"the conduct is not an offence in {test.name} as profiled", citations=cites)
    reaches = test.penalty_ok
    word = {True: "reaches", False: "does not reach", None: "may or may not reach"}[reaches]
    return SeriousCrime(state=test.state, name=test.name, reaches=reaches, penalty=test.max_penalty, **top,
                        explanation=f"{', '.join(test.offences) or 'the offence'}: {test.max_penalty}; {word} "
                                    f"{fmt_years(SERIOUS_YEARS)} (UNTOC Art. 2(b))", citations=cites)


def compute(kind: Kind, conduct: Conduct, requesting: str, requested: str, library: Library, *,
            threshold_years: float = 1.0, claimed: Sequence[Claimed] = ()) -> Findings:
    """Every finding of a request between ``requesting`` and ``requested`` about ``conduct``, from the law engine;
    ``threshold_years`` is the minimum penalty for extradition the applicable treaty or law sets (UNTOC Art. 16(7))."""
    profiles = {s: profile_of(s, library) for s in (requesting, requested)}
    ids = {s: (p.id if p is not None else s.upper()) for s, p in profiles.items()}
    parts = [participation(s, t, library) for t in ("untoc", "palermo_protocol") for s in (requesting, requested)]
    bases = [_untoc_basis(kind, parts, library), *(_claimed_basis(c) for c in claimed)]
    profiled = [s for s, p in profiles.items() if p is not None]
    unprofiled = [ids[s] for s, p in profiles.items() if p is None]
    notes = [f"No law profile for {s}: its law is not assessed and dual criminality cannot be computed "
             "(add a profile: docs/law-profiles.md)." for s in unprofiled]
    dc = None
    if not unprofiled:
        dc = dual_criminality(conduct, requesting, requested, library, kind=kind, threshold_years=threshold_years)
    return Findings(
        kind=kind, requesting=ids[requesting], requested=ids[requested], participation=parts, bases=bases,
        protocol=assess(conduct, "palermo_protocol", library),
        assessments=[assess(conduct, s, library) for s in profiled], dual_criminality=dc,
        serious_crime=[_serious(conduct, s, library) for s in profiled], jurisdiction=jurisdiction(conduct, library),
        unprofiled=unprofiled, notes=notes)
