"""Data-sharing agreements as code: versioned YAML (``version: 1``) that says who exchanges what with whom, on which
legal basis, for which purposes, how the recipient may use and pass it on, and for how long it may be kept.

Both installations hold the same file; its SHA-256 over the canonical JSON of the agreement (every field, after
validation, without the ``sha256`` field itself) travels in every bundle, so a bundle made under one text of an
agreement is refused by an installation holding another. Every problem in a file is reported at once, each with
file, line and field.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, Literal

from followthemoney import model as ftm_model
from pydantic import Field, model_validator

from palermo import yamlfile
from palermo.custody.canonical import canonical
from palermo.custody.keys import Name, State
from palermo.errors import InvalidInput, NotFound
from palermo.exchange.terms import OUTSIDES, SHARES, USES, BasisKind, Outside, PartyRole, Purpose, Share, Use
from palermo.law.library import PACKAGED as LAW_DATA
from palermo.law.schema import Instrument
from palermo.law.validation import many, suggest, validate_all
from palermo.model import CaseRole, Citation, Frozen, Verified

AGREEMENT_ID = r"^[a-z0-9][a-z0-9._-]{2,99}$"
SHA256 = r"^[0-9a-f]{64}$"
SUFFIXES = (".yaml", ".yml")


class Party(Frozen):
    """An agency bound by the agreement, its state, its role, and whether it may send and receive under it."""

    agency: Name
    state: State
    role: PartyRole
    name: str | None = Field(default=None, description="the agency as the agreement names it")
    may_send: bool = True
    may_receive: bool = True


class LegalBasis(Frozen):
    """The law the exchange rests on: an instrument article in the law library (``instrument`` + ``article``),
    or a treaty, team agreement, memorandum or national provision named by its ``title``; ``citation`` holds the
    words relied on and ``verified`` whether they were checked against the text (never invented)."""

    kind: BasisKind
    instrument: str | None = Field(default=None, description="law-library key, e.g. untoc (kind: instrument)")
    title: str | None = Field(default=None, description="the treaty's or agreement's title (other kinds)")
    article: str | None = None
    citation: str = Field(min_length=1, description="the words relied on, quoted or summarised")
    verified: Verified
    source: str | None = Field(default=None, description="where the text was read")
    note: str | None = None

    @model_validator(mode="after")
    def _named(self) -> LegalBasis:
        if self.kind == "instrument" and not self.instrument:
            raise ValueError("a basis of kind 'instrument' names the instrument (e.g. untoc)")
        if self.kind != "instrument" and not self.title:
            raise ValueError(f"a basis of kind {self.kind!r} gives the title of the treaty or agreement")
        return self

    def cite(self, instruments: Mapping[str, Instrument] | None = None) -> Citation:
        """The basis as a citation ('UNTOC, Art. 18(19)'), with its verification flag."""
        known = (instruments or packaged_instruments()).get(self.instrument or "")
        title = known.citation_name if known is not None else (self.title or self.instrument)
        return Citation(source=self.instrument or self.title or "", article=self.article or "", text=self.citation,
                        verified=self.verified, title=title)


class SchemaRule(Frozen):
    """Which properties of one FtM schema travel: ``allow`` lists the only ones that do; otherwise every property
    but those in ``deny``."""

    allow: list[str] | None = None
    deny: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_way(self) -> SchemaRule:
        if self.allow is not None and self.deny:
            raise ValueError("give either allow (the only properties that travel) or deny (those that do not)")
        return self

    def permits(self, prop: str) -> bool:
        """Does this property of the schema travel?"""
        return prop in self.allow if self.allow is not None else prop not in self.deny


class DataRules(Frozen):
    """What may travel: the FtM schemata (and their properties), the case roles of people that may travel, and
    whether notes, attachments and exhibits (with their custody record) may."""

    schemata: dict[str, SchemaRule] = Field(min_length=1)
    roles: list[CaseRole] = Field(default=[], description="case roles whose entities may travel; an entity "
                                                          "without a role travels if its schema does")
    notes: bool = False
    attachments: bool = False
    exhibits: bool = False


def _victims() -> list[CaseRole]:
    return ["victim"]


class ConsentRule(Frozen):
    """For which purposes a person holding one of ``roles`` in the case travels only with their recorded consent
    (left out: for every purpose of the agreement; an empty list: for none, said explicitly)."""

    roles: list[CaseRole] = Field(default_factory=_victims)
    purposes: list[Purpose] | None = None


class Handling(Frozen):
    """How the recipient may use the content (``use``), to whom it may pass it on (``share``), what happens beyond
    that circle (``outside``), and whether the fact and substance of the exchange stay confidential."""

    use: Use
    share: Share
    outside: Outside
    confidential: bool = True

    @property
    def code(self) -> str:
        """The handling code as shown on every record: 'evidence/recipient/prior_consent'."""
        return f"{self.use}/{self.share}/{self.outside}"

    def explain(self) -> list[str]:
        """The handling code in words, one sentence a field."""
        lines = [f"Use: {USES[self.use]}.", f"Sharing: {SHARES[self.share]}.", f"Beyond: {OUTSIDES[self.outside]}."]
        if self.confidential:
            lines.append("Confidential: the fact and substance of the exchange are kept confidential "
                         "(UNTOC Art. 18(20)).")
        return lines


class Agreement(Frozen):
    """A data-sharing agreement between agencies of two or more states (format version 1)."""

    version: Literal[1]
    id: str = Field(pattern=AGREEMENT_ID)
    title: str = Field(min_length=1)
    agreement_version: str = Field(min_length=1, max_length=40, description="the text's own version, e.g. '1.0'")
    parties: list[Party] = Field(min_length=2)
    legal_basis: list[LegalBasis] = Field(min_length=1)
    purposes: list[Purpose] = Field(min_length=1)
    data: DataRules
    consent: ConsentRule = ConsentRule()
    handling: Handling
    retention_days: int = Field(ge=1, le=36500, description="how long the recipient may keep what it receives")
    valid_from: date
    valid_until: date
    sha256: str | None = Field(default=None, pattern=SHA256, description="the agreed text's hash, when written in "
                                                                         "the file: checked on load")

    @property
    def digest(self) -> str:
        """SHA-256 (hex) of the canonical JSON of the agreement without its ``sha256`` field: what bundles carry."""
        return agreement_digest(self)

    @property
    def consent_purposes(self) -> list[Purpose]:
        """The purposes for which protected people travel only with their consent (every purpose of the agreement
        unless it names them)."""
        return list(self.purposes if self.consent.purposes is None else self.consent.purposes)

    def party(self, agency: str) -> Party | None:
        """The party with this agency id, if any."""
        return next((p for p in self.parties if p.agency == agency), None)

    def in_force(self, on: date) -> bool:
        """Is the agreement in force on this day (valid_from and valid_until included)?"""
        return self.valid_from <= on <= self.valid_until


def agreement_digest(agreement: Agreement) -> str:
    """The hash both parties compare: SHA-256 of canonical JSON of every field but ``sha256``."""
    body = agreement.model_dump(mode="json", exclude={"sha256"})
    return hashlib.sha256(canonical(body)).hexdigest()


# --------------------------------------------------------------------------- checks beyond the format


@cache
def packaged_instruments() -> dict[str, Instrument]:
    """The law library's packaged instruments (UNTOC, the Palermo Protocol ...), by key."""
    folder = LAW_DATA / "instruments"
    loaded = (yamlfile.load_file(Instrument, path) for path in sorted(folder.glob("*.yaml")))
    return {i.id: i for i in loaded}


def _article_number(article: str) -> str:
    found = re.match(r"^\s*(\d+)", article)
    return found.group(1) if found else article.strip()


def _basis_problems(a: Agreement, instruments: Mapping[str, Instrument]) -> Iterator[tuple[yamlfile.Loc, str]]:
    for i, basis in enumerate(a.legal_basis):
        if basis.kind != "instrument":
            continue
        inst = instruments.get(basis.instrument or "")
        if inst is None:
            yield ("legal_basis", i, "instrument"), (f"unknown instrument {basis.instrument!r}"
                                                     f"{suggest(str(basis.instrument), instruments)}")
            continue
        if not basis.article:
            yield ("legal_basis", i, "article"), f"name the article of {inst.citation_name} relied on"
            continue
        numbers = {_article_number(p.article) for p in inst.provisions}
        if _article_number(basis.article) not in numbers and basis.verified is not False:
            yield ("legal_basis", i, "verified"), (f"Art. {basis.article} is not among the articles of "
                                                   f"{inst.citation_name} in the law library, so it cannot be "
                                                   "marked verified here: check the text and add the provision, "
                                                   "or write verified: false")


def _property_problems(name: str, rule: SchemaRule, here: yamlfile.Loc) -> Iterator[tuple[yamlfile.Loc, str]]:
    schema = ftm_model.get(name)
    if schema is None:
        yield here, f"unknown FtM schema {name!r}{suggest(name, ftm_model.schemata)}"
        return
    if schema.abstract:
        yield here, f"{name} is abstract: name the concrete schemata (e.g. Person, Company)"
        return
    own = [p.name for p in schema.properties.values() if not p.stub]
    for field_name in ("allow", "deny"):
        for j, prop in enumerate(getattr(rule, field_name) or []):
            if prop not in own:
                yield (*here, field_name, j), f"{name} has no property {prop!r}{suggest(prop, own)}"


def problems(a: Agreement, instruments: Mapping[str, Instrument]) -> Iterator[tuple[yamlfile.Loc, str]]:
    """Every problem of a well-formed agreement: parties, schemata and properties, consent, dates, legal basis,
    and its hash when the file states one."""
    agencies = [p.agency for p in a.parties]
    for i, agency in enumerate(agencies):
        if agencies.index(agency) != i:
            yield ("parties", i, "agency"), f"agency {agency} is a party twice"
    if not any(p.may_send for p in a.parties) or not any(p.may_receive for p in a.parties):
        yield ("parties",), "at least one party must be able to send and one to receive"
    for name, rule in a.data.schemata.items():
        yield from _property_problems(name, rule, ("data", "schemata", name))
    for i, role in enumerate(a.consent.roles):
        if role not in a.data.roles:
            yield ("consent", "roles", i), f"role {role!r} does not travel under data.roles, so needs no consent"
    for i, purpose in enumerate(a.consent.purposes or []):
        if purpose not in a.purposes:
            yield ("consent", "purposes", i), f"purpose {purpose!r} is not among the agreement's purposes"
    if a.valid_until < a.valid_from:
        yield ("valid_until",), f"{a.valid_until} is before valid_from {a.valid_from}"
    yield from _basis_problems(a, instruments)
    if a.sha256 is not None and a.sha256 != a.digest:
        yield ("sha256",), (f"the agreement's content hashes to {a.digest}, not to the hash written in the file: "
                            "the text was changed after the hash was agreed (or the hash was copied wrong)")


# --------------------------------------------------------------------------- reading


def read_agreement_text(text: str, source: str, instruments: Mapping[str, Instrument] | None = None) -> Agreement:
    """Read and check an agreement given as YAML or JSON text; every problem at once (file, line, field)."""
    data, lines = yamlfile.parse(text, source)
    if not isinstance(data, dict):
        raise InvalidInput(f"{source}: an agreement is a mapping with version, id, parties, legal_basis ...")
    parsed, found = validate_all(Agreement, data, source, lines)
    if parsed is not None:
        found += [yamlfile.error_at(source, lines, loc, message).message
                  for loc, message in problems(parsed, instruments or packaged_instruments())]
    if found or parsed is None:
        raise many(found)
    return parsed


def read_agreement(path: Path, instruments: Mapping[str, Instrument] | None = None) -> Agreement:
    """Read and check one agreement file."""
    return read_agreement_text(yamlfile.read_text(path), str(path), instruments)


@dataclass
class Agreements(Mapping[str, Agreement]):
    """The agreements an installation holds, by id, with the file each came from."""

    by_id: dict[str, Agreement] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Agreement:
        return self.by_id[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.by_id)

    def __len__(self) -> int:
        return len(self.by_id)

    def agreement(self, key: str) -> Agreement:
        """The agreement with this id; NotFound naming the closest id otherwise."""
        try:
            return self.by_id[key]
        except KeyError:
            raise NotFound(f"no agreement {key!r}{suggest(key, self.by_id)}",
                           hint=f"agreements held: {', '.join(sorted(self.by_id)) or 'none'}") from None


def load_agreements(paths: Sequence[Path]) -> Agreements:
    """Load agreement files, or every .yaml/.yml file of the folders given; an id held twice is an error."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.suffix in SUFFIXES and p.is_file())
        elif path.is_file():
            files.append(path)
        else:
            raise InvalidInput(f"{path}: no such agreement file or folder")
    held = Agreements()
    for path in files:
        agreement = read_agreement(path)
        if agreement.id in held.by_id:
            raise InvalidInput(f"{path}: agreement {agreement.id!r} is already defined in "
                               f"{held.origins[agreement.id]}")
        held.by_id[agreement.id] = agreement
        held.origins[agreement.id] = str(path)
    return held


def as_data(agreement: Agreement) -> dict[str, Any]:
    """The agreement as JSON data (dates as text), for the API and for writing the file back."""
    return agreement.model_dump(mode="json", exclude_none=True)
