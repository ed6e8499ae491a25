"""goAML suspicious transaction reports built from alerts, validated against the FIU's XSD before they are written.

Each FIU customises goAML's code lists (report codes, funds and transmission codes, indicators) and often adds
elements of its own (the UAE asks for a passport country, a state in addresses and a comment on each transaction's
mode), so the codes and the additions come from an FIU profile (YAML). The schema itself is the FIU's: Palermo does
not ship it, and refuses to produce a report it could not validate.
"""

from __future__ import annotations

import io
import re
import string
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import normality
from pydantic import Field, field_validator, model_validator

from palermo import yamlfile
from palermo.errors import InvalidInput
from palermo.model import Alert, Frozen

PACKAGED_PROFILES = Path(__file__).parent / "goaml_profiles"
COMMENT_LIMIT = 8000


class ReportingPerson(Frozen):
    """The compliance officer filing the report, as the FIU registered them."""

    first_name: str
    last_name: str
    passport_number: str | None = None
    id_number: str | None = None
    email: str | None = None


class Location(Frozen):
    """The reporting entity's address."""

    address_type: str = "-"
    address: str
    city: str
    country_code: str = Field(pattern=r"^[A-Z]{2}$")


class Institution(Frozen):
    """The bank that holds the reported accounts (the reporting entity, for a bank)."""

    name: str
    swift: str | None = None
    code: str | None = None
    country: str = Field(pattern=r"^[A-Z]{2}$")


PLACES = {"report": "", "reporting_person": "reporting_person", "location": "location", "transaction": "transaction",
          "from": "transaction/t_from", "to": "transaction/t_to", "from_account": "transaction/t_from/from_account",
          "to_account": "transaction/t_to/to_account"}
"""Where a profile can add elements: a name for each place in the report the writer makes."""
TRANSACTION_FIELDS = ("tx_id", "channel", "category", "memo", "location", "currency")
"""What an addition's value may name in braces, in a transaction (e.g. "{channel}")."""
TRANSACTION_PLACES = ("transaction", "from", "to", "from_account", "to_account")
TAG = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


class Addition(Frozen):
    """An element the FIU's schema requires and the plain goAML writer does not make, added to every element at a
    place of the report, right after a named sibling (or at the end)."""

    at: Literal["report", "reporting_person", "location", "transaction", "from", "to", "from_account", "to_account"]
    element: str = Field(pattern=TAG.pattern)
    value: str = Field(min_length=1, max_length=4000,
                       description="the text; in a transaction, {channel}, {category}, {memo}, {location}, "
                                   "{currency} or {tx_id} are replaced by the transaction's")
    after: str | None = Field(default=None, pattern=TAG.pattern,
                              description="the element it follows (the schema's order); empty: at the end")

    @model_validator(mode="after")
    def _known_fields(self) -> Addition:
        named = [f for _, f, _, _ in string.Formatter().parse(self.value) if f is not None]
        allowed = TRANSACTION_FIELDS if self.at in TRANSACTION_PLACES else ()
        for field in named:
            if field not in allowed:
                raise ValueError(f"{{{field}}} is not a value here: use "
                                 + (", ".join(f"{{{f}}}" for f in allowed) if allowed else "plain text"))
        return self


class GoamlProfile(Frozen):
    """One FIU's goAML settings: the codes its schema accepts, who reports, and what its schema adds."""

    version: Literal[1]
    fiu: str
    schema_version: str = "5.0.1"
    rentity_id: int = Field(ge=1)
    rentity_branch: str
    submission_code: str = "E"
    report_code: str = "STR"
    currency_code_local: str = Field(pattern=r"^[A-Z]{3}$")
    reporting_person: ReportingPerson
    location: Location
    institution: Institution
    transmode_codes: dict[str, str] = Field(default_factory=dict, description="channel -> transmode_code")
    default_transmode: str = "-"
    funds_codes: dict[str, str] = Field(default_factory=dict, description="channel -> funds code")
    default_funds: str = "-"
    indicator_codes: dict[str, list[str]] = Field(default_factory=dict, description="rule id -> indicator codes")
    default_indicators: list[str] = Field(default_factory=lambda: ["-"], min_length=1)
    account_type: str = "-"
    status_code: str = "-"
    additions: list[Addition] = Field(default_factory=list,
                                      description="elements the FIU's schema requires beyond plain goAML")
    latin_names: bool = Field(default=False, description="names written in Latin letters, digits, space and . ' - "
                                                         "only (transliterated), as some FIUs' schemas require")
    xsd_patterns: Literal["xsd", "ecmascript"] = Field(
        default="xsd", description="how the schema's patterns are written: 'ecmascript' when they are JavaScript "
                                   "expressions anchored with ^ and $ (goAML schemas say so in a comment)")

    @field_validator("additions")
    @classmethod
    def _one_each(cls, additions: list[Addition]) -> list[Addition]:
        seen = set()
        for a in additions:
            if (a.at, a.element) in seen:
                raise ValueError(f"{a.element} is added twice at {a.at}")
            seen.add((a.at, a.element))
        return additions


def load_profile(path: Path | None = None, name: str = "generic") -> GoamlProfile:
    """An FIU profile from a YAML file, or a packaged one by name (``path`` may also be a packaged name: uae)."""
    if path is not None and not path.exists() and path.suffix == "" and len(path.parts) == 1:
        name, path = path.name, None
    if path is None:
        path = PACKAGED_PROFILES / f"{name}.yaml"
        if not path.is_file():
            known = ", ".join(sorted(p.stem for p in PACKAGED_PROFILES.glob("*.yaml")))
            raise InvalidInput(f"no packaged goAML profile {name!r}; packaged: {known}")
    return yamlfile.load_file(GoamlProfile, path)


def _sql_date(value: datetime | date) -> str:
    if not isinstance(value, datetime):
        value = datetime.combine(value, time())
    return value.replace(microsecond=0, tzinfo=None).isoformat()


def _sub(parent: ET.Element, tag: str, text: Any = None) -> ET.Element:
    node = ET.SubElement(parent, tag)
    if text is not None:
        node.text = str(text)
    return node


def _name(profile: GoamlProfile, text: str) -> str:
    """A name as the FIU's schema accepts it: as given, or in Latin letters when the profile asks for them."""
    if not profile.latin_names:
        return text
    latin = re.sub(r"[^A-Za-z0-9 .'-]+", " ", normality.ascii_text(text) or "")
    return " ".join(latin.split())[:255] or "-"


def _add(node: ET.Element, additions: Sequence[Addition], values: Mapping[str, str]) -> None:
    """Put the profile's additions for this place into one element, each after its named sibling."""
    for addition in additions:
        text = addition.value.format_map(values) if values else addition.value.replace("{{", "{").replace("}}", "}")
        new = ET.Element(addition.element)
        new.text = text.strip()[:COMMENT_LIMIT] or "-"
        if addition.after is None:
            node.append(new)
            continue
        tags = [child.tag for child in node]
        if addition.after not in tags:
            raise InvalidInput(f"additions: {addition.element} goes after {addition.after}, which the report has "
                               f"no {addition.after} at {addition.at} to follow",
                               hint="name in 'after' an element the report writes there, or leave it out to add "
                                    "the element at the end")
        node.insert(len(tags) - tags[::-1].index(addition.after), new)


def _apply(node: ET.Element, profile: GoamlProfile, places: Sequence[str],
           values: Mapping[str, str] | None = None) -> None:
    """The profile's additions for these places, found from ``node``: the report, or one transaction (``values``
    then holds what its additions may name)."""
    for place in places:
        wanted = [a for a in profile.additions if a.at == place]
        path = PLACES[place] if values is None else PLACES[place].removeprefix("transaction").lstrip("/")
        for target in node.findall(path) if path else [node]:
            _add(target, wanted, values or {})


def narrative(alerts: Sequence[Alert], explanations: Mapping[str, str], extra: str | None = None) -> str:
    """The reason for suspicion in words: each red flag, what it means, its source, and the evidence."""
    parts = [extra.strip()] if extra else []
    parts.append("HUMAN TRAFFICKING red flags found by transaction monitoring (Palermo typology pack "
                 f"{alerts[0].pack if alerts else ''}):")
    for i, alert in enumerate(alerts, start=1):
        span = ""
        if alert.first_at and alert.last_at:
            span = f" between {alert.first_at:%Y-%m-%d} and {alert.last_at:%Y-%m-%d}"
        sources = "; ".join(f"{c.source}, {c.article}" + ("" if c.verified is True else " [UNVERIFIED]")
                            for c in alert.citations)
        parts.append(
            f"{i}. {alert.title} on {alert.subject}{span}: {explanations.get(alert.rule, '').strip()} "
            f"Evidence: {len(alert.transactions)} transactions, accounts {', '.join(alert.accounts[:12])}"
            f"{' ...' if len(alert.accounts) > 12 else ''}. Source: {sources}.")
    text = "\n".join(parts)
    return text if len(text) <= COMMENT_LIMIT else text[:COMMENT_LIMIT - 20] + "\n[... shortened]"


def _account(parent: ET.Element, tag: str, number: str, profile: GoamlProfile,
             party: Mapping[str, Any] | None) -> None:
    acct = _sub(parent, tag)
    inst = profile.institution
    _sub(acct, "institution_name", inst.name)
    if inst.swift:
        _sub(acct, "swift", inst.swift)
    else:
        _sub(acct, "institution_code", inst.code or "-")
    _sub(acct, "account", number)
    if party and party.get("name"):
        _sub(acct, "account_name", _name(profile, str(party["name"])))
    _sub(acct, "personal_account_type", profile.account_type)
    _sub(acct, "status_code", profile.status_code)


def _party_side(tx: ET.Element, side: Literal["from", "to"], account: str | None, channel: str,
                profile: GoamlProfile, parties: Mapping[str, Mapping[str, Any]]) -> None:
    node = _sub(tx, f"t_{side}")
    funds = profile.funds_codes.get(channel, profile.default_funds)
    _sub(node, f"{side}_funds_code", funds)
    if account:
        _account(node, f"{side}_account", account, profile, parties.get(account))
    else:
        entity = _sub(node, f"{side}_entity")
        _sub(entity, "name", "Cash - counterparty not identified")
    _sub(node, f"{side}_country", profile.institution.country)


def build_str(profile: GoamlProfile, alerts: Sequence[Alert], transactions: Sequence[Mapping[str, Any]],
              parties: Mapping[str, Mapping[str, Any]], *, reference: str, reason: str,
              action: str | None = None, submitted: date | None = None) -> bytes:
    """A goAML report (profile.report_code, usually STR) with the alerts' transactions and indicators."""
    if not alerts:
        raise InvalidInput("a report needs at least one alert")
    if not transactions:
        raise InvalidInput("the alerts name no transactions that are in the ledger",
                           hint="a goAML STR must list at least one transaction")
    root = ET.Element("report")
    _sub(root, "rentity_id", profile.rentity_id)
    _sub(root, "rentity_branch", profile.rentity_branch)
    _sub(root, "submission_code", profile.submission_code)
    _sub(root, "report_code", profile.report_code)
    _sub(root, "entity_reference", reference)
    _sub(root, "submission_date", _sql_date(submitted or date.today()))
    _sub(root, "currency_code_local", profile.currency_code_local)
    person = _sub(root, "reporting_person")
    rp = profile.reporting_person
    _sub(person, "first_name", _name(profile, rp.first_name))
    _sub(person, "last_name", _name(profile, rp.last_name))
    if rp.passport_number:
        _sub(person, "passport_number", rp.passport_number)
    if rp.id_number:
        _sub(person, "id_number", rp.id_number)
    if rp.email:
        _sub(person, "email", rp.email)
    loc = _sub(root, "location")
    _sub(loc, "address_type", profile.location.address_type)
    _sub(loc, "address", profile.location.address)
    _sub(loc, "city", profile.location.city)
    _sub(loc, "country_code", profile.location.country_code)
    _sub(root, "reason", reason)
    if action:
        _sub(root, "action", action[:COMMENT_LIMIT])
    for row in transactions:
        tx = _sub(root, "transaction")
        _sub(tx, "transactionnumber", row["tx_id"])
        _sub(tx, "transaction_location", row.get("location") or profile.location.city)
        memo = " ".join(str(x) for x in (row.get("channel"), row.get("category"), row.get("memo")) if x)
        _sub(tx, "transaction_description", memo or "transaction")
        _sub(tx, "date_transaction", _sql_date(row["ts"]))
        _sub(tx, "late_deposit", "false")
        _sub(tx, "transmode_code", profile.transmode_codes.get(row["channel"], profile.default_transmode))
        amount = Decimal(row["amount"])
        _sub(tx, "amount_local", f"{amount:.2f}")
        _party_side(tx, "from", row.get("source"), row["channel"], profile, parties)
        _party_side(tx, "to", row.get("target"), row["channel"], profile, parties)
        _apply(tx, profile, TRANSACTION_PLACES, {k: str(row.get(k) or "") for k in TRANSACTION_FIELDS})
    indicators = _sub(root, "report_indicators")
    codes: list[str] = []
    for alert in alerts:
        for code in profile.indicator_codes.get(alert.rule, profile.default_indicators):
            if code not in codes:
                codes.append(code)
    for code in codes:
        _sub(indicators, "indicator", code)
    _apply(root, profile, ("report", "reporting_person", "location"))
    ET.indent(root)
    xml: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return xml


ANCHORED = re.compile(r'(<xs:pattern\s+value=")\^([^"]*)\$("\s*/>)')


def validate(xml: bytes, xsd: Path, patterns: Literal["xsd", "ecmascript"] = "xsd") -> None:
    """Check a report against the FIU's goAML schema (XSD 1.1); refuse it with the schema's reason. With
    ``patterns="ecmascript"`` a pattern written as ``^...$`` is read as its author meant it (anchors, as in
    JavaScript) rather than as the literal characters ^ and $ that XSD's own regular expressions make of them."""
    import xmlschema  # loaded only when a report is made

    if not xsd.is_file():
        raise InvalidInput(f"{xsd}: no such goAML schema file")
    try:
        if patterns == "ecmascript":
            text = ANCHORED.sub(r"\1\2\3", xsd.read_text(encoding="utf-8"))
            schema = xmlschema.XMLSchema11(io.StringIO(text), base_url=str(xsd.parent))
        else:
            schema = xmlschema.XMLSchema11(str(xsd))
    except (xmlschema.XMLSchemaException, UnicodeDecodeError, ET.ParseError) as exc:
        raise InvalidInput(f"{xsd}: not a usable XSD: {str(exc).splitlines()[0]}") from None
    errors = list(schema.iter_errors(xml.decode("utf-8")))
    if errors:
        details = [f"{e.path}: {e.reason}" for e in errors[:20]]
        raise InvalidInput(f"the report does not validate against {xsd.name}: {details[0]}"
                           + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""), details=details,
                           hint="check the FIU profile's codes and additions against the schema")
