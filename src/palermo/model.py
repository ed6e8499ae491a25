"""Shared vocabulary of Palermo: frozen pydantic values that cross module boundaries.

People, organisations, accounts and trips are FollowTheMoney entities referenced by ID; the types here are the
legal and case-domain records around them.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, computed_field, model_validator

from palermo.errors import InvalidInput

Verified = bool | Literal["partial"]
StateCode = str
STATE_PATTERN = r"^[A-Z]{2}(-[A-Z0-9]{1,8})?$"


def invalid(exc: ValidationError, prefix: str = "") -> InvalidInput:
    """A pydantic validation error as InvalidInput naming the first bad field."""
    first = exc.errors()[0]
    loc = ".".join(str(p) for p in (prefix, *first["loc"]) if p != "")
    message = str(first["msg"]).removeprefix("Value error, ")
    return InvalidInput(f"{loc}: {message}" if loc else message)


class Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --------------------------------------------------------------------------- conduct (the facts of a case)


class Victim(Frozen):
    """A victim as the law needs to know them: age at the time of the acts (or only that they were a minor),
    nationality, residence, consent, and the means and purposes that concern this victim when they differ."""

    age: int | None = Field(default=None, ge=0, le=120, description="age in years at the time of the acts; null if unknown")
    minor: bool | None = Field(default=None, description="under 18 at the time of the acts, when the exact age is not "
                                                         "known; null if unknown")
    nationality: str | None = Field(default=None, pattern=STATE_PATTERN)
    residence: str | None = Field(default=None, pattern=STATE_PATTERN, description="state of habitual residence")
    consent_given: bool | None = Field(default=None, description="did the victim consent to the intended exploitation?")
    means: list[str] | None = Field(default=None, description="means used against this victim, instead of the "
                                                              "conduct's means; null = the conduct's")
    purposes: list[str] | None = Field(default=None, description="purposes for this victim, instead of the conduct's "
                                                                 "purposes; null = the conduct's")

    @model_validator(mode="after")
    def _age_and_minor(self) -> Victim:
        if self.age is not None and self.minor is not None and self.minor != (self.age < 18):
            raise ValueError(f"minor: {str(self.minor).lower()} contradicts age {self.age}")
        return self


class Offender(Frozen):
    """An alleged offender: a natural or a legal person."""

    kind: Literal["natural", "legal"] = "natural"
    nationality: str | None = Field(default=None, pattern=STATE_PATTERN)
    residence: str | None = Field(default=None, pattern=STATE_PATTERN)
    stateless: bool = False
    established_in: str | None = Field(default=None, pattern=STATE_PATTERN, description="for a legal person")
    present_in: list[str] = Field(default=[], description="states where the offender is found")

    @model_validator(mode="after")
    def _consistent(self) -> Offender:
        if self.stateless and self.nationality:
            raise ValueError("an offender cannot be stateless and have a nationality")
        if self.kind == "natural" and self.established_in:
            raise ValueError("established_in is for legal persons (kind: legal)")
        return self


class Conduct(Frozen):
    """A described conduct: what was done, how, for what purpose, to whom, by whom and where.

    ``null`` means a fact is not known; an empty list means it is known that there was none.
    """

    version: Literal[1] = 1
    title: str = "Conduct"
    summary: str | None = None
    reference: str | None = Field(default=None, description="public source of the facts, e.g. a judgment")
    acts: list[str] | None = None
    means: list[str] | None = None
    purposes: list[str] | None = None
    victims: list[Victim] = []
    offenders: list[Offender] = []
    places: list[str] = Field(default=[], description="states in whose territory any act took place")
    effects_in: list[str] = Field(default=[], description="states where the conduct was prepared/directed or had effects")
    vessel_flag: str | None = Field(default=None, pattern=STATE_PATTERN)
    aircraft_registry: str | None = Field(default=None, pattern=STATE_PATTERN)
    date_from: date | None = None
    date_to: date | None = None
    stage: Literal["completed", "attempt", "preparation"] = Field(
        default="completed", description="completed acts, an attempt, or preparation only")
    circumstances: list[str] | None = Field(
        default=None, description="aggravating circumstances established (vocabulary keys); null = not examined")

    @model_validator(mode="after")
    def _dates(self) -> Conduct:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError(f"date_from {self.date_from} is after date_to {self.date_to}")
        return self


# --------------------------------------------------------------------------- explained answers


class Citation(Frozen):
    """A pointer to the law relied on: an instrument article or a national provision, with its verification.
    `source` and `article` are the machine keys; `reference` and `label` are what a person reads."""

    source: str = Field(description="instrument id (e.g. palermo_protocol), jurisdiction id (e.g. DE) or the "
                                    "title of another source")
    article: str
    text: str | None = None
    verified: Verified = True
    title: str | None = Field(default=None, description="how people name the instrument in a citation, e.g. "
                                                        "'Palermo Protocol'; none for a national provision")

    @property
    def national(self) -> bool:
        """Is this a national provision (its source a jurisdiction id such as DE or GB-EAW)?"""
        return re.fullmatch(STATE_PATTERN, self.source) is not None

    @property
    def reference(self) -> str:
        """The citation as a person writes it: 'Palermo Protocol, Art. 3(a)'; a national provision keeps its own
        text ('18 U.S.C. §1591', 'StGB §232'); another source is 'title, locator'."""
        if self.national:
            return self.article or self.source
        name = self.title or self.source
        if not self.article:
            return name
        return f"{name}, {article_ref(self.article)}" if self.title else f"{name}, {self.article}"

    @property
    def flag(self) -> str:
        """How far the text was checked, for display: '' (verified), 'partly verified' or 'UNVERIFIED'."""
        return "" if self.verified is True else ("partly verified" if self.verified == "partial" else "UNVERIFIED")

    @computed_field  # type: ignore[prop-decorator]  # pydantic's documented way to serialise a property
    @property
    def label(self) -> str:
        """The reference with its verification flag, e.g. 'Palermo Protocol, Art. 3(a) [UNVERIFIED]'."""
        return f"{self.reference} [{self.flag}]" if self.flag else self.reference

    @model_validator(mode="before")
    @classmethod
    def _computed_is_not_input(cls, data: Any) -> Any:
        """A citation's own JSON reads back: its label is derived, never stored."""
        if isinstance(data, dict) and "label" in data:
            return {k: v for k, v in data.items() if k != "label"}
        return data


def file_name(value: str, limit: int = 100) -> str:
    """``value`` as a file name a download can carry: letters, digits, '-', '_' and '.' kept, anything else '_'."""
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in value)[:limit]


def article_ref(article: str) -> str:
    """'3(a)' -> 'Art. 3(a)', '13-16' -> 'Arts. 13-16'; a part that is no article ('preamble') stays as it is."""
    if not article[:1].isdigit():
        return article
    several = re.search(r"\d\s*(?:[-–,]|and)\s*\d", re.sub(r"\([^)]*\)", "", article))
    return f"{'Arts.' if several else 'Art.'} {article}"


Status = Literal["met", "not_met", "undetermined", "not_required"]
Verdict = Literal["yes", "no", "undetermined"]


class Finding(Frozen):
    """One step of reasoning: an element of the offence (or a condition) and whether the facts meet it."""

    element: str
    status: Status
    explanation: str
    citations: list[Citation] = []
    missing: list[str] = Field(default=[], description="facts that would settle an undetermined element")
    offence: str | None = Field(default=None, description="the national offence this element belongs to, by its "
                                                          "citation; none for an instrument's definition")


# --------------------------------------------------------------------------- case workspace records

CaseStatus = Literal["open", "suspended", "closed"]
Handling = Literal["owner", "named", "agencies"]
"""Who may see a case outside its owning agency: nobody; named users; or whole agencies it is shared with."""
CaseRole = Literal["suspect", "victim", "witness", "associate"]
CASE_ROLES: tuple[CaseRole, ...] = get_args(CaseRole)
CaseOffence = Literal["core_trafficking", "child_trafficking", "exploitation_offence", "ancillary"]
"""The law engine's offence kinds a case can be about (a profile's offences carry one of these roles)."""
OFFENCE_KINDS: tuple[CaseOffence, ...] = get_args(CaseOffence)
AgencyKind = Literal["police", "prosecution", "central_authority", "fiu", "victim_services", "ngo",
                     "international_organisation", "monitoring_body"]
AGENCY_KINDS: tuple[AgencyKind, ...] = get_args(AgencyKind)


class CaseDraft(Frozen):
    """What a user gives to open a case."""

    reference: str = Field(min_length=1, max_length=120, pattern=r"^[A-Za-z0-9][A-Za-z0-9 ._/:-]*$")
    title: str = Field(min_length=1, max_length=300)
    summary: str = Field(default="", max_length=20000)
    jurisdictions: list[str] = Field(default=[], description="ISO codes of the states whose law applies")
    offences: list[CaseOffence] = Field(default=[], description="law-engine offence kinds, e.g. core_trafficking")
    status: CaseStatus = "open"
    handling: Handling = "named"

    @model_validator(mode="after")
    def _codes(self) -> CaseDraft:
        import re

        for code in self.jurisdictions:
            if not re.match(STATE_PATTERN, code):
                raise ValueError(f"jurisdictions: {code!r} is not an ISO 3166 code such as 'GB'")
        return self


class Case(Frozen):
    """A case as its readers see it."""

    id: str
    reference: str
    title: str
    summary: str
    owner_agency: str
    jurisdictions: list[str]
    offences: list[CaseOffence]
    status: CaseStatus
    handling: Handling
    version: int
    access: Literal["owner", "write", "read"]
    created_by: str
    created_at: str
    updated_at: str


class Entity(Frozen):
    """An FtM entity in a case with Palermo's record around it: provenance, roles and version."""

    id: str
    schema_: str = Field(alias="schema", serialization_alias="schema")
    caption: str
    label: str = Field(description="what to show: the caption, or for a relationship 'source → target (caption)'")
    properties: dict[str, list[str]]
    countries: list[str]
    roles: list[CaseRole]
    protected: bool = Field(description="a victim's identity: sealed at rest, shown by pseudonym unless revealed")
    revealed: bool = False
    source: str
    version: int
    created_by: str
    created_at: str
    updated_at: str


class EntityPage(Frozen):
    """A page of a case's entities in caption order, with the filtered total and the cursor of the next page."""

    items: list[Entity]
    total: int
    limit: int
    offset: int
    next: str | None = Field(default=None, description="pass as `after` for the next page; null on the last page")


class Note(Frozen):
    """A note on a case or on one of its entities."""

    id: int
    entity_id: str | None
    body: str
    created_by: str
    created_at: str


class TimelineEvent(Frozen):
    """A dated event on a case's timeline (a year, a month or a day)."""

    date: str = Field(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$", description="YYYY, YYYY-MM or YYYY-MM-DD")
    summary: str = Field(min_length=1, max_length=2000)
    entity_ids: list[str] = []
    source: Literal["event", "entity"] = "event"


class Attachment(Frozen):
    """A file attached to a case, stored by its SHA-256."""

    id: int
    sha256: str
    filename: str
    media_type: str
    size: int
    created_by: str
    created_at: str


class SearchHit(Frozen):
    """A search result: an entity or a note of a case the user may see."""

    case_reference: str
    kind: Literal["entity", "note"]
    ref: str
    caption: str
    schema_: str | None = Field(default=None, alias="schema", serialization_alias="schema")


class ImportReport(Frozen):
    """What an FtM import did."""

    case_reference: str
    read: int
    created: int
    merged: int


# --------------------------------------------------------------------------- financial intelligence


class Alert(Frozen):
    """A red flag raised by one typology rule on one account (or shared identifier), with its exact evidence."""

    id: str = Field(description="stable: the same rule, subject and evidence always give the same id")
    rule: str
    title: str
    weight: float = Field(gt=0, le=1)
    subject: str = Field(description="the account (or 'phone:...' identifier) the red flag is about")
    accounts: tuple[str, ...] = Field(description="every account in the evidence, the subject included")
    transactions: tuple[str, ...] = Field(description="IDs of the transactions that triggered the rule")
    first_at: datetime | None = None
    last_at: datetime | None = None
    metric: float = Field(description="the rule's measure: count, amount or parties, as its explanation says")
    citations: tuple[Citation, ...]
    pack: str = Field(description="typology pack and version that raised it")
    status: Literal["open", "escalated", "dismissed"] = Field(
        default="open", description="the analyst's review: open, escalated (filed or reported), dismissed")
    reviewed_by: str | None = None
    reviewed_at: datetime | None = None
    review_reason: str | None = None


class Risk(Frozen):
    """An account's combined score: 1 - product of (1 - weight) over the distinct rules that flagged it."""

    subject: str
    score: float = Field(ge=0, le=1)
    rules: tuple[str, ...]
    alerts: int


# --------------------------------------------------------------------------- evidence and its custody

ExhibitKind = Literal["physical", "digital"]
CustodyKind = Literal["seizure", "intake", "transfer", "examination", "derivative", "seal", "unseal", "share_abroad",
                      "return", "destruction"]
CUSTODY_KINDS: tuple[CustodyKind, ...] = get_args(CustodyKind)
ExhibitStatus = Literal["held", "shared_abroad", "returned", "destroyed"]


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("give the time with its time zone, e.g. 2026-03-01T14:30:00+01:00")
    return moment


class ExhibitDraft(Frozen):
    """What an officer registers when evidence is seized or received: the first link of its chain of custody."""

    label: str = Field(min_length=1, max_length=120, pattern=r"^[A-Za-z0-9][A-Za-z0-9 ./:_-]*$",
                       description="the exhibit reference, e.g. 'JD/1' (officer's initials and number)")
    description: str = Field(min_length=1, max_length=4000)
    kind: ExhibitKind
    legal_basis: str = Field(min_length=1, max_length=300, description="warrant, order or power of seizure")
    seized_in: str = Field(pattern=STATE_PATTERN, description="state where it was seized (ISO 3166)")
    seized_at: datetime = Field(description="when it was seized or received, with its time zone")
    place: str = Field(min_length=1, max_length=300, description="where it was seized or received")
    holder: str = Field(min_length=1, max_length=300, description="who holds it now (person or store)")
    seal: str | None = Field(default=None, max_length=120, description="seal or bag number of a physical exhibit")
    location: str | None = Field(default=None, max_length=300, description="storage location")
    attachment_id: int | None = Field(default=None, description="a digital exhibit's file among the attachments")
    purpose: str = Field(default="seizure as evidence", max_length=1000)

    @model_validator(mode="after")
    def _consistent(self) -> ExhibitDraft:
        _aware(self.seized_at)
        if self.kind == "digital" and self.attachment_id is None:
            raise ValueError("a digital exhibit needs its file: attach it to the case and give attachment_id")
        if self.kind == "physical" and self.attachment_id is not None:
            raise ValueError("a physical exhibit has no file; register the file as a digital exhibit")
        return self


class CustodyAct(Frozen):
    """Something done to an exhibit that its chain of custody must show: by whom (the signed-in user), when it
    happened, where, why, and the details its kind requires."""

    kind: CustodyKind
    occurred: datetime = Field(description="when it happened, with its time zone")
    place: str = Field(min_length=1, max_length=300)
    purpose: str = Field(min_length=1, max_length=1000)
    details: dict[str, str] = Field(default={}, description="what this kind of act records (see docs/evidence.md)")

    @model_validator(mode="after")
    def _aware_time(self) -> CustodyAct:
        _aware(self.occurred)
        return self


class Exhibit(Frozen):
    """An exhibit as its readers see it, with where it stands in its chain of custody."""

    id: str
    label: str
    description: str
    kind: ExhibitKind
    seal: str | None
    location: str | None
    sha256: str | None
    attachment_id: int | None
    legal_basis: str
    seized_in: str
    seized_at: str
    parent_id: str | None
    status: ExhibitStatus
    holder: str
    events: int
    created_by: str
    created_at: str


class CustodyEntry(Frozen):
    """One signed event of a case's custody log, as stored: its place in the log, what it says and who signed."""

    seq: int
    exhibit_id: str
    kind: CustodyKind
    recorded: str = Field(description="when it was signed and appended (the log's clock)")
    occurred: str
    actor: dict[str, str]
    place: str
    purpose: str
    details: dict[str, Any]
    key_id: str
    leaf_hash: str


# --------------------------------------------------------------------------- victims, consent, referrals

ConsentPurpose = Literal["services", "disclosure", "sharing_abroad", "proceedings", "statistics"]
CONSENT_PURPOSES: tuple[ConsentPurpose, ...] = get_args(ConsentPurpose)
ServiceKind = Literal["shelter", "medical", "psychological", "legal_aid", "interpretation", "compensation_claim",
                      "return", "residence_permit"]
SERVICE_KINDS: tuple[ServiceKind, ...] = get_args(ServiceKind)
ReferralStatus = Literal["sent", "accepted", "declined", "completed", "withdrawn"]
Sex = Literal["female", "male", "other"]


class Identity(Frozen):
    """Who the person is: sealed at rest under the agency's key, read only with a reason."""

    names: list[str] = Field(min_length=1, description="names the person uses, first the one to address them by")
    birth_date: date | None = None
    documents: list[str] = Field(default=[], description="identity documents, e.g. 'passport RO 0512345'")
    contacts: list[str] = Field(default=[], description="phone numbers, addresses, e-mail")
    notes: str = Field(default="", max_length=4000)


class VictimRecordDraft(Frozen):
    """What a worker records when they open a victim's record (with the person present, or from a referral)."""

    identity: Identity
    jurisdiction: str = Field(pattern=STATE_PATTERN, description="the state where the person is now (whose law "
                                                                 "gives their rights)")
    language: str = Field(default="en", pattern=r"^[a-z]{2,3}$", description="the language they were informed in")
    sex: Sex | None = None
    citizenship: str | None = Field(default=None, pattern=STATE_PATTERN)
    minor: bool | None = Field(default=None, description="under 18 when exploited, if known without a birth date")
    case: str | None = Field(default=None, description="the case they are part of, if any (reference)")
    entity_id: str | None = Field(default=None, description="their person in that case, if any")
    identified_on: date | None = Field(default=None, description="the date of the decision the law counts the "
                                                                 "victim's periods from (e.g. a positive "
                                                                 "reasonable-grounds decision), when known")


class VictimRecord(Frozen):
    """A victim's record as its readers see it: a pseudonym, never the identity."""

    id: str
    pseudonym: str
    agency: str
    case_reference: str | None
    entity_id: str | None
    jurisdiction: str
    language: str
    profile: dict[str, Any]
    identified_on: date | None = None
    version: int
    created_at: str
    identity: Identity | None = Field(default=None, description="only when revealed, with a reason (audited)")


class ConsentEntry(Frozen):
    """Consent given or withdrawn for one purpose (and recipient), when, in which language, recorded by whom."""

    purpose: ConsentPurpose
    recipient: str
    given: bool
    informed_in: str
    note: str
    recorded_by: str
    recorded_at: str


ScreeningStatus = Literal["draft", "completed"]


class Screening(Frozen):
    """An identification screening as stored: a draft saved as the answers come, then completed with its result.
    The answers and the result are sealed at rest and only opened on request (audited)."""

    id: str
    indicator_set: str
    language: str = Field(description="the language the questions were asked in")
    status: ScreeningStatus
    recommendation: str | None = Field(description="once completed: refer, interview or none")
    victim_id: str | None
    pseudonym: str | None
    version: int
    created_by: str
    created_at: str
    updated_at: str
    answers: dict[str, Any] | None = Field(default=None, description="only when opened")
    result: dict[str, Any] | None = Field(default=None, description="only when opened, once completed")


class Referral(Frozen):
    """A referral of a person to a service, with its status as both sides update it."""

    id: str
    victim_id: str
    pseudonym: str
    service: ServiceKind
    from_agency: str
    to_agency: str | None
    to_name: str
    to_state: str
    status: ReferralStatus
    due: str | None
    overdue: bool
    note: str
    override_reason: str | None
    created_at: str
    updated_at: str
    history: list[dict[str, Any]] = []


OutboxStatus = Literal["previewed", "approved", "sealed", "delivered", "failed"]


class Withheld(Frozen):
    """Something the sender chose that stays behind: what it is (by caption or pseudonym), the rule and why."""

    kind: str
    id: str
    label: str
    rule: str
    reason: str


class Removed(Frozen):
    """Values removed from an entity before it leaves: the entity (by caption or pseudonym), the property, how
    many values, the rule and why."""

    entity: str
    label: str
    property: str
    values: int
    rule: str
    reason: str


class Leaving(Frozen):
    """An entity that would leave (shown by caption, or pseudonym for a protected person), with its roles and the
    number of properties that travel."""

    id: str
    schema_: str = Field(alias="schema", serialization_alias="schema")
    label: str
    roles: list[str]
    properties: int


class OutboxEntry(Frozen):
    """An exchange prepared in a case: to whom, under which agreement and for what purpose, what leaves and what
    stays behind (with reasons), and where it stands (previewed, approved, sealed, delivered or failed)."""

    id: str
    case_reference: str
    agreement: str
    agreement_sha256: str
    recipient: str
    recipient_state: str
    purpose: str
    reference: str | None
    status: OutboxStatus
    handling: str
    handling_explained: list[str]
    retention_days: int
    counts: dict[str, int]
    entities: list[Leaving] = []
    notes: int = 0
    attachments: list[str] = []
    exhibits: list[str] = []
    withheld: list[Withheld] = []
    removed: list[Removed] = []
    warnings: list[str] = []
    rules: dict[str, str] = {}
    created_by: str
    created_at: str
    approved_by: str | None = None
    approved_at: str | None = None
    sent_at: str | None = None
    nonce: str | None = None
    bundle_sha256: str | None = None
    bundle_size: int | None = None
    error: str | None = None


class InboxEntry(Frozen):
    """A bundle received and imported: who sent it under which agreement, for what purpose and handling code, the
    case it became, the custody records' verification, and until when it may be kept."""

    id: str
    nonce: str
    sender: str
    sender_state: str
    agreement: str
    agreement_sha256: str
    purpose: str
    handling: str
    reference: str | None
    counts: dict[str, int]
    custody: list[dict[str, Any]]
    via: str
    case_reference: str | None
    status: Literal["imported", "deleted"]
    received_at: str
    retention_until: str
    deleted_at: str | None = None


class TeamMember(Frozen):
    """An agency in a joint investigation team, its state, and what it contributed to the team's case."""

    agency: str
    state: str
    role: str
    contributions: dict[str, int]


class Team(Frozen):
    """A joint investigation team's space: the shared case, the JIT agreement, the members and until when they
    have access."""

    case_reference: str
    agreement: str
    agreement_sha256: str
    expires_at: str
    expired: bool
    closed_at: str | None
    members: list[TeamMember]


class LinkageRun(Frozen):
    """An agency's side of a privacy-preserving linkage with a partner: where it stands, the summary (records on
    each side, how many matched), once revealed its own persons that matched beside the partner's pseudonymous
    references, and the message to carry to the partner next, if any."""

    exchange: str
    case_reference: str
    partner: str
    matcher: bool
    status: Literal["proposed", "encoded", "to_confirm", "confirmed", "declined", "revealed"]
    records: list[int] | None = None
    matched: int | None = None
    matches: list[dict[str, str]] = []
    outgoing: str | None = Field(default=None, description="the signed message to carry to the partner (JSON)")
