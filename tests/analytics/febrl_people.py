"""FEBRL records as the FtM Person entities Palermo's entity resolution reads (tests and benchmarks/resolution.py):
given and family name, the birth date as an ISO date (FEBRL's YYYYMMDD; impossible dates left out, as FtM would),
the social security number as the identity number and the address as one text, in FEBRL's order (number, street,
second line, suburb, postcode, state)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from palermo.analytics.resolution import Entity

if TYPE_CHECKING:
    import pandas as pd

ADDRESS = ("street_number", "address_1", "address_2", "suburb", "postcode", "state")


def iso(value: Any) -> str | None:
    """FEBRL's YYYYMMDD as an ISO date, None when missing or impossible."""
    if not isinstance(value, str) or len(value.strip()) != 8 or not value.strip().isdigit():
        return None
    v = value.strip()
    try:
        return date(int(v[:4]), int(v[4:6]), int(v[6:])).isoformat()
    except ValueError:
        return None


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def people(frame: pd.DataFrame, source: str) -> list[Entity]:
    """The rows of a FEBRL frame as Person entities with IDs ``source:row``."""
    out = []
    columns = frame[["given_name", "surname", "date_of_birth", "soc_sec_id", *ADDRESS]]
    for n, row in enumerate(columns.itertuples(index=False)):
        given, family, born, ssn, *parts = row
        props = {"firstName": _text(given), "lastName": _text(family), "birthDate": iso(born),
                 "idNumber": _text(ssn), "address": " ".join(p for p in map(_text, parts) if p) or None}
        out.append(Entity(f"{source}:{n}", "Person", {k: [v] for k, v in props.items() if v}, source))
    return out
