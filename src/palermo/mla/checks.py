"""The completeness check: what a request needs before it can be sent. One small function per field, whose
docstring is the explanation a prosecutor reads beside a missing or insufficient field; each names the provisions
it rests on, with their verification flags (UNTOC Art. 18(14), (15), (20), (24) verified against the treaty text;
what rests on the UNODC MLA Request Writer Tool alone is marked unverified: docs/requests.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal, NamedTuple

from palermo.errors import InvalidInput
from palermo.mla.request import Request
from palermo.mla.sources import cite
from palermo.mla.terms import FORMS, Kind
from palermo.model import Citation, Frozen

Severity = Literal["missing", "insufficient"]


class Problem(NamedTuple):
    """What a check found: a field missing, or given but not enough, and what to do."""

    severity: Severity
    field: str
    message: str


class Missing(Frozen):
    """A field the request lacks (or gives insufficiently), why it matters, and the provisions behind it."""

    check: str
    field: str
    severity: Severity
    problem: str
    why: str
    citations: list[Citation]

    @property
    def line(self) -> str:
        """One line: 'facts: missing: give a summary of the relevant facts'."""
        return f"{self.field}: {self.severity}: {self.problem}"


Fn = Callable[[Request], Iterator[Problem]]


@dataclass(frozen=True)
class Check:
    """A registered check: the field it looks at, the kinds of request it applies to, the provisions it rests on,
    and the function (whose docstring explains it)."""

    name: str
    kinds: tuple[Kind, ...]
    basis: tuple[str, ...]
    fn: Fn

    @property
    def explanation(self) -> str:
        """Why the field matters, in words for a prosecutor."""
        return " ".join((self.fn.__doc__ or "").split())

    def citations(self) -> list[Citation]:
        """The provisions the check rests on, with their verification flags."""
        return [cite(key) for key in self.basis]


CHECKS: dict[str, Check] = {}
BOTH: tuple[Kind, ...] = ("mla", "extradition")


def field(name: str, *, kinds: tuple[Kind, ...] = BOTH, basis: tuple[str, ...]) -> Callable[[Fn], Fn]:
    """Register a check of field ``name`` for ``kinds`` of request, resting on the provisions ``basis``."""

    def register(fn: Fn) -> Fn:
        CHECKS[name] = Check(name, kinds, basis, fn)
        return fn

    return register


def missing(name: str, message: str) -> Problem:
    """A field that is not given."""
    return Problem("missing", name, message)


def insufficient(name: str, message: str) -> Problem:
    """A field that is given but does not do what the request needs."""
    return Problem("insufficient", name, message)


# --------------------------------------------------------------------------- who asks, who is asked


@field("requesting.name", basis=("untoc.18.15.a",))
def requesting_authority(r: Request) -> Iterator[Problem]:
    """The requested state acts only on a request from an authority competent to make it: name the authority making
    the request, so the requested central authority can establish that it is genuine and whom to answer."""
    if not r.requesting.name:
        yield missing("requesting.name", "name the authority making the request")


@field("requesting.contact", basis=("unodc_mla_tool",))
def contact(r: Request) -> Iterator[Problem]:
    """Questions arise while a request is executed (a missing detail, a date for a hearing, a conflict with local
    procedure); a named officer with telephone and e-mail lets the executing authority ask instead of sending the
    request back."""
    if not r.requesting.contact:
        yield missing("requesting.contact", "give the officer handling the request, with telephone and e-mail")


@field("requested.name", basis=("untoc.18.13", "unodc_mla_tool"))
def requested_authority(r: Request) -> Iterator[Problem]:
    """Requests go to the central authority the requested state designated (for UNTOC, notified to the UN
    Secretary-General); a request addressed to the wrong body waits until someone forwards it."""
    if not r.requested.name:
        yield missing("requested.name", "name the requested state's central authority")


# --------------------------------------------------------------------------- the proceedings and the facts


@field("proceedings.subject", kinds=("mla",), basis=("untoc.18.15.b",))
def proceedings_subject(r: Request) -> Iterator[Problem]:
    """The requested state must see what proceedings the assistance serves (an investigation, a prosecution or a
    trial, and about what): it decides on that basis whether it may assist and which of its authorities acts."""
    if r.proceedings.stage is None:
        yield missing("proceedings.stage", "say whether the request serves an investigation, a prosecution or "
                                           "judicial proceedings")
    if not r.proceedings.subject:
        yield missing("proceedings.subject", "state the subject matter and nature of the proceedings")


@field("proceedings.authority", kinds=("mla",), basis=("untoc.18.15.b",))
def conducting_authority(r: Request) -> Iterator[Problem]:
    """The name and functions of the authority conducting the proceedings tell the requested state who will use the
    evidence and in what capacity (police, prosecutor, judge), which decides how evidence must be taken to be
    admissible there."""
    who = r.conducting
    where = "proceedings.authority" if r.proceedings.authority else "requesting"
    if not who.name and r.proceedings.authority:
        yield missing(f"{where}.name", "name the authority conducting the proceedings")
    if not who.functions:
        yield missing(f"{where}.functions", "state the functions of the authority conducting the proceedings")


@field("facts", basis=("untoc.18.15.c",))
def facts(r: Request) -> Iterator[Problem]:
    """A summary of the relevant facts lets the requested state see the link between the offence and the assistance
    sought, and judge dual criminality where it applies; without it the request is refused or sent back. A request
    only for service of judicial documents needs none."""
    if r.kind == "mla" and r.only_service:
        return
    if not r.facts:
        yield missing("facts", "give a summary of the relevant facts")


@field("conduct.when_and_where", basis=("untoc.18.15.c", "unodc_mla_tool"))
def when_and_where(r: Request) -> Iterator[Problem]:
    """The facts say when and where the acts took place: the requested state needs them to tie its evidence to the
    offence, and the law engine needs them to compute jurisdiction."""
    if r.kind == "mla" and r.only_service:
        return
    if r.conduct.date_from is None and r.conduct.date_to is None:
        yield insufficient("conduct.date_from", "the facts give no date: say when the acts took place")
    if not r.conduct.places:
        yield insufficient("conduct.places", "the facts give no place: say in which states the acts took place")


@field("offences", basis=("untoc.18.15.b", "model_extradition.5.2"))
def offences(r: Request) -> Iterator[Problem]:
    """The offence under the requesting state's law, by its provision, is the nature of the proceedings: the
    requested state compares it with its own law (dual criminality) and checks it is an offence the treaty relied on
    covers."""
    if not r.offences:
        yield missing("offences", "name the offences under the requesting state's law (no offence of its law "
                                  "profile is met on these facts, or it has no profile)")


# --------------------------------------------------------------------------- what is asked


@field("assistance", kinds=("mla",), basis=("untoc.18.15.d", "untoc.18.3"))
def assistance(r: Request) -> Iterator[Problem]:
    """Say exactly what is asked, form by form (UNTOC Art. 18(3)): which statements, which documents or records,
    which premises or accounts. The requested state executes only what is described, under its own law."""
    if not r.assistance:
        yield missing("assistance", "name at least one form of assistance sought")
    for i, a in enumerate(r.assistance):
        if not a.details:
            yield missing(f"assistance[{i}].details", f"describe what is sought: {FORMS[a.form]}")


@field("assistance.persons", kinds=("mla",), basis=("untoc.18.15.e",))
def assistance_persons(r: Request) -> Iterator[Problem]:
    """Taking a statement, serving a document or arranging an appearance is about a person: the request names whom
    (by the case's reference here, by name in the signed document), with their nationality and where they are,
    so the executing authority can find them."""
    for i, a in r.concerning_persons():
        if not a.persons:
            yield missing(f"assistance[{i}].persons", "name the person concerned")
        for ref in a.persons:
            if r.person(ref).location is None:
                yield insufficient(f"persons.{ref}.location", "say where the person is")


@field("assistance.preservation", kinds=("mla",), basis=("cets185.29.2",))
def preservation(r: Request) -> Iterator[Problem]:
    """Stored computer data can be deleted at any time: a preservation request says which data, who holds it (or
    where the system is), why it must be preserved now, and that a request for the data itself will follow, so
    the provider can be ordered to keep exactly that."""
    for i, a in enumerate(r.assistance):
        if a.form != "preserving_computer_data":
            continue
        if not a.custodian:
            yield missing(f"assistance[{i}].custodian", "name the custodian of the data or where the system is")
        if not a.necessity:
            yield missing(f"assistance[{i}].necessity", "say why the data must be preserved")
        if a.mla_to_follow is not True:
            yield missing(f"assistance[{i}].mla_to_follow", "confirm that a request for the data will follow")


@field("purpose", kinds=("mla",), basis=("untoc.18.15.f",))
def purpose(r: Request) -> Iterator[Problem]:
    """The purpose for which the evidence is sought binds the requesting state: it may not use what it receives for
    other proceedings without consent (UNTOC Art. 18(19)). State it, and state it widely enough for the trial."""
    if not r.purpose:
        yield missing("purpose", "state the purpose for which the evidence, information or action is sought")


# --------------------------------------------------------------------------- extradition


@field("extradition.person", kinds=("extradition",), basis=("untoc.16.1",))
def person_sought(r: Request) -> Iterator[Problem]:
    """Extradition is sought for a person located in the requested state: name the person (by reference here) and
    say where they are; a person elsewhere is for another state to surrender."""
    if r.extradition is None:
        yield missing("extradition", "name the person sought and whether for prosecution or to enforce a sentence")
        return
    where = r.person(r.extradition.person).location
    if where is None:
        yield missing(f"persons.{r.extradition.person}.location", "say where the person sought is")
    elif where[:2] != r.requested.state[:2]:
        yield insufficient(f"persons.{r.extradition.person}.location",
                           f"the person sought is in {where}, not in the requested state {r.requested.state}")


@field("extradition.nationality", kinds=("extradition",), basis=("untoc.16.10",))
def own_national(r: Request) -> Iterator[Problem]:
    """Many states do not extradite their own nationals. Where the person sought is a national of the requested
    state, say in advance what the requesting state asks if extradition is refused on that ground alone: that the
    case be submitted to the requested state's authorities for prosecution, which UNTOC then obliges it to do."""
    if r.extradition is None:
        return
    nationality = r.person(r.extradition.person).nationality
    answered = any(p.ground == "nationality" for p in r.preempted)
    if nationality is not None and nationality[:2] == r.requested.state[:2] and not answered:
        yield missing("preempted.nationality", f"the person sought is a national of {r.requested.state}: say what "
                                               "is asked if extradition is refused on that ground")


@field("extradition.warrant", kinds=("extradition",), basis=("model_extradition.5.2",))
def warrant(r: Request) -> Iterator[Problem]:
    """The requested court examines the warrant of arrest (or the judgment, for a sentence to be enforced) on which
    surrender is sought; without it, there is nothing to execute."""
    if r.extradition is not None and not r.extradition.warrant:
        yield missing("extradition.warrant", "give the warrant of arrest or judgment: authority, date, reference")


@field("penalty", kinds=("extradition",), basis=("untoc.16.7", "model_extradition.2.1", "model_extradition.5.2"))
def penalty(r: Request) -> Iterator[Problem]:
    """Extradition is subject to a minimum penalty set by the treaty or the requested state's law: the request states
    the penalty the requesting state's law provides for the offence."""
    known = any(s.state == r.findings.requesting for s in r.findings.serious_crime)
    if not known and not r.penalty:
        yield missing("penalty", "state the penalty the requesting state's law provides (it has no law profile)")


# --------------------------------------------------------------------------- the law


@field("legal_basis", basis=("untoc.18.7", "untoc.16.4"))
def legal_basis(r: Request) -> Iterator[Problem]:
    """Assistance and extradition rest on a treaty, or on reciprocity or the requested state's law: name it. The law
    engine establishes UNTOC where both states are recorded as parties to it and the Protocol; otherwise name a
    treaty or give an assurance of reciprocity."""
    if not any(b.established or not b.computed for b in r.findings.bases):
        yield missing("bases", "UNTOC is not established between these states on the records held: name a treaty, "
                               "reciprocity or the requested state's law")


@field("dual_criminality", basis=("untoc.18.9", "untoc.16.1"))
def dual_criminality(r: Request) -> Iterator[Problem]:
    """Where dual criminality is not established, the requested state may refuse assistance (UNTOC Art. 18(9)) and
    must refuse extradition (Art. 16(1)): say why the conduct is an offence in both states, or ask for assistance
    regardless."""
    dc = r.findings.dual_criminality
    if r.kind == "extradition" and dc is not None and dc.outcome == "not_met":
        yield insufficient("dual_criminality", f"not met: {dc.explanation}")
        return
    if (dc is None or dc.outcome != "met") and not any(p.ground == "dual_criminality" for p in r.preempted):
        why = dc.explanation if dc is not None else "; ".join(r.findings.notes) or "not computed"
        yield missing("preempted.dual_criminality", f"address dual criminality ({why})")


@field("language", basis=("untoc.18.14",))
def language(r: Request) -> Iterator[Problem]:
    """A request is made in a language the requested state accepts (notified to the UN Secretary-General); one in
    another language waits for translation there, or is returned."""
    if not r.requested.languages:
        yield missing("requested.languages", "say which languages the requested state accepts")
    elif r.language not in r.requested.languages:
        yield insufficient("language", f"the request is in {r.language!r}; the requested state accepts "
                                       f"{', '.join(r.requested.languages)}: translate it")


@field("confidentiality", basis=("untoc.18.20",))
def confidentiality(r: Request) -> Iterator[Problem]:
    """Decide whether the requested state must keep the fact and substance of the request confidential: a suspect
    warned by a bank or a witness can destroy evidence or flee, and a victim can be put at risk."""
    if r.confidentiality.required is None:
        yield missing("confidentiality.required", "decide whether the request must be kept confidential")


@field("urgency", basis=("untoc.18.24",))
def urgency(r: Request) -> Iterator[Problem]:
    """The requested state takes as full account as possible of a deadline for which reasons are given: give the
    reasons (a trial date, a detention limit, data about to be deleted) with any deadline or urgency."""
    if (r.urgency.urgent or r.urgency.deadline) and not r.urgency.reasons:
        yield missing("urgency.reasons", "give the reasons for the urgency or deadline")


# --------------------------------------------------------------------------- running the checks


def check(request: Request) -> list[Missing]:
    """Every field the request lacks or gives insufficiently, in the order of the checks, each with why it matters
    and the provisions behind it (an empty list: the request is complete)."""
    found = []
    for c in CHECKS.values():
        if request.kind not in c.kinds:
            continue
        for p in c.fn(request):
            found.append(Missing(check=c.name, field=p.field, severity=p.severity, problem=p.message,
                                 why=c.explanation, citations=c.citations()))
    return found


def ready_to_send(request: Request) -> None:
    """Refuse (InvalidInput) a request that is not complete, naming every missing or insufficient field."""
    found = check(request)
    if found:
        names = ", ".join(m.field for m in found)
        raise InvalidInput(f"the request cannot be sent: {len(found)} field{'s' if len(found) > 1 else ''} "
                           f"missing or insufficient: {names}", details=[m.line for m in found],
                           hint="complete them and check again (docs/requests.md lists what each field needs)")
