"""Indicator sets for victim identification: versioned YAML (``version: 1``), one file per source document, with a
citation and a verification flag on every indicator and on every rule.

The packaged sets and a user's own folder load through the same code; a user's set with the id of a packaged one
replaces it. Every problem in a file is reported at once, each with file, line and field.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field

from palermo import yamlfile
from palermo.errors import InvalidInput, NotFound
from palermo.law.library import PACKAGED as LAW_DATA
from palermo.law.schema import Vocabulary
from palermo.law.validation import many, suggest, validate_all
from palermo.model import Frozen, Verified

PACKAGED = Path(__file__).parent / "indicators"
SUFFIXES = (".yaml", ".yml")
KEY = r"^[a-z][a-z0-9_]{1,62}$"
CTDC_VARIABLE = r"^(meansOfControl|is|typeOfLabour|typeOfSex)[A-Z][A-Za-z]+$"
"""The CTDC data standard's means-of-control and type-of-exploitation variables (names checked by the tests
against the statistics package's copy of the standard)."""

Strength = Literal["strong", "medium", "weak"]
STRENGTHS: tuple[Strength, ...] = ("strong", "medium", "weak")


class Source(Frozen):
    """A published indicator document, and where its text was read."""

    title: str
    publisher: str
    date: str = Field(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$")
    url: str | None = None
    read_at: str | None = Field(default=None, description="where the text was read, when not at the publisher")
    note: str | None = None


class SourceCitation(Frozen):
    """Where in a source an indicator or a rule is written, and whether that was checked against the text."""

    source: str
    locator: str
    verified: Verified
    note: str | None = None


class PointsTo(Frozen):
    """The elements of the Protocol's definition (Art. 3(a)) that a positive answer points to, as law-vocabulary
    keys: how a person came into the situation (acts), how (means), and what for (purposes)."""

    acts: list[str] = Field(default_factory=list)
    means: list[str] = Field(default_factory=list)
    purposes: list[str] = Field(default_factory=list)

    def __or__(self, other: PointsTo) -> PointsTo:
        def union(a: list[str], b: list[str]) -> list[str]:
            return a + [k for k in b if k not in a]
        return PointsTo(acts=union(self.acts, other.acts), means=union(self.means, other.means),
                        purposes=union(self.purposes, other.purposes))


class Dimension(Frozen):
    """A group of indicators that stands for one element of the definition (deceptive recruitment, coercion at
    destination ...)."""

    key: str = Field(pattern=KEY)
    label: str
    points_to: PointsTo = PointsTo()
    citation: SourceCitation


class Indicator(Frozen):
    """One sign of trafficking or forced labour: the source's label, a plain-language question to ask the person,
    its strength where the source grades it, what it points to and which CTDC variables it feeds."""

    key: str = Field(pattern=KEY, description="stable within its set: answers are saved under it")
    label: str = Field(description="the indicator as the source names it")
    question: str = Field(description="a plain-language question in English (Palermo's wording, translated "
                                      "through the message catalogues)")
    dimension: str | None = None
    strength: Strength | None = None
    points_to: PointsTo = PointsTo()
    ctdc: list[str] = Field(default=[], description="CTDC variables a 'yes' sets to 1")
    citation: SourceCitation

    @property
    def verified(self) -> Verified:
        """Whether the label (and strength) were checked against the source text."""
        return self.citation.verified


class Clause(Frozen):
    """At least this many 'yes' answers of each strength (``medium_or_weak``: medium and weak together)."""

    strong: int = Field(default=0, ge=0)
    medium: int = Field(default=0, ge=0)
    weak: int = Field(default=0, ge=0)
    medium_or_weak: int = Field(default=0, ge=0)

    def met(self, counts: dict[str, int]) -> bool:
        """Do the counts of 'yes' answers per strength reach every minimum of the clause?"""
        return (counts.get("strong", 0) >= self.strong and counts.get("medium", 0) >= self.medium
                and counts.get("weak", 0) >= self.weak
                and counts.get("medium", 0) + counts.get("weak", 0) >= self.medium_or_weak)

    def words(self) -> str:
        """The clause as a person reads it: '1 strong and 1 medium or weak'."""
        parts = [f"{n} {name.replace('_', ' ')}" for name, n in
                 (("strong", self.strong), ("medium", self.medium), ("weak", self.weak),
                  ("medium_or_weak", self.medium_or_weak)) if n]
        return " and ".join(parts) or "no indicator"


class Rule(Frozen):
    """How a set's answers become a recommendation. ``judgement``: the source gives no counting rule, so any
    indicator calls for a further interview. ``dimensions``: a dimension is present when one of ``present_when``
    is met, and the person is presumed a victim when every group of ``victim_when`` has a present dimension (for
    a child, every group of ``child_when``, plus an act where ``child_needs_act``)."""

    kind: Literal["judgement", "dimensions"]
    summary: str
    present_when: list[Clause] = Field(default_factory=list)
    victim_when: list[list[str]] = Field(default_factory=list)
    child_when: list[list[str]] = Field(default_factory=list)
    child_needs_act: bool = True
    citation: SourceCitation
    child_citation: SourceCitation | None = None


class IndicatorSet(Frozen):
    """A list of indicators from one source for one kind of person and exploitation, with its rule."""

    id: str = Field(pattern=KEY)
    title: str
    set_version: str
    audience: Literal["adults", "children", "any"]
    exploitation: Literal["labour", "sexual", "any"]
    summary: str
    note: str | None = None
    purposes: list[str] = Field(default=[], description="the purposes of exploitation a presumed victim under this "
                                                        "set's rule was exploited for (law-vocabulary keys)")
    ctdc_exploitation: list[str] = Field(default=[], description="CTDC type-of-exploitation variables set to 1 for "
                                                                 "a presumed victim under the rule")
    dimensions: list[Dimension] = Field(default_factory=list)
    indicators: list[Indicator] = Field(min_length=1)
    rule: Rule

    def indicator(self, key: str) -> Indicator:
        """The indicator with this key."""
        for ind in self.indicators:
            if ind.key == key:
                return ind
        raise NotFound(f"no indicator {key!r} in the set {self.id!r}"
                       f"{suggest(key, [i.key for i in self.indicators])}")

    def dimension(self, key: str) -> Dimension:
        """The dimension with this key."""
        for dim in self.dimensions:
            if dim.key == key:
                return dim
        raise NotFound(f"no dimension {key!r} in the set {self.id!r}")

    def points_to(self, indicator: Indicator) -> PointsTo:
        """What a 'yes' to this indicator points to: its dimension's elements and its own."""
        if indicator.dimension is None:
            return indicator.points_to
        return self.dimension(indicator.dimension).points_to | indicator.points_to

    def questions(self) -> dict[str, str]:
        """Every indicator's key and English question, in order (for forms and message catalogues)."""
        return {i.key: i.question for i in self.indicators}

    @property
    def verified(self) -> Verified:
        """True when every indicator and the rule were checked against the source; 'partial' when some were."""
        flags = [i.verified for i in self.indicators] + [self.rule.citation.verified]
        if all(f is True for f in flags):
            return True
        return "partial" if any(f is True or f == "partial" for f in flags) else False


class IndicatorFile(Frozen):
    """One YAML file: the sources it cites and its indicator sets."""

    version: Literal[1]
    sources: dict[str, Source]
    sets: list[IndicatorSet] = Field(min_length=1)


@dataclass
class IndicatorLibrary:
    """The indicator sets in force, with the sources they cite and the file each came from."""

    sets: dict[str, IndicatorSet] = field(default_factory=dict)
    sources: dict[str, Source] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)

    def set(self, set_id: str) -> IndicatorSet:
        """The indicator set with this id."""
        try:
            return self.sets[set_id]
        except KeyError:
            raise NotFound(f"no indicator set {set_id!r}{suggest(set_id, self.sets)}",
                           hint=f"indicator sets: {', '.join(sorted(self.sets))}") from None

    def source(self, key: str) -> Source:
        """A cited source by its key."""
        return self.sources[key]


def _files(folder: Path) -> list[Path]:
    if folder.is_file():
        return [folder]
    if not folder.is_dir():
        raise InvalidInput(f"{folder}: no such indicator folder or file")
    return sorted(p for p in folder.iterdir() if p.suffix in SUFFIXES and p.is_file())


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    """The law engine's vocabulary: the keys indicators point to and conducts are written in."""
    return yamlfile.load_file(Vocabulary, LAW_DATA / "vocabulary.yaml")


def _check_set(s: IndicatorSet, i: int, sources: dict[str, Source], vocab: Vocabulary
               ) -> Iterator[tuple[yamlfile.Loc, str]]:
    here: yamlfile.Loc = ("sets", i)
    dims = [d.key for d in s.dimensions]
    cites: list[tuple[yamlfile.Loc, SourceCitation | None]] = [
        ((*here, "rule", "citation"), s.rule.citation), ((*here, "rule", "child_citation"), s.rule.child_citation)]
    points: list[tuple[yamlfile.Loc, PointsTo]] = []
    for j, d in enumerate(s.dimensions):
        if dims.count(d.key) > 1 and dims.index(d.key) != j:
            yield (*here, "dimensions", j, "key"), f"dimension {d.key!r} is defined twice"
        cites.append(((*here, "dimensions", j, "citation"), d.citation))
        points.append(((*here, "dimensions", j, "points_to"), d.points_to))
    seen: set[str] = set()
    for j, ind in enumerate(s.indicators):
        at = (*here, "indicators", j)
        if ind.key in seen:
            yield (*at, "key"), f"indicator {ind.key!r} is defined twice in the set"
        seen.add(ind.key)
        if s.dimensions and ind.dimension not in dims:
            yield (*at, "dimension"), (f"unknown dimension {ind.dimension!r}{suggest(str(ind.dimension), dims)}"
                                       if ind.dimension else "every indicator of this set names its dimension")
        if not s.dimensions and ind.dimension is not None:
            yield (*at, "dimension"), "the set has no dimensions"
        if s.rule.kind == "dimensions" and ind.strength is None:
            yield (*at, "strength"), "a set with a dimensions rule grades every indicator strong, medium or weak"
        cites.append(((*at, "citation"), ind.citation))
        points.append(((*at, "points_to"), ind.points_to))
        for k, name in enumerate(ind.ctdc):
            if not _ctdc_name(name):
                yield (*at, "ctdc", k), f"{name!r} is not a CTDC means-of-control or type-of-exploitation variable"
    for k, name in enumerate(s.ctdc_exploitation):
        if not _ctdc_name(name):
            yield (*here, "ctdc_exploitation", k), f"{name!r} is not a CTDC type-of-exploitation variable"
    for loc, cite in cites:
        if cite is not None and cite.source not in sources:
            yield (*loc, "source"), f"source {cite.source!r} is not listed under sources{suggest(cite.source, sources)}"
    for loc, p in points:
        for kind in ("acts", "means", "purposes"):
            allowed = vocab.keys(kind)
            for k, key in enumerate(getattr(p, kind)):
                if key not in allowed:
                    yield (*loc, kind, k), f"unknown {kind} key {key!r}{suggest(key, allowed)}"
    for k, key in enumerate(s.purposes):
        if key not in vocab.keys("purposes"):
            yield (*here, "purposes", k), f"unknown purposes key {key!r}"
    if s.rule.kind == "dimensions":
        if not s.dimensions or not s.rule.present_when or not s.rule.victim_when:
            yield (*here, "rule"), "a dimensions rule needs the set's dimensions, present_when and victim_when"
        for name in ("victim_when", "child_when"):
            for g, group in enumerate(getattr(s.rule, name)):
                for k, key in enumerate(group):
                    if key not in dims:
                        yield (*here, "rule", name, g, k), f"unknown dimension {key!r}{suggest(key, dims)}"


def _ctdc_name(name: str) -> bool:
    return re.fullmatch(CTDC_VARIABLE, name) is not None


def read_indicator_file(path: Path, vocab: Vocabulary | None = None) -> IndicatorFile:
    """Read and check one indicator file; every problem in it is reported at once (file, line, field)."""
    source = str(path)
    data, lines = yamlfile.parse(yamlfile.read_text(path), source)
    if not isinstance(data, dict):
        raise InvalidInput(f"{source}: an indicator file is a mapping with version, sources and sets")
    parsed, problems = validate_all(IndicatorFile, data, source, lines)
    if parsed is not None:
        ids = [s.id for s in parsed.sets]
        for i, s in enumerate(parsed.sets):
            if ids.count(s.id) > 1 and ids.index(s.id) != i:
                problems.append(yamlfile.error_at(source, lines, ("sets", i, "id"),
                                                  f"set {s.id!r} is defined twice").message)
            for loc, message in _check_set(s, i, parsed.sources, vocab or vocabulary()):
                problems.append(yamlfile.error_at(source, lines, loc, message).message)
    if problems or parsed is None:
        raise many(problems)
    return parsed


def load_indicators(extra_dirs: Sequence[Path] = (), *, packaged: bool = True) -> IndicatorLibrary:
    """Load the packaged indicator sets, then each user folder or file in order; a set with the id of an earlier
    one replaces it."""
    vocab = vocabulary()
    library = IndicatorLibrary()
    paths = (_files(PACKAGED) if packaged else []) + [p for d in extra_dirs for p in _files(d)]
    for path in paths:
        parsed = read_indicator_file(path, vocab)
        library.sources.update(parsed.sources)
        for s in parsed.sets:
            library.sets[s.id] = s
            library.origins[s.id] = "packaged" if path.parent == PACKAGED else str(path)
    return library

