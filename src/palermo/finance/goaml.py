"""goAML suspicious transaction reports built from alerts, validated against the FIU's XSD before they are written.

Each FIU customises goAML's code lists (report codes, funds and transmission codes, indicators), so the codes come
from an FIU profile (YAML). The schema itself is the FIU's: Palermo does not ship it, and refuses to produce a
report it could not validate.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

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


class GoamlProfile(Frozen):
    """One FIU's goAML settings: the codes its schema accepts and who reports."""

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


def load_profile(path: Path | None = None, name: str = "generic") -> GoamlProfile:
    """An FIU profile from a YAML file, or a packaged one by name."""
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
        _sub(acct, "account_name", party["name"])
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
        _sub(entity, "name", "Cash (counterparty not identified)")
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
    _sub(person, "first_name", rp.first_name)
    _sub(person, "last_name", rp.last_name)
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
    indicators = _sub(root, "report_indicators")
    codes: list[str] = []
    for alert in alerts:
        for code in profile.indicator_codes.get(alert.rule, profile.default_indicators):
            if code not in codes:
                codes.append(code)
    for code in codes:
        _sub(indicators, "indicator", code)
    ET.indent(root)
    xml: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return xml


def validate(xml: bytes, xsd: Path) -> None:
    """Check a report against the FIU's goAML schema (XSD 1.1); refuse it with the schema's reason."""
    import xmlschema  # loaded only when a report is made

    if not xsd.is_file():
        raise InvalidInput(f"{xsd}: no such goAML schema file")
    try:
        schema = xmlschema.XMLSchema11(str(xsd))
    except xmlschema.XMLSchemaException as exc:
        raise InvalidInput(f"{xsd}: not a usable XSD: {str(exc).splitlines()[0]}") from None
    errors = list(schema.iter_errors(xml.decode("utf-8")))
    if errors:
        details = [f"{e.path}: {e.reason}" for e in errors[:20]]
        raise InvalidInput(f"the report does not validate against {xsd.name}: {details[0]}"
                           + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""), details=details,
                           hint="check the FIU profile's codes against the schema's code lists")
