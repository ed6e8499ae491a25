"""How alike two names are: word by word in any order (each pair of words compared once), whole (names split
differently into words), or as an organisation's initials against its full name."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from rapidfuzz.distance import Indel, JaroWinkler
from rigour.text import metaphone

from palermo.finance.names.analysis import NameForm, Word

# Spellings that transliteration systems disagree on, reduced to one consonant skeleton (order matters).
SKELETON = [("tsch", "c"), ("sch", "s"), ("kh", "h"), ("ch", "h"), ("zh", "s"), ("sh", "s"), ("ph", "f"),
            ("dh", "d"), ("th", "t"), ("gh", "g"), ("ck", "k"), ("x", "ks"), ("q", "k"), ("w", "v"), ("z", "s")]
WORD_MATCH = 0.82
"""Two words at least this similar count as the same word."""
LINKED = 0.92
"""Two spellings a name table links (Bill and William, Chou and Zhou, Intl and International)."""
OTHER_NAME = 0.6
"""Two different names that both exist and differ by an ending (Mario and Maria, Daniel and Daniela)."""
PARTICLE_WEIGHT = 1.5
"""What a surname particle (van, der, de) present in only one of the names weighs, against a word's length."""


@lru_cache(maxsize=200_000)
def sound(word: str) -> str:
    """The word's sound (metaphone), or the word itself when it has none."""
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


def _vowelless(a: str, b: str) -> bool:
    return min(len(a), len(b)) >= 3 and any(not set(w) & set("aeiou") for w in (a, b))


@lru_cache(maxsize=400_000)
def spelling(a: str, b: str) -> float:
    """How alike two spellings are: Jaro–Winkler (a word inside a longer compound by share of letters), raised to 0.9 for equal sound and 0.88 for an equal consonant
    skeleton when that is telling (a sound of two consonants only for words alike anyway; a skeleton long enough,
    or one side written without vowels as Arabic names often are)."""
    short, long = sorted((a, b), key=len)
    if len(long) - len(short) >= 3 and long.startswith(short):  # a compound: Gazprom, Gazprombank
        return Indel.normalized_similarity(a, b)
    similarity = JaroWinkler.normalized_similarity(a, b)
    if sound(a) == sound(b) and min(len(a), len(b)) > 2 and (len(sound(a)) > 2 or similarity >= 0.75):
        return max(0.9, similarity)
    bones = skeleton(a)
    if bones == skeleton(b) and (len(bones) >= 4 or (len(bones) >= 2 and _vowelless(a, b))):
        return max(0.88, similarity)
    return similarity


def _fold(word: str) -> str:
    return word.replace("y", "i").replace("j", "i")


def other_name(a: str, b: str) -> bool:
    """Two words that differ only by a final vowel (Mario, Maria; Daniel, Daniela; not Sergei, Sergey)."""
    a, b = _fold(a), _fold(b)
    if a == b or min(len(a), len(b)) < 3:
        return False
    stem_a = a[:-1] if a[-1] in "aeiou" else a
    stem_b = b[:-1] if b[-1] in "aeiou" else b
    return stem_a == stem_b


@lru_cache(maxsize=500_000)
def word_similarity(a: Word, b: Word) -> float:
    """How alike two words of names are: equal, an initial, linked by a name table, or spelled alike; two known
    names that differ only by their ending are different names, however alike they look."""
    if a.text == b.text:
        return 1.0
    if len(a.text) == 1 or len(b.text) == 1:  # an initial stands for any word starting with it
        return 0.9 if a.text[0] == b.text[0] else 0.0
    if not a.links.isdisjoint(b.links):
        return LINKED
    similarity = spelling(a.text, b.text)
    if similarity >= WORD_MATCH and a.known and b.known and other_name(a.text, b.text):
        return OTHER_NAME
    return similarity


@dataclass(frozen=True)
class Comparison:
    """Two names compared: the similarity, how it was found, and which core words were paired (query, listed)."""

    score: float
    how: str
    pairs: tuple[tuple[int, int], ...] = ()


NOTHING = Comparison(0.0, "words")


def _words(query: NameForm, listed: NameForm) -> Comparison:
    qw, cw = query.compared, listed.compared
    if not qw or not cw:
        return NOTHING
    if query.joined == listed.joined and len(qw) == len(cw) and query.particles == listed.particles:
        return Comparison(1.0, "words", tuple((i, i) for i in range(len(qw))))  # written alike
    free = list(range(len(cw)))
    got = matched = missed = 0.0
    pairs = []
    for i in sorted(range(len(qw)), key=lambda i: -len(qw[i].text)):
        word = qw[i]
        weight = max(len(word.text), 3)
        best, best_sim = -1, 0.0
        for k, j in enumerate(free):
            sim = word_similarity(word, cw[j])
            if sim > best_sim:
                best, best_sim = k, sim
                if sim == 1.0:
                    break
        if best_sim >= WORD_MATCH:
            got += weight * best_sim
            matched += weight
            pairs.append((i, free.pop(best)))
        else:
            missed += weight
    if not matched:
        return NOTHING
    left = sum(max(len(cw[j].text), 3) for j in free)
    contained = missed == 0 or not free  # a middle name, patronymic or extra word on one side only
    particles = _particles(query.particles, listed.particles) * PARTICLE_WEIGHT
    score = got / (matched + (0.15 if contained else 1.0) * (missed + left) + particles)
    return Comparison(score, "words", tuple(sorted(pairs)))


def _particles(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    if a == b:
        return 0
    return len(a) + len(b) - 2 * sum(min(a.count(p), b.count(p)) for p in set(a))


def _joined(query: NameForm, listed: NameForm) -> Comparison:
    if len(query.surname_words) == len(listed.surname_words) or not query.joined or not listed.joined:
        return Comparison(0.0, "joined")  # split alike: the words speak for themselves
    similarity = Indel.normalized_similarity(query.joined, listed.joined, score_cutoff=0.92)
    return Comparison(similarity, "joined")


def _initials(query: NameForm, listed: NameForm) -> Comparison:
    if "person" in (query.kind, listed.kind):
        return Comparison(0.0, "initials")
    for short, full in ((query, listed), (listed, query)):
        if len(short.core) == 1 and 2 <= len(short.core[0].text) <= 8 and short.core[0].text == full.acronym:
            return Comparison(0.9, "initials")
    return Comparison(0.0, "initials")


def _romanised(query: NameForm, listed: NameForm) -> Comparison:
    for old, new in ((query, listed), (listed, query)):
        if old.pinyin and new.core and max(
                Indel.normalized_similarity(r, "".join(w.text for w in new.core)) for r in old.pinyin) >= 0.92:
            return Comparison(0.9, "pinyin")
    return Comparison(0.0, "pinyin")


def compare(query: NameForm, listed: NameForm) -> Comparison:
    """The best of four readings: word by word in any order, the names written together (Xi Jin Ping and Xi
    Jinping; Vanderberg and van der Berg), an organisation's initials against its full name (IRGC), and a
    Chinese name's Wade–Giles against its pinyin (Teng Hsiao-ping, Deng Xiaoping)."""
    best = _words(query, listed)
    if best.score >= 0.92:
        return best
    for reading in (_joined, _initials, _romanised):
        other = reading(query, listed)
        if other.score > best.score:
            best = other
    return best


def reordered(pairs: tuple[tuple[int, int], ...]) -> bool:
    """Whether the paired words stand in another order, beyond moving the family name to the front or back
    (Putin Vladimir is the same order turned; Hassan Ali Mohammed and Ali Hassan Mohammed are not)."""
    order = [j for _, j in sorted(pairs)]
    if len(order) < 3:
        return False
    descents = sum(1 for a, b in pairwise(order) if b < a)
    return descents > 1 or (descents == 1 and order[-1] > order[0])
