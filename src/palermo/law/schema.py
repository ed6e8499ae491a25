"""Palermo's law-data format: the vocabulary, instruments (version 1) and national profiles (version 2) as strict
pydantic models.

The format is documented in docs/law-profiles.md. Unknown fields are refused, so a typo never silently drops a fact.
A profile in version 2 lists its offences, and each offence that defines trafficking conduct carries its own
elements (acts, means, purposes, child rule, consent clause), penalty tiers as the law writes them and the
reductions the law provides. Version-1 profiles are read through ``palermo.law.migrate``.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from palermo.model import CaseOffence, Citation, Verified

__all__ = ["Verified"]

Tri = bool | Literal["partial"] | None
"""A legal yes/no that may be only partly true (`partial`) or not known (`null`)."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceRef(Strict):
    """Where a text was read: a URL, or a repository path at a commit."""

    title: str
    url: str | None = None
    repo: str | None = None
    path: str | None = None
    commit: str | None = None
    caveat: str | None = None


class VocabularyTerm(Strict):
    key: str
    label: str
    note: str | None = None
    form_of: str | None = None
    """The key of the wider term this one is a form of, by definition (kidnapping is a form of abduction): a law
    that names the wider term covers this one."""


class Vocabulary(Strict):
    """Controlled keys for acts, means, purposes, jurisdiction bases and aggravating circumstances."""

    version: Literal[1]
    acts: list[VocabularyTerm]
    acts_extra: list[VocabularyTerm]
    means: list[VocabularyTerm]
    means_extra: list[VocabularyTerm]
    purposes: list[VocabularyTerm]
    purposes_extra: list[VocabularyTerm]
    jurisdiction_bases: list[VocabularyTerm]
    aggravating_circumstances: list[VocabularyTerm]

    def keys(self, kind: str) -> set[str]:
        """All keys of one kind ('acts' includes 'acts_extra', and so on)."""
        terms: list[VocabularyTerm] = list(getattr(self, kind))
        if kind in ("acts", "means", "purposes"):
            terms += getattr(self, f"{kind}_extra")
        return {t.key for t in terms}

    def wider(self, key: str) -> str | None:
        """The wider term a key is a form of, if the vocabulary says so."""
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, list):
                for term in value:
                    if term.key == key and term.form_of:
                        return str(term.form_of)
        return None

    def label(self, key: str) -> str:
        """The human label of a key, or the key itself."""
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, list):
                for term in value:
                    if term.key == key:
                        return str(term.label)
        return key.replace("_", " ")


# --------------------------------------------------------------------------- instruments


class Event(Strict):
    """A dated event of an instrument (adoption, signature, entry into force, amendment)."""

    date: dt.date | None = None
    act: str | None = None
    by: str | None = None
    place: str | None = None
    article: str | None = None
    rule: str | None = None
    oj: str | None = None
    entry_into_force: dt.date | None = None
    transposition_deadline: dt.date | None = None
    verified: Verified | None = None
    rule_verified: Verified | None = None
    date_verified: Verified | None = None
    src: list[str] = []


class Provision(Strict):
    """One article of an instrument, with a stable key such as ``palermo.art5.attempt``."""

    article: str
    key: str
    topic: str
    summary: str
    data: dict[str, Any] = {}
    verified: Verified
    note: str | None = None
    src: list[str] = []


class InstrumentDefinition(Strict):
    """The instrument's definition of the offence (Palermo Art. 3 and its successors)."""

    article: str
    acts: list[str] = []
    acts_extra: list[str] = []
    acts_exhaustive: bool | None = None
    means: list[str] = []
    means_exhaustive: bool | None = None
    purposes: list[str] = []
    purposes_extra: list[str] = []
    purposes_minimum: bool | None = None
    mental_element: str | None = None
    consent_irrelevant_if_means: bool | None = None
    child_no_means_needed: bool | None = None
    child_no_means_exception: str | None = None
    child_age_below: int | None = None
    vulnerability_defined: str | None = None
    victim_defined: bool | None = None
    applies_to_national_and_transnational: bool | None = None
    summary: str | None = None
    note: str | None = None
    elements: list[str] = []
    exclusions_article: str | None = None
    exclusions: list[str] = []
    verified: Verified
    src: list[str] = []


class RelatedProvision(Strict):
    article: str
    summary: str
    verified: Verified
    src: list[str] = []


class Instrument(Strict):
    """An international instrument: treaty, protocol, EU directive or ILO convention."""

    version: Literal[1]
    id: str
    title: str
    short_title: str
    cite_as: str | None = None
    """How citations name the instrument ('Palermo Protocol, Art. 3'); default: the short title without its
    remarks in brackets."""
    type: Literal["treaty", "protocol", "eu_directive", "ilo_convention", "model_law"]
    """``model_law``: guidance that recommends, binding no state (the UNODC Model Law)."""
    adopted: Event | None = None
    opened_for_signature: Event | None = None
    entry_into_force: Event | None = None
    amended_by: list[Event] = []
    depositary: str | None = None
    monitoring: str | None = None
    open_to: str | None = None
    parties_note: str | None = None
    binding_on: str | None = None
    relation_to_untoc: RelatedProvision | None = None
    note: str | None = None
    verified: Verified
    src: list[str] = []
    definition: InstrumentDefinition | None = None
    provisions: list[Provision] = []
    sources: dict[str, SourceRef] = {}

    def provision(self, key: str) -> Provision:
        """The provision with this key (KeyError if the instrument has none)."""
        for p in self.provisions:
            if p.key == key:
                return p
        raise KeyError(key)

    @property
    def citation_name(self) -> str:
        """The instrument's name in citations: 'Palermo (Trafficking in Persons) Protocol' -> 'Palermo Protocol'."""
        return self.cite_as or " ".join(re.sub(r"\([^)]*\)", " ", self.short_title).split()) or self.short_title

    def cite(self, article: str, text: str | None = None, verified: Verified = True) -> Citation:
        """A citation of one of its articles, carrying the name people cite it by."""
        return Citation(source=self.id, article=article, text=text, verified=verified, title=self.citation_name)


# --------------------------------------------------------------------------- national profiles


class Participation(Strict):
    """A state's participation in a treaty; dates from the UN Treaty Collection where ``src`` says so."""

    signed: dt.date | None = None
    consent: dt.date | None = None
    type: str | None = None
    party: bool | None = None
    status_as_of: dt.date | None = None
    verified: Verified
    notes: str | None = None
    src: list[str] = []


class TreatyStatus(Strict):
    palermo_protocol: Participation | None = None
    untoc: Participation | None = None
    cets_197: Participation | None = None
    actip: Participation | None = None


OffenceRole = Literal[CaseOffence, "definition", "extraterritoriality"]


class ChildRule(Strict):
    """Who is a child and whether improper means must be proved for a child victim."""

    age_below: int = Field(ge=1, le=30)
    means_required: Tri
    no_means_purposes: list[str] | None = None
    citation: str | None = None
    notes: str | None = None
    verified: Verified


class ConsentClause(Strict):
    irrelevant: bool | None
    scope: Literal["all_victims", "where_means_used", "not_addressed"]
    citation: str | None = None
    notes: str | None = None
    verified: Verified



class Elements(Strict):
    """What one offence requires, in the Protocol's terms: the acts, the means (and whether an adult victim needs
    one), the purposes of exploitation, the child rule and the consent clause. Keys come from the vocabulary:
    Protocol keys and national ones (``obtaining``, ``abuse_of_legal_process`` ...) in the same lists."""

    acts: list[str]
    means: list[str] = []
    means_required_adults: Tri
    purposes: list[str]
    purposes_open_ended: bool | None = None
    """True where the law covers any exploitation ('exploitation includes at least ...')."""
    victim_under: int | None = Field(default=None, ge=1, le=30)
    """Set for an offence that protects only victims under this age (a child-trafficking offence)."""
    purposes_notes: str | None = None
    child: ChildRule
    consent: ConsentClause
    notes: str | None = None
    verified: Verified
    src: list[str] = []


PenaltyTierKind = Literal["basic", "aggravated", "lesser"]


class PenaltyTier(Strict):
    """One penalty range of an offence exactly as the law writes it: a minimum, a maximum, life or death. A bound
    the law does not state stays ``null``; nothing is inferred (a minimum is never a maximum).

    An aggravated tier applies when any one of its ``circumstances`` is established, and every one of ``also``.
    ``means`` and ``victim_under`` restate what its citation says a circumstance means: ``means_used`` counts only
    for the means listed (with none listed it is never assumed from the facts), ``child_victim`` for a victim under
    ``victim_under`` (default: the offence's child age)."""

    tier: PenaltyTierKind = "basic"
    circumstances: list[str] = []
    also: list[str] = []
    means: list[str] = []
    victim_under: int | None = Field(default=None, ge=1, le=30)
    grade: str | None = None
    min_years: float | None = Field(default=None, ge=0)
    max_years: float | None = Field(default=None, ge=0)
    life: bool | None = None
    death: bool | None = None
    fine: str | None = None
    citation: str | None = None
    notes: str | None = None
    verified: Verified
    src: list[str] = []

    @model_validator(mode="after")
    def _range(self) -> PenaltyTier:
        if self.min_years is not None and self.max_years is not None and self.min_years > self.max_years:
            raise ValueError(f"min_years {self.min_years} is above max_years {self.max_years}")
        if self.tier == "aggravated" and not self.circumstances:
            raise ValueError("an aggravated tier names the circumstances that trigger it")
        if self.tier == "basic" and (self.circumstances or self.also):
            raise ValueError("a basic tier has no circumstances: make it 'aggravated' or 'lesser'")
        return self


ReductionKind = Literal["attempt", "preparation", "conspiracy", "complicity", "cooperation",
                        "mitigating_circumstances", "other"]


class Reduction(Strict):
    """A lesser penalty the law provides and when it applies (attempt, preparation, cooperation with the
    authorities ...), as written: ``effect`` in the law's words; ``max_factor`` only where the law states the
    reduction as a share of the maximum (one third off: 0.667), or a range of its own."""

    applies_to: ReductionKind
    conditions: str | None = None
    effect: str | None = None
    max_factor: float | None = Field(default=None, gt=0, le=1)
    min_years: float | None = Field(default=None, ge=0)
    max_years: float | None = Field(default=None, ge=0)
    life: bool | None = None
    citation: str | None = None
    notes: str | None = None
    verified: Verified
    src: list[str] = []


class Offence(Strict):
    """A national offence. One that defines trafficking conduct (``elements``) is assessed on its own: a conduct
    is trafficking there when it meets every element of at least one offence."""

    key: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]*$")
    citation: str
    title: str
    role: OffenceRole
    verified: Verified
    src: list[str] = []
    elements: Elements | None = None
    penalties: list[PenaltyTier] = []
    reductions: list[Reduction] = []
    notes: str | None = None

    @model_validator(mode="after")
    def _keyed(self) -> Offence:
        if self.elements is not None and self.key is None:
            raise ValueError("an offence with elements needs a key (e.g. 'sex_trafficking')")
        return self


class Equivalence(Strict):
    """A term of a conduct that a national law covers under another word, as the profile's own notes say (US:
    'transfer' and 'receipt' are covered by 'obtains' and 'provides')."""

    kind: Literal["act", "means", "purpose"]
    term: str
    covered_by: list[str] = Field(min_length=1)
    offences: list[str] = []
    """Keys of the offences whose elements the equivalence reads; empty: every offence."""
    citation: str | None = None
    notes: str | None = None
    verified: Verified
    src: list[str] = []


class Liability(Strict):
    citation: str | None = None
    notes: str | None = None
    verified: Verified


class AncillaryLiability(Strict):
    attempt: Liability | None = None
    complicity: Liability | None = None
    organising_directing: Liability | None = None
    conspiracy: Liability | None = None
    preparation: Liability | None = None
    cooperation_incentive: Liability | None = None


class JurisdictionBasis(Strict):
    basis: str
    citation: str | None = None
    conditions: str | None = None
    dual_criminality_required: bool | None = None
    notes: str | None = None
    verified: Verified
    src: list[str] = []


class JurisdictionRules(Strict):
    bases: list[JurisdictionBasis]
    notes: str | None = None


class NonPunishment(Strict):
    exists: bool | None
    form: Literal[
        "statutory_defence", "statutory_exemption", "prosecutorial_discretion", "prosecution_guideline", "none_found"
    ]
    citation: str | None = None
    scope: str | None = None
    verified: Verified
    src: list[str] = []


class Referral(Strict):
    mechanism: str | None = None
    citation: str | None = None
    verified: Verified
    src: list[str] = []


class ReflectionPeriod(Strict):
    days: int | None = Field(default=None, ge=0)
    months: int | None = Field(default=None, ge=0)
    """Where the law counts the period in months ('three months'): the end date is counted in calendar months."""
    bound: Literal["exact", "at_least", "at_most"] | None = None
    """Whether the law gives the length exactly, as a minimum ('at least 30 days') or as a maximum."""
    starts: str | None = None
    """The event the period runs from, in the law's words (a positive reasonable-grounds decision ...)."""
    basis: str | None = None
    citation: str | None = None
    notes: str | None = None
    verified: Verified
    src: list[str] = []


class ResidencePermit(Strict):
    exists: bool | None
    conditional_on_cooperation: Tri = None
    conditions: str | None = None
    """The conditions of the permit in the law's words."""
    duration: str | None = None
    """How long the permit is granted for, as the law writes it ('one year, renewable')."""
    citation: str | None = None
    notes: str | None = None
    verified: Verified
    src: list[str] = []


class Compensation(Strict):
    mechanisms: list[str] = []
    citation: str | None = None
    notes: str | None = None
    verified: Verified
    src: list[str] = []


class VictimRight(Strict):
    """A victim's right under national law (information, legal aid, assistance): what it gives and on what
    conditions, in the law's words, with the provision that grants it."""

    summary: str
    conditions: str | None = None
    citation: str | None = None
    notes: str | None = None
    verified: Verified
    src: list[str] = []


class VictimProtection(Strict):
    identification_referral: Referral | None = None
    reflection_period: ReflectionPeriod
    residence_permit: ResidencePermit
    compensation: Compensation
    information: VictimRight | None = None
    legal_aid: VictimRight | None = None
    assistance: VictimRight | None = None


class CorporateLiability(Strict):
    exists: bool | None
    type: Literal["criminal", "administrative", "none", "general_only"] | None = None
    citation: str | None = None
    notes: str | None = None
    verified: Verified



class Profile(Strict):
    """A national anti-trafficking law profile, format version 2: one jurisdiction, one file."""

    version: Literal[2]
    id: str = Field(pattern=r"^[A-Z]{2}(-[A-Z0-9]{1,8})?$")
    name: str
    iso3166: str = Field(pattern=r"^[A-Z]{2}$")
    legal_tradition: str
    region: str
    eu_member: bool
    federal_note: str | None = None
    as_of: str
    verified: Verified
    verification_notes: str | None = None
    treaty_status: TreatyStatus
    offences: list[Offence]
    equivalences: list[Equivalence] = []
    penalty_notes: str | None = None
    aggravating_circumstances: list[str] = []
    ancillary_liability: AncillaryLiability
    jurisdiction: JurisdictionRules
    non_punishment: NonPunishment
    victim_protection: VictimProtection
    corporate_liability: CorporateLiability
    sources: dict[str, SourceRef] = {}
    open_questions: list[str] = []
    migration_notes: list[str] = []
    """What a migration from an older format did, for the reader to check (kept in the file)."""

    @model_validator(mode="after")
    def _offence_keys(self) -> Profile:
        keys = [o.key for o in self.offences if o.key is not None]
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        if dupes:
            raise ValueError(f"offence key {dupes[0]!r} is used twice")
        for i, eq in enumerate(self.equivalences):
            unknown = [k for k in eq.offences if k not in keys]
            if unknown:
                raise ValueError(f"equivalences[{i}].offences: no offence has the key {unknown[0]!r}")
        return self

    def assessed(self) -> list[Offence]:
        """The offences that define trafficking conduct (those with elements), in file order."""
        return [o for o in self.offences if o.elements is not None]

    def offence(self, key: str) -> Offence:
        """The offence with this key (KeyError if none)."""
        for o in self.offences:
            if o.key == key:
                return o
        raise KeyError(key)

    def offence_citation(self) -> str:
        """The citation of the offence(s) that define trafficking: '18 U.S.C. §1591; 18 U.S.C. §1590'."""
        core = [o.citation for o in self.assessed()]
        return "; ".join(core) or (self.offences[0].citation if self.offences else self.name)
