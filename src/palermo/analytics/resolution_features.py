"""What entity resolution compares, by kind of entity: each feature is read from named FtM properties, cleaned the
same way on both sides, and compared by one of Splink's comparisons. The feature's docstring is what an analyst
sees beside the weight the comparison gave a pair.

Phones and e-mail addresses are properties of people and organisations in FtM (there is no Phone schema), so
they are features of those kinds."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from normality import normalize

Kind = Literal["person", "organization", "account", "address"]
KINDS: dict[Kind, tuple[str, ...]] = {
    "person": ("Person",),
    "organization": ("Organization", "Company", "LegalEntity", "PublicBody"),
    "account": ("BankAccount",),
    "address": ("Address",),
}
"""The FtM schemata resolved together under each kind (a company may be the same as an organisation)."""

Cleaner = Callable[[Mapping[str, Sequence[str]]], str | None]


@dataclass(frozen=True)
class Feature:
    """One compared field: its column, what it means to a user, how it is read and how it is compared."""

    name: str
    label: str
    read: Cleaner
    compare: Callable[[Any], Any]
    """Given splink.comparison_library, the comparison of this column."""
    block: bool = False
    """Do records sharing this value become candidate pairs (a blocking rule of its own)?"""
    train: bool = False
    """Is this feature used to block the pairs expectation maximisation learns from?"""


@lru_cache(maxsize=65536)
def text(value: str | None) -> str | None:
    """Lower case, Latin letters, single spaces; None when nothing is left."""
    cleaned = normalize(value, lowercase=True, latinize=True, collapse=True) if value else None
    return cleaned or None


def first(props: Mapping[str, Sequence[str]], *names: str) -> str | None:
    """The first value among the named properties."""
    for name in names:
        for value in props.get(name, ()):
            if value and value.strip():
                return value.strip()
    return None


def _name_parts(props: Mapping[str, Sequence[str]]) -> list[str]:
    full = text(first(props, "name"))
    return full.split() if full else []


def given_name(props: Mapping[str, Sequence[str]]) -> str | None:
    """The given name (firstName, else the first word of the name)."""
    value = text(first(props, "firstName"))
    parts = _name_parts(props)
    return value or (parts[0] if len(parts) > 1 else None)


def family_name(props: Mapping[str, Sequence[str]]) -> str | None:
    """The family name (lastName, else the last word of the name)."""
    value = text(first(props, "lastName"))
    parts = _name_parts(props)
    return value or (parts[-1] if parts else None)


def day(*names: str) -> Cleaner:
    """A full ISO date (YYYY-MM-DD) from the first of the properties; partial dates are left out."""
    def read(props: Mapping[str, Sequence[str]]) -> str | None:
        value = first(props, *names)
        return value[:10] if value and re.fullmatch(r"\d{4}-\d{2}-\d{2}.*", value) else None
    return read


def code(*names: str) -> Cleaner:
    """An identifier (ID, passport, registration or account number): letters and digits only, upper case."""
    def read(props: Mapping[str, Sequence[str]]) -> str | None:
        value = first(props, *names)
        cleaned = re.sub(r"[^0-9A-Za-z]", "", value).upper() if value else ""
        return cleaned or None
    return read


def phone(props: Mapping[str, Sequence[str]]) -> str | None:
    """A phone number's last nine digits (the same number written with or without a country prefix)."""
    digits = re.sub(r"\D", "", first(props, "phone") or "")
    return digits[-9:] if len(digits) >= 6 else None


def plain(*names: str) -> Cleaner:
    """A text property, normalised (case, accents, spacing)."""
    def read(props: Mapping[str, Sequence[str]]) -> str | None:
        return text(first(props, *names))
    return read


def lower(*names: str) -> Cleaner:
    """A value compared as written, in lower case (e-mail addresses, country codes)."""
    def read(props: Mapping[str, Sequence[str]]) -> str | None:
        value = first(props, *names)
        return value.lower() if value else None
    return read


def postcode(props: Mapping[str, Sequence[str]]) -> str | None:
    """A postal code: the postalCode property, else the last group of four to six digits in the address text."""
    value = first(props, "postalCode")
    if value:
        return re.sub(r"\s", "", value).upper()
    groups = re.findall(r"\b\d{4,6}\b", first(props, "address", "full") or "")
    return groups[-1] if groups else None


STREET_WORDS = frozenset((
    "street", "st", "road", "rd", "avenue", "ave", "lane", "ln", "drive", "dr", "boulevard", "blvd", "place", "pl",
    "way", "court", "ct", "terrace", "crescent", "close", "rue", "allee", "chemin", "route", "impasse", "quai",
    "calle", "avenida", "plaza", "paseo", "camino", "carrer", "carretera", "strada", "calea", "soseaua", "aleea",
    "bulevardul", "piata", "ulica", "ulitsa", "prospekt", "via", "viale", "piazza", "corso", "strasse", "str",
    "weg", "platz", "gasse", "ring", "del", "des", "los", "las", "der", "den", "van", "von"))
"""Words that name the kind of street or join its name ('rue', 'calle', 'strada', 'del' ...), passed over to
reach the street's own name."""


def house(props: Mapping[str, Sequence[str]]) -> str | None:
    """The house number with the first word of its street's own name ('12 victoria' of '12 Victoria Street' and of
    '12 rue Victoria')."""
    address = text(first(props, "address", "full", "street")) or ""
    found = re.search(r"\b(\d{1,5}[a-z]?)\s+(.*)", address)
    if not found:
        return None
    name = next((w for w in found.group(2).split() if len(w) >= 3 and w.isalpha() and w not in STREET_WORDS), None)
    return f"{found.group(1)} {name}" if name else None


LEGAL_FORMS = re.compile(r"\b(ltd|limited|llc|inc|gmbh|sa|sarl|srl|sas|bv|nv|plc|ag|oy|ab|spa|co|company|corp)\b")


def org_name(props: Mapping[str, Sequence[str]]) -> str | None:
    """An organisation's name without its legal form ('Acme Trading Ltd' and 'ACME Trading' compare equal)."""
    name = text(first(props, "name"))
    stripped = " ".join(LEGAL_FORMS.sub(" ", name).split()) if name else ""
    return stripped or name


def _names_either_order(other: str) -> Callable[[Any, str], Any]:
    """A name compared as Splink's NameComparison does, with one more level: the given and family names written
    the other way round on one side (forms and registers that put the family name first)."""
    def compare(cl: Any, column: str) -> Any:
        import splink.comparison_level_library as cll

        levels = list(cl.NameComparison(column).configure(term_frequency_adjustments=True)
                      .create_comparison_levels())
        levels.insert(2, cll.ColumnsReversedLevel(column, other, symmetrical=True))
        return cl.CustomComparison(comparison_levels=levels, output_column_name=column,
                                   comparison_description=f"{column}, or the names in the other order")
    return compare


def _text_jw(cl: Any, column: str) -> Any:
    return cl.JaroWinklerAtThresholds(column, [0.9])


def _exact(cl: Any, column: str) -> Any:
    return cl.ExactMatch(column)


def _ident(cl: Any, column: str) -> Any:
    return cl.DamerauLevenshteinAtThresholds(column, [1, 2])


def _code_tf(cl: Any, column: str) -> Any:
    return cl.DamerauLevenshteinAtThresholds(column, [1]).configure(term_frequency_adjustments=True)


def _born(cl: Any, column: str) -> Any:
    return cl.DateOfBirthComparison(column, input_is_string=True)  # ISO dates: each dialect's default format


def _feature(name: str, label: str, read: Cleaner, compare: Callable[[Any, str], Any], *, block: bool = False,
             train: bool = False) -> Feature:
    return Feature(name, label, read, lambda cl: compare(cl, name), block, train)


FEATURES: dict[Kind, tuple[Feature, ...]] = {
    "person": (
        _feature("given_name", "Given name: the same, close in spelling (common names weigh less), or given and "
                 "family names swapped", given_name, _names_either_order("family_name")),
        _feature("family_name", "Family name: the same, close in spelling (common names weigh less), or given and "
                 "family names swapped", family_name, _names_either_order("given_name")),
        _feature("birth_date", "Date of birth: the same, one typing slip apart, or close", day("birthDate"), _born,
                 block=True, train=True),
        _feature("id_number", "Identity, passport or social security number: the same or one or two characters "
                 "apart", code("idNumber", "passportNumber", "socialSecurityNumber", "taxNumber"), _ident,
                 block=True),
        _feature("phone", "Phone number: the same last nine digits", phone, _exact, block=True),
        _feature("email", "E-mail address: the same", lower("email"), _exact, block=True),
        _feature("nationality", "Nationality: the same country", lower("nationality", "citizenship", "country"),
                 _exact),
        _feature("address", "Address: the same or close in spelling", plain("address"), _text_jw),
        _feature("postcode", "Postal code: the same or one digit apart (common ones weigh less)", postcode,
                 _code_tf, block=True, train=True),
        _feature("house", "House number and street: the same", house, _exact, block=True),
    ),
    "organization": (
        _feature("name", "Name (legal form left out): the same or close in spelling", org_name, _text_jw,
                 block=True, train=True),
        _feature("registration", "Registration, tax or VAT number: the same or one or two characters apart",
                 code("registrationNumber", "taxNumber", "vatCode", "leiCode", "innCode", "ogrnCode", "idNumber"),
                 _ident, block=True, train=True),
        _feature("country", "Country: the same", lower("jurisdiction", "country", "mainCountry"), _exact),
        _feature("incorporated", "Date of incorporation: the same", day("incorporationDate"), _exact),
        _feature("phone", "Phone number: the same last nine digits", phone, _exact, block=True),
        _feature("email", "E-mail address: the same", lower("email"), _exact, block=True),
        _feature("address", "Address: the same or close in spelling", plain("address"), _text_jw),
    ),
    "account": (
        _feature("number", "Account number or IBAN: the same or one character apart", code("iban", "accountNumber"),
                 _ident, block=True, train=True),
        _feature("bic", "Bank's BIC: the same", code("bic"), _exact, block=True, train=True),
        _feature("bank", "Bank's name: the same or close in spelling", plain("bankName"), _text_jw),
        _feature("country", "Country: the same", lower("country"), _exact),
        _feature("holder", "Name on the account: the same or close in spelling", plain("name"), _text_jw),
    ),
    "address": (
        _feature("full", "Address as written: the same or close in spelling", plain("full", "name"), _text_jw,
                 block=True),
        _feature("street", "Street: the same or close in spelling", plain("street"), _text_jw),
        _feature("postal_code", "Postal code: the same", code("postalCode"), _exact, block=True, train=True),
        _feature("city", "City: the same or close in spelling", plain("city"), _text_jw, train=True),
        _feature("country", "Country: the same", lower("country"), _exact),
    ),
}
"""The features of each kind, in the order an explanation lists them."""


def kind_of(schema: str) -> Kind | None:
    """The kind an FtM schema is resolved under, or None if it is not resolved."""
    for kind, schemata in KINDS.items():
        if schema in schemata:
            return kind
    return None


def feature(kind: Kind, name: str) -> Feature:
    """One feature of a kind by name."""
    for item in FEATURES[kind]:
        if item.name == name:
            return item
    raise KeyError(name)
