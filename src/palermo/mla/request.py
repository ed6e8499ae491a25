"""A request as values: what the drafter writes (``Content``: authorities, proceedings, facts, persons by
pseudonymous reference, the assistance sought or the person whose extradition is sought, legal bases named,
grounds of refusal pre-empted, confidentiality, urgency, language) and the ``Request`` that adds the conduct, the
findings the law engine computed from it, and the status with its history.

Persons appear by their case reference only: names are given to the renderer when a document is printed, never
stored in a request.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, model_validator

from palermo.mla.findings import Claimed, Findings
from palermo.mla.terms import CONCERN_PERSONS, Form, Ground, Kind, Language, Stage, Status
from palermo.model import STATE_PATTERN, Conduct, Frozen

Ref = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,79}$",
                           description="the person's pseudonymous reference in the case, e.g. 'P-0042'")]
State = Annotated[str, Field(pattern=STATE_PATTERN)]
Text = Annotated[str, Field(min_length=1, max_length=20000)]
Line = Annotated[str, Field(min_length=1, max_length=500)]
PersonRole = Literal["suspect", "victim", "witness", "associate", "person_sought", "other"]


class Authority(Frozen):
    """A requesting or requested authority: its state, name, functions, address and the contact who handles the
    request; for the requested side, the languages it accepts (UNTOC Art. 18(14))."""

    state: State
    name: Line | None = None
    functions: Line | None = Field(default=None, description="what the authority does, e.g. 'prosecutes offences "
                                                             "of trafficking in persons'")
    address: Line | None = None
    contact: Line | None = Field(default=None, description="the officer handling the request: name, telephone, "
                                                           "e-mail")
    languages: list[Annotated[str, Field(pattern=r"^[a-z]{2}$")]] = Field(
        default=[], description="languages accepted (ISO 639-1), as notified to the UN Secretary-General")


class Proceedings(Frozen):
    """The investigation, prosecution or judicial proceedings the request serves, and the authority conducting them
    (the requesting authority unless named)."""

    stage: Stage | None = None
    subject: Text | None = Field(default=None, description="subject matter and nature of the proceedings")
    authority: Authority | None = None


class Person(Frozen):
    """A person concerned, by pseudonymous reference: role, nationality, where they are, and a description that
    identifies nobody."""

    ref: Ref
    role: PersonRole
    nationality: State | None = None
    location: State | None = Field(default=None, description="the state where the person is")
    description: Line | None = Field(default=None, description="e.g. 'account holder', 'owner of the premises'")


class Assistance(Frozen):
    """One form of assistance sought (UNTOC Art. 18(3)) with its details and any procedure to be followed (Art.
    18(15)(d), (17)); for preservation of computer data, what Budapest Art. 29(2) asks."""

    form: Form
    details: Text | None = None
    persons: list[Ref] = Field(default_factory=list)
    procedure: Text | None = Field(default=None, description="a particular procedure to follow, e.g. questions put "
                                                             "in the presence of the requesting prosecutor")
    custodian: Line | None = Field(default=None, description="preservation: the custodian of the data or the "
                                                             "location of the computer system")
    necessity: Text | None = Field(default=None, description="preservation: why the data must be preserved now")
    mla_to_follow: bool | None = Field(default=None, description="preservation: a request for the data itself "
                                                                 "will follow")


class Extradition(Frozen):
    """What an extradition request asks: the person sought, whether for prosecution or to enforce a sentence, the
    warrant or judgment it rests on, provisional arrest (UNTOC Art. 16(9)) and the minimum penalty the applicable
    treaty or law sets (Art. 16(7))."""

    person: Ref
    purpose: Literal["prosecution", "enforcement"] = "prosecution"
    warrant: Line | None = Field(default=None, description="the arrest warrant or judgment: authority, date, "
                                                           "reference")
    provisional_arrest: bool = False
    threshold_years: float = Field(default=1.0, ge=0, le=10)


class Preemption(Frozen):
    """A ground of refusal the request answers in advance, with the answer."""

    ground: Ground
    statement: Text


class Confidentiality(Frozen):
    """Whether the requested state must keep the fact and substance of the request confidential (UNTOC Art.
    18(20)); ``null`` until the drafter decides."""

    required: bool | None = None
    reason: Text | None = None


class Urgency(Frozen):
    """Whether the request is urgent, the deadline suggested and the reasons for it (UNTOC Art. 18(24))."""

    urgent: bool = False
    deadline: date | None = None
    reasons: Text | None = None


class StatusChange(Frozen):
    """A status a request took, when, and a note (e.g. the requested state's reference or reasons)."""

    status: Status
    on: date
    note: Text | None = None


class Content(Frozen):
    """What the drafter writes. Everything may be missing in a draft; ``check`` says what a request needs before
    it can be sent."""

    version: Literal[1] = 1
    kind: Kind
    reference: Line | None = Field(default=None, description="the requesting authority's case reference")
    requesting: Authority
    requested: Authority
    proceedings: Proceedings = Proceedings()
    facts: Text | None = Field(default=None, description="summary of the relevant facts (default: the conduct's)")
    offences: list[Line] = Field(default=[], description="the offences under the requesting state's law (default: "
                                                         "those the law engine finds met)")
    penalty: Line | None = Field(default=None, description="the penalty for them, where no law profile gives it")
    persons: list[Person] = Field(default_factory=list)
    assistance: list[Assistance] = Field(default_factory=list)
    extradition: Extradition | None = None
    purpose: Text | None = Field(default=None, description="the purpose for which the assistance is sought")
    bases: list[Claimed] = Field(default=[], description="bases the drafter names besides UNTOC")
    preempted: list[Preemption] = Field(default_factory=list)
    confidentiality: Confidentiality = Confidentiality()
    urgency: Urgency = Urgency()
    language: Language = "en"
    dated: date | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Content:
        if self.requesting.state[:2] == self.requested.state[:2]:
            raise ValueError(f"requested.state: {self.requested.state} is the requesting state; a request goes abroad")
        refs = [p.ref for p in self.persons]
        twice = sorted({r for r in refs if refs.count(r) > 1})
        if twice:
            raise ValueError(f"persons: {twice[0]!r} is listed twice")
        for i, a in enumerate(self.assistance):
            for ref in a.persons:
                if ref not in refs:
                    raise ValueError(f"assistance[{i}].persons: {ref!r} is not among the persons concerned")
        if self.kind == "mla" and self.extradition is not None:
            raise ValueError("extradition: a mutual legal assistance request has no extradition part (kind: mla)")
        if self.kind == "extradition" and self.assistance:
            raise ValueError("assistance: an extradition request seeks no forms of assistance; draft a separate "
                             "mutual legal assistance request")
        if self.extradition is not None and self.extradition.person not in refs:
            raise ValueError(f"extradition.person: {self.extradition.person!r} is not among the persons concerned")
        return self

    def person(self, ref: str) -> Person:
        """A person concerned by reference (KeyError if not listed)."""
        for p in self.persons:
            if p.ref == ref:
                return p
        raise KeyError(ref)

    @property
    def conducting(self) -> Authority:
        """The authority conducting the proceedings: the one named, else the requesting authority."""
        return self.proceedings.authority or self.requesting

    @property
    def only_service(self) -> bool:
        """Does the request seek only service of judicial documents (which needs no summary of facts)?"""
        return bool(self.assistance) and all(a.form == "service_of_documents" for a in self.assistance)

    def concerning_persons(self) -> list[tuple[int, Assistance]]:
        """The forms sought that are about a person (statements, service, appearance), with their index."""
        return [(i, a) for i, a in enumerate(self.assistance) if a.form in CONCERN_PERSONS]


class Request(Content):
    """A drafted request: the content, the conduct, the findings the law engine computed for it, and its status."""

    conduct: Conduct
    findings: Findings
    status: Status = "draft"
    history: list[StatusChange] = Field(default_factory=list)
