"""Country indicators and scorecards: every number with the data set, version and line it comes from.

Packaged series (src/palermo/stats/data/country_series.csv, built by tools/build_country_series.py): UNODC GLOTIP
national totals (detected victims, persons prosecuted, convicted, brought into formal contact; by sex and age)
and US TIP Report tiers 2001-2015. Ratification comes from the UN Treaty Collection table and the law analysis
from the law engine, both in the law library.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from followthemoney.types import registry

from palermo.errors import NotFound
from palermo.law import Library
from palermo.law.compare import compare

DATA = Path(__file__).parent / "data"
INDICATOR_NAMES = {"detected_victims": "Detected victims", "prosecuted": "Persons prosecuted",
                   "convicted": "Persons convicted", "formal_contact": "Persons brought into formal contact",
                   "tip_tier": "US TIP Report tier", "criminalisation": "Trafficking criminalised (Kelley & Heiss)"}


@dataclass(frozen=True)
class Point:
    """One value of a country series and where it comes from."""

    country: str
    indicator: str
    sex: str
    age: str
    year: int
    value: float | None
    text: str
    source: str
    line: int


@dataclass(frozen=True)
class Source:
    """A data set behind the figures: what it is, under which terms, which version."""

    key: str
    title: str
    publisher: str
    url: str
    terms: str
    file: str
    sha256: str

    @property
    def version(self) -> str:
        """File name and the start of its SHA-256."""
        return f"{self.file}@sha256:{self.sha256[:16]}"


@lru_cache(maxsize=1)
def sources() -> dict[str, Source]:
    """The data sets of the packaged series."""
    doc = yaml.safe_load((DATA / "country_sources.yaml").read_text(encoding="utf-8"))
    return {k: Source(k, v["title"], v["publisher"], v["url"], v["terms"], v["file"], v["sha256"])
            for k, v in doc["sources"].items()}


@lru_cache(maxsize=1)
def _series() -> dict[str, list[Point]]:
    by_country: dict[str, list[Point]] = {}
    with (DATA / "country_series.csv").open(encoding="utf-8") as handle:
        for r in csv.DictReader(handle):
            point = Point(r["country"], r["indicator"], r["sex"], r["age"], int(r["year"]),
                          float(r["value"]) if r["value"] else None, r["text"], r["source"], int(r["source_line"]))
            by_country.setdefault(point.country, []).append(point)
    return by_country


def country_name(code: str) -> str:
    """The English name of an ISO 3166 alpha-2 code."""
    name = registry.country.names.get(code.lower())
    if name is None:
        raise NotFound(f"no country {code!r}", hint="use an ISO 3166 alpha-2 code such as GB or NG")
    return str(name)


def series(code: str, indicator: str, sex: str = "all", age: str = "all") -> list[Point]:
    """A country's values of one indicator over the years (empty if the source has none)."""
    country_name(code)
    return sorted((p for p in _series().get(code.upper(), []) if p.indicator == indicator and p.sex == sex
                   and p.age == age), key=lambda p: p.year)


def countries() -> list[tuple[str, str]]:
    """Countries with any packaged series, as (code, name)."""
    out = []
    for code in sorted(_series()):
        name = registry.country.names.get(code.lower())
        if name:
            out.append((code, str(name)))
    return sorted(out, key=lambda c: c[1])


@dataclass(frozen=True)
class Item:
    """One line of a scorecard: the measure, its value, and its source down to the line or provision."""

    measure: str
    value: str
    source: str
    version: str
    detail: str = ""
    verified: bool = True


@dataclass
class Scorecard:
    """A country's Protocol implementation and monitoring indicators."""

    code: str
    name: str
    profile: str | None
    items: list[Item] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"code": self.code, "name": self.name, "profile": self.profile,
                "items": [i.__dict__ for i in self.items]}


@lru_cache(maxsize=512)
def _participant_code(participant: str) -> str | None:
    """ISO code of a UNTC participant name ("United Kingdom of Great Britain and Northern Ireland" -> GB)."""
    code = registry.country.clean(participant.split("(")[0].strip())
    return code.upper() if code else None


def read_3p(path: Path) -> tuple[Source, list[Point]]:
    """The 3P Anti-Trafficking Policy Index (Cho, Dreher & Neumayer 2014) from a CSV the user holds (columns iso,
    year, p, prosecution, prevention, protection): not packaged, its authors ask to be asked first."""
    import hashlib

    from palermo.errors import InvalidInput

    try:
        raw = path.read_bytes()
        reader = csv.DictReader(raw.decode("utf-8").splitlines())
        points = []
        for line, r in enumerate(reader, start=2):
            code = registry.country.clean((r.get("iso") or "").strip())
            total = (r.get("p") or "").strip()
            if not code or total in ("", "NA"):
                continue
            parts = "/".join((r.get(k) or "?").strip() for k in ("prosecution", "prevention", "protection"))
            points.append(Point(code.upper(), "3p", "all", "all", int(r["year"]), float(total),
                                f"{float(total):g} of 15 (prosecution/prevention/protection {parts})", "3p", line))
    except (OSError, UnicodeDecodeError, KeyError, ValueError) as exc:
        raise InvalidInput(f"{path}: not a 3P index CSV (iso, year, p, prosecution, prevention, protection): "
                           f"{exc.__class__.__name__}") from None
    source = Source("3p", "3P Anti-Trafficking Policy Index (Cho, Dreher & Neumayer 2014)",
                    "Seo-Young Cho, Axel Dreher, Eric Neumayer", "http://www.economics-human-trafficking.org",
                    "cite Cho, Dreher & Neumayer (2014); not redistributed by Palermo", path.name,
                    hashlib.sha256(raw).hexdigest())
    return source, points


def scorecard(code: str, library: Library, index_3p: tuple[Source, list[Point]] | None = None) -> Scorecard:
    """Ratification, the law engine's reading of the national law against the Protocol and UNTOC,
    criminalisation over time, the latest TIP tier (and 3P index, when given) and the latest GLOTIP counts, each
    with its source."""
    code = code.upper()
    card = Scorecard(code, country_name(code), None)
    untc = next((r for r in library.treaty_tables.get("palermo_protocol", [])
                 if _participant_code(r.participant) == code), None)
    if untc:
        card.items.append(Item("Party to the Palermo Protocol", f"yes, since {untc.consent:%Y-%m-%d}"
                               if untc.consent else "signed, not ratified", "UN Treaty Collection, chapter XVIII-12-a",
                               "status as at 2014-01-27", f"participant: {untc.participant}"))
    else:
        card.items.append(Item("Party to the Palermo Protocol", "not in the UNTC table",
                               "UN Treaty Collection, chapter XVIII-12-a", "status as at 2014-01-27"))
    profile = library.profile_for_state(code)
    if profile is not None:
        card.profile = profile.id
        score = compare([profile], library).scores[0]
        card.items.append(Item(
            "Law against the Protocol and UNTOC (law engine)", f"{score.score:g} / 100",
            f"Palermo law profile {profile.id} (as of {profile.as_of})", "palermo law data",
            f"{score.met} met, {score.partial} partial, {score.gaps} gaps, {score.unknown} unknown of "
            f"{score.checks} mandatory checks", verified=profile.verified is True))
    else:
        card.items.append(Item("Law against the Protocol and UNTOC (law engine)", "no profile yet",
                               "Palermo law profiles", "palermo law data",
                               "add a profile (docs/law-profiles.md) to analyse this country's law"))
    crim = series(code, "criminalisation")
    if crim:
        last = crim[-1]
        src = sources()[last.source]
        card.items.append(Item(f"{INDICATOR_NAMES['criminalisation']} ({last.year})", last.text, src.title,
                               src.version, f"line {last.line}"))
    if index_3p is not None:
        source, points = index_3p
        mine = sorted((p for p in points if p.country == code), key=lambda p: p.year)
        if mine:
            last = mine[-1]
            card.items.append(Item(f"3P anti-trafficking policy index ({last.year})", last.text, source.title,
                                   source.version, f"line {last.line}"))
    tiers = series(code, "tip_tier")
    if tiers:
        last = tiers[-1]
        src = sources()[last.source]
        card.items.append(Item(f"US TIP Report tier ({last.year})", last.text, src.title, src.version,
                               f"line {last.line}"))
    for indicator in ("detected_victims", "prosecuted", "convicted"):
        points = series(code, indicator)
        if points:
            last = points[-1]
            src = sources()[last.source]
            card.items.append(Item(f"{INDICATOR_NAMES[indicator]} ({last.year})", last.text, src.title,
                                   src.version, f"line {last.line}"))
    return card
