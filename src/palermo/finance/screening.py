"""Watchlist screening: parties' names against sanctions or PEP lists in FollowTheMoney / OpenSanctions format.

Names are compared after transliteration to Latin (Cyrillic, Greek, Arabic, Chinese ...; a script without a
transliteration keeps its own letters), in any word order, with initials, typos, nicknames, abbreviations and other
romanisations allowed. Persons and organisations are read apart: legal forms, numerals, surname particles and
fathers' names are weighed, not deleted. Every match carries the scores of its features, so a reviewer sees why.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import combinations
from pathlib import Path

from followthemoney.types import registry

from palermo.errors import InvalidInput
from palermo.finance.names import NameForm, Word, analyse, kind_of
from palermo.finance.names.compare import NOTHING, Comparison, compare, skeleton, sound
from palermo.finance.names.evidence import Feature, weigh
from palermo.ftm import parse_lines

SCREENED_SCHEMATA = ("LegalEntity", "Vessel", "Airplane")
BONUS = 0.1
"""The most the other features add to a name's likeness (a birth date that agrees)."""
COMMON_KEY = 5000
"""A key shared by more listed entities than this (a very common word or given name) does not make a candidate."""


def tokens(name: str, schema: str = "LegalEntity") -> tuple[str, ...]:
    """The words that carry a name, in Latin lower case: legal forms, numerals, particles and articles set apart."""
    return tuple(w.text for w in analyse(name, kind_of(schema)).core)


@lru_cache(maxsize=200_000)
def _keys(word: Word) -> tuple[str, ...]:
    """Index keys of a word: itself and, from four letters, the word less any one letter (a typo in one of two
    spellings leaves a key they share), its sound, its consonant skeleton and the table entries it stands for."""
    text = word.text
    typos = tuple("-" + text[:i] + text[i + 1:] for i in range(len(text))) if len(text) >= 4 else ()
    heard = sound(text)
    keys = ("-" + text, *typos, *(("~" + heard,) if len(heard) >= 3 else ()), *word.links)
    bones = skeleton(word.text)
    return (*keys, "#" + bones) if len(bones) >= 3 else keys


def whole_keys(form: NameForm) -> set[str]:
    """Index keys of a whole name: written together, its pinyin readings, and unless it names a person its
    initials (IRGC finds the Islamic Revolutionary Guard Corps, and back)."""
    keys = {"=" + form.joined, *("=" + reading for reading in form.pinyin)} if form.joined else set()
    if form.kind != "person" and form.core:
        keys.add("^" + (form.acronym or form.core[0].text))
    return keys


def name_keys(form: NameForm) -> set[str]:
    """Index keys of a name: its words' keys and its whole-name keys."""
    return {key for word in form.core if len(word.text) >= 2 for key in _keys(word)} | whole_keys(form)


@dataclass(frozen=True)
class ListEntity:
    """A listed person or organisation: its names in every script, birth dates, countries, topics."""

    id: str
    schema: str
    caption: str
    names: tuple[str, ...]
    birth_dates: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()


@dataclass
class WatchList:
    """A screening list loaded from FtM JSON lines, indexed by word and by sound for fast candidate lookup."""

    name: str
    version: str
    entities: dict[str, ListEntity]
    index: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    sizes: dict[str, int] = field(default_factory=dict)  # the fewest core words among an entity's names
    short: set[str] = field(default_factory=set)  # entities with a name of one word or none

    def build_index(self) -> None:
        """Index every word, its sound and its table entries; the rare word of a query finds its candidates."""
        for entity in self.entities.values():
            kind = kind_of(entity.schema)
            forms = [analyse(name, kind) for name in entity.names]
            self.sizes[entity.id] = min(len(form.core) for form in forms)
            if self.sizes[entity.id] <= 1:
                self.short.add(entity.id)
            for form in forms:
                for key in name_keys(form):
                    self.index[key].add(entity.id)


def load_watchlist(path: Path, name: str | None = None) -> WatchList:
    """Load a list of FtM entities (JSON lines); its version is the file's SHA-256, so decisions can cite it."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot be read: {exc.__class__.__name__}") from None
    entities: dict[str, ListEntity] = {}
    for _, proxy in parse_lines(raw.decode("utf-8", errors="replace").splitlines(), str(path), strict=False):
        if not any(proxy.schema.is_a(s) for s in SCREENED_SCHEMATA):
            continue
        names = tuple(dict.fromkeys(proxy.get("name") + proxy.get("alias", quiet=True)
                                    + proxy.get("previousName", quiet=True)))
        if not names:
            continue
        entities[str(proxy.id)] = ListEntity(
            id=str(proxy.id), schema=proxy.schema.name, caption=proxy.caption, names=names,
            birth_dates=tuple(proxy.get("birthDate", quiet=True)),
            countries=tuple(sorted(set(proxy.get_type_values(registry.country)))),
            topics=tuple(proxy.get("topics", quiet=True)))
    digest = hashlib.sha256(raw).hexdigest()[:16]
    watchlist = WatchList(name=name or path.stem, version=f"{path.name}@sha256:{digest}", entities=entities)
    watchlist.build_index()
    return watchlist


@dataclass(frozen=True)
class Query:
    """A party to screen: a name and, when known, a birth date (YYYY or YYYY-MM-DD) and countries."""

    name: str
    birth_date: str | None = None
    countries: tuple[str, ...] = ()
    ref: str | None = None


@dataclass(frozen=True)
class Match:
    """A listed entity that may be the screened party, with its score and per-feature explanation."""

    entity: ListEntity
    score: float
    features: tuple[Feature, ...]
    matched_name: str


def _dates(query: str | None, listed: Sequence[str]) -> Feature | None:
    if not query or not listed:
        return None
    if any(d[:len(query)] == query or query[:len(d)] == d for d in listed):
        return Feature("birth_date_match", 1.0, 0.1, f"birth date {query} agrees with the list")
    if any(d[:4] == query[:4] for d in listed):
        return Feature("birth_year_match", 1.0, 0.05, f"birth year {query[:4]} agrees; day or month differ")
    return Feature("birth_date_mismatch", 1.0, -0.3, f"birth date {query} differs from the list's {listed[0]}")


HOW = {"words": "word by word, any order", "joined": "written together", "initials": "initials against the full name",
       "pinyin": "Wade-Giles read as pinyin"}


def score_candidate(query: Query, entity: ListEntity) -> Match:
    """Score one listed entity against the query: the best of its names (name likeness and what legal forms,
    numerals, fathers' names and word order say), then birth date and country adjustments."""
    kind = kind_of(entity.schema)
    asked = analyse(query.name, kind)
    best: tuple[float, str, Comparison, list[Feature]] = (-1.0, entity.names[0], NOTHING, [])
    for name in entity.names:
        listed = analyse(name, kind)
        comparison = compare(asked, listed)
        checks = weigh(asked, listed, comparison) if comparison.score else []
        total = comparison.score + sum(f.value * f.weight for f in checks)
        if total > best[0]:
            best = (total, name, comparison, checks)
    _, best_name, comparison, checks = best
    features = [Feature("name_similarity", round(comparison.score, 3), 1.0, f"'{query.name}' against listed name "
                        f"'{best_name}' (transliterated; {HOW[comparison.how]})"), *checks]
    dates = _dates(query.birth_date, entity.birth_dates)
    if dates:
        features.append(dates)
    if query.countries and entity.countries and not set(query.countries) & set(entity.countries):
        features.append(Feature("country_mismatch", 1.0, -0.1,
                                f"countries {', '.join(query.countries)} vs listed {', '.join(entity.countries)}"))
    total = sum(f.value * f.weight for f in features)
    return Match(entity=entity, score=round(min(1.0, max(0.0, total)), 3), features=tuple(features),
                 matched_name=best_name)


def _reachable(found: float, total: float, found_words: int, listed_words: int) -> float:
    """The most a name can score when only ``found`` of the query's ``total`` word weight shares an index key with
    it (the word alignment's formula with every shared word taken as equal)."""
    missed = total - found
    if missed <= 0:
        return 1.0
    extra = listed_words - found_words
    if extra > 0:  # listed words left over: the names are not contained one in the other
        return found / (found + missed + 3 * extra)
    return found / (found + 0.15 * missed)


def candidates(query: Query, watchlist: WatchList, limit: int = 50, floor: float = 0.0) -> list[ListEntity]:
    """Entities sharing a word, the sound or a table entry of a word, or the whole name (written together, as
    pinyin, as initials) with the query, most shared first; those whose shared words cannot reach ``floor``
    are left out."""
    forms = (analyse(query.name, "person"), analyse(query.name, "entity"))
    words: dict[str, set[str]] = defaultdict(set)
    for form in forms:
        for word in form.core:
            if len(word.text) >= 2:
                words[word.text].update(_keys(word))
    hit_by: list[tuple[int, set[str]]] = []
    for text, keys in words.items():
        ids: set[str] = set()
        for key in keys:
            listed = watchlist.index.get(key, ())
            if len(listed) <= COMMON_KEY:
                ids.update(listed)
        hit_by.append((max(len(text), 3), ids))
    total = sum(weight for weight, _ in hit_by)
    sets = [ids for _, ids in hit_by]
    several = set().union(*(a & b for a, b in combinations(sets, 2)))  # ids sharing two or more words
    found: dict[str, float] = {}
    for weight, ids in hit_by:  # one word shared: set algebra decides, or the few left are checked one by one
        if _reachable(weight, total, 1, 2) >= floor:
            alone = ids - several
        elif _reachable(weight, total, 1, 1) >= floor:
            alone = (ids - several) & watchlist.short
        else:
            continue
        for entity_id in alone:
            if _reachable(weight, total, 1, watchlist.sizes.get(entity_id, 0)) >= floor:
                found[entity_id] = weight
    for entity_id in several:
        hits = [weight for weight, ids in hit_by if entity_id in ids]
        shared = sum(hits)
        if _reachable(shared, total, len(hits), watchlist.sizes.get(entity_id, 0)) >= floor:
            found[entity_id] = shared
    whole = {i for form in forms for key in whole_keys(form) for i in watchlist.index.get(key, ())}
    kept = list(whole | set(found))
    ranked = sorted(kept, key=lambda i: (i not in whole, -found.get(i, 0.0), i))[:limit]
    return [watchlist.entities[i] for i in ranked]


def screen(query: Query, watchlist: WatchList, *, threshold: float = 0.8, limit: int = 5) -> list[Match]:
    """The listed entities that may be the queried party, best first, at or above ``threshold``."""
    scored = (score_candidate(query, e) for e in candidates(query, watchlist, floor=threshold - BONUS))
    matches = sorted((m for m in scored if m.score >= threshold), key=lambda m: (-m.score, m.entity.id))
    return matches[:limit]


def screen_all(queries: Iterable[Query], watchlist: WatchList, *, threshold: float = 0.8) -> list[tuple[Query, list[Match]]]:
    """Screen many parties; returns each query with its matches (possibly none)."""
    return [(q, screen(q, watchlist, threshold=threshold)) for q in queries]
