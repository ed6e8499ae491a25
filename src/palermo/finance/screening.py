"""Watchlist screening: parties' names against sanctions or PEP lists in FollowTheMoney / OpenSanctions format.

Names are compared after transliteration to Latin (Cyrillic, Greek, Arabic, Chinese ...), in any word order, with
initials and typos allowed. Every match carries the scores of its features, so a reviewer sees why it matched.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from followthemoney.types import registry
from normality import ascii_text
from rapidfuzz.distance import Indel, JaroWinkler
from rigour.names import remove_org_types
from rigour.text import metaphone

from palermo.errors import InvalidInput
from palermo.ftm import parse_lines

SCREENED_SCHEMATA = ("LegalEntity", "Vessel", "Airplane")
STOP = {"al", "el", "bin", "bn", "ibn", "von", "van", "de", "der", "da", "di", "la", "le", "the", "and", "of"}
MARKS = str.maketrans("", "", "'’ʹʼ`")
# Spellings that transliteration systems disagree on, reduced to one consonant skeleton (order matters).
SKELETON = [("tsch", "c"), ("sch", "s"), ("kh", "h"), ("ch", "h"), ("zh", "s"), ("sh", "s"), ("ph", "f"),
            ("dh", "d"), ("th", "t"), ("gh", "g"), ("ck", "k"), ("x", "ks"), ("q", "k"), ("w", "v"), ("z", "s")]


@lru_cache(maxsize=200_000)
def tokens(name: str) -> tuple[str, ...]:
    """A name as Latin lower-case words: transliterated, legal forms (LLC, GmbH, OOO ...) and particles removed."""
    latin = (ascii_text(remove_org_types(name) or name) or "").translate(MARKS)
    latin = remove_org_types(latin) or latin
    words = "".join(c if c.isalnum() else " " for c in latin.lower()).split()
    kept = tuple(w for w in words if w not in STOP)
    return kept or tuple(words)


@lru_cache(maxsize=200_000)
def _sound(word: str) -> str:
    return metaphone(word) or word


@lru_cache(maxsize=200_000)
def skeleton(word: str) -> str:
    """The consonants of a word after folding spelling variants (kh/ch, zh/sh/sch, w/v ...): Aleksej and Alexei,
    Mikhail and Michail, Mohammed and the vowel-less Arabic transliteration mhmd share one skeleton."""
    for old, new in SKELETON:
        word = word.replace(old, new)
    out = ""
    for c in word:
        if c in "aeiouyhj" or (out and out[-1] == c):
            continue
        out += c
    return out


def _keys(word: str) -> tuple[str, ...]:
    """Index keys of a word: itself, its sound and its consonant skeleton."""
    keys = (word, "~" + _sound(word))
    bones = skeleton(word)
    return (*keys, "#" + bones) if len(bones) >= 3 else keys


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

    def build_index(self) -> None:
        """Index every word and its sound; the rare word of a query finds its candidates quickly."""
        for entity in self.entities.values():
            for name in entity.names:
                for word in tokens(name):
                    for key in _keys(word):
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
class Feature:
    """One reason a candidate scores as it does: the measured value, its weight and what it means."""

    name: str
    value: float
    weight: float
    explanation: str


@dataclass(frozen=True)
class Match:
    """A listed entity that may be the screened party, with its score and per-feature explanation."""

    entity: ListEntity
    score: float
    features: tuple[Feature, ...]
    matched_name: str


def _vowelless(a: str, b: str) -> bool:
    return min(len(a), len(b)) >= 3 and any(not set(w) & set("aeiou") for w in (a, b))


def _word_similarity(a: str, b: str) -> float:
    if a == b:
        return 1.0
    if len(a) == 1 or len(b) == 1:  # an initial stands for any word starting with it
        return 0.9 if a[0] == b[0] else 0.0
    similarity = JaroWinkler.normalized_similarity(a, b)
    if _sound(a) == _sound(b) and min(len(a), len(b)) > 2:
        return max(0.9, similarity)
    # Equal skeletons count when long enough to be telling (Potanin and Putin share p-t-n), or when one side
    # was written without vowels, as names transliterated from Arabic or Persian are (mhmd, Mohammed).
    if skeleton(a) == skeleton(b) and (len(skeleton(a)) >= 4 or (len(skeleton(a)) >= 2 and _vowelless(a, b))):
        return max(0.88, similarity)
    return similarity


def name_similarity(query: Sequence[str], candidate: Sequence[str]) -> float:
    """How well the words of two names align, in any order: each query word paired with its best candidate word,
    weighted by length. Words left over count fully, unless one name is wholly contained in the other (a middle
    name, patronymic or legal form added), when they count lightly. Names split differently into words
    (Xi Jin Ping, Xi Jinping) are also compared whole."""
    if not query or not candidate:
        return 0.0
    free = list(candidate)
    got, matched, missed = 0.0, 0.0, 0.0
    for word in sorted(query, key=len, reverse=True):
        weight = max(len(word), 3)
        best = max(range(len(free)), key=lambda i: _word_similarity(word, free[i])) if free else -1
        sim = _word_similarity(word, free[best]) if free else 0.0
        if sim >= 0.82:
            got += weight * sim
            matched += weight
            free.pop(best)
        else:
            missed += weight
    left = sum(max(len(w), 3) for w in free)
    contained = matched > 0 and (missed == 0 or not free)
    penalty = 0.15 if contained else 1.0
    score = got / (matched + penalty * (missed + left)) if matched else 0.0
    joined = Indel.normalized_similarity("".join(query), "".join(candidate))
    return max(score, joined if joined >= 0.92 else 0.0)


def _dates(query: str | None, listed: Sequence[str]) -> Feature | None:
    if not query or not listed:
        return None
    if any(d[:len(query)] == query or query[:len(d)] == d for d in listed):
        return Feature("birth_date_match", 1.0, 0.1, f"birth date {query} agrees with the list")
    if any(d[:4] == query[:4] for d in listed):
        return Feature("birth_year_match", 1.0, 0.05, f"birth year {query[:4]} agrees; day or month differ")
    return Feature("birth_date_mismatch", 1.0, -0.3, f"birth date {query} differs from the list's {listed[0]}")


def score_candidate(query: Query, entity: ListEntity) -> Match:
    """Score one listed entity against the query: name alignment, then birth date and country adjustments."""
    q_tokens = tokens(query.name)
    best, best_name = 0.0, entity.names[0]
    for name in entity.names:
        sim = name_similarity(q_tokens, tokens(name))
        if sim > best:
            best, best_name = sim, name
    features = [Feature("name_similarity", round(best, 3), 1.0,
                        f"'{query.name}' against listed name '{best_name}' (transliterated, any order)")]
    dates = _dates(query.birth_date, entity.birth_dates)
    if dates:
        features.append(dates)
    if query.countries and entity.countries and not set(query.countries) & set(entity.countries):
        features.append(Feature("country_mismatch", 1.0, -0.1,
                                f"countries {', '.join(query.countries)} vs listed {', '.join(entity.countries)}"))
    total = sum(f.value * f.weight for f in features)
    return Match(entity=entity, score=round(min(1.0, max(0.0, total)), 3), features=tuple(features),
                 matched_name=best_name)


def candidates(query: Query, watchlist: WatchList, limit: int = 50) -> list[ListEntity]:
    """Entities sharing a word or the sound of a word with the query, those sharing most first."""
    hits: dict[str, int] = defaultdict(int)
    for word in set(tokens(query.name)):
        if len(word) < 2:
            continue
        for key in _keys(word):
            ids = watchlist.index.get(key, ())
            if len(ids) > 5000:  # a very common word alone does not make a candidate
                continue
            for entity_id in ids:
                hits[entity_id] += 1
    ranked = sorted(hits, key=lambda i: -hits[i])[:limit]
    return [watchlist.entities[i] for i in ranked]


def screen(query: Query, watchlist: WatchList, *, threshold: float = 0.8, limit: int = 5) -> list[Match]:
    """The listed entities that may be the queried party, best first, at or above ``threshold``."""
    scored = (score_candidate(query, e) for e in candidates(query, watchlist))
    matches = sorted((m for m in scored if m.score >= threshold), key=lambda m: (-m.score, m.entity.id))
    return matches[:limit]


def screen_all(queries: Iterable[Query], watchlist: WatchList, *, threshold: float = 0.8) -> list[tuple[Query, list[Match]]]:
    """Screen many parties; returns each query with its matches (possibly none)."""
    return [(q, screen(q, watchlist, threshold=threshold)) for q in queries]
