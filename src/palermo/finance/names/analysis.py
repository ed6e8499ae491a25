"""A name read for screening: its words in Latin letters, what each word is (a name, a particle, a legal form, a
numeral ...) and the table entries that link it to other spellings (Bill and William, Chou and Zhou, Intl and
International). Persons and organisations are read differently: only an organisation has a legal form."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cached_property, lru_cache
from itertools import pairwise
from typing import Literal

from normality import ascii_text
from rigour.names import NamePartTag, NameTypeTag, SymbolCategory, analyze_names

from palermo.finance.names.tables import ARTICLES, CONNECTORS, PARTICLES, PATRONYMIC, nickname_groups
from palermo.finance.names.wadegiles import pinyin_readings

Kind = Literal["person", "organisation", "entity", "object"]
Role = Literal["name", "particle", "article", "patronymic", "connector", "legal", "number"]
TYPE_TAGS: dict[Kind, NameTypeTag] = {"person": NameTypeTag.PER, "organisation": NameTypeTag.ORG,
                                      "entity": NameTypeTag.ORG, "object": NameTypeTag.OBJ}
"""How rigour reads each kind. A name of unknown kind is read with the organisation tables: rigour's person tables
take seconds to build once per process (measured in docs/finance.md), and only persons' names need them."""
LINKING = {SymbolCategory.NAME: "n:", SymbolCategory.NICK: "k:", SymbolCategory.SYMBOL: "s:"}
ROMAN = {"ii": "2", "iii": "3", "iv": "4", "vi": "6", "vii": "7", "viii": "8", "ix": "9", "xii": "12", "xiii": "13"}
"""Roman numerals read as numbers; not I, V, X, XI or LI, which are initials or Chinese names (Xi, Li) as often."""
MARKS = str.maketrans("", "", "'’ʹʼ`")
ARABIC_ARTICLE = "\u0627\u0644"  # alef lam


@dataclass(frozen=True)
class Word:
    """One word of a name: its Latin form (or its own script when no transliteration exists), its role in the
    name and the ids of table entries (given names, nicknames, abbreviations) it stands for."""

    text: str
    role: Role
    links: frozenset[str] = frozenset()
    known: bool = False  # a given or family name the name tables know (Mario, Maria)


@dataclass(frozen=True)
class NameForm:
    """A name as screening reads it: its words in order, with legal forms and numerals kept apart to be weighed."""

    kind: Kind
    words: tuple[Word, ...]

    @cached_property
    def core(self) -> tuple[Word, ...]:
        """The words that carry the name itself (no particle, article, legal form or numeral)."""
        return tuple(w for w in self.words if w.role == "name")

    @cached_property
    def legal(self) -> frozenset[str]:
        """Legal-form classes (LLC, JSC ...) written in the name."""
        return frozenset(w.text for w in self.words if w.role == "legal")

    @cached_property
    def numbers(self) -> frozenset[str]:
        """Numerals in the name (II, 3, 2000), as numbers."""
        return frozenset(w.text for w in self.words if w.role == "number")

    @cached_property
    def fathers(self) -> tuple[str, ...]:
        """The words that follow a patronymic marker (bin, ibn, ould ...): the father's name."""
        return tuple(b.text for a, b in pairwise(self.words)
                     if a.role == "patronymic" and b.role == "name")

    @cached_property
    def surname_words(self) -> tuple[str, ...]:
        """Core words and surname particles in order, as written together (van der Berg -> vanderberg)."""
        return tuple(w.text for w in self.words if w.role in ("name", "particle"))

    @cached_property
    def compared(self) -> tuple[Word, ...]:
        """The words compared word by word: the core words, or all words of a name that has no core word."""
        return self.core or self.words

    @cached_property
    def particles(self) -> tuple[str, ...]:
        """Surname particles (van, der, de ...) in order."""
        return tuple(w.text for w in self.words if w.role == "particle")

    @cached_property
    def joined(self) -> str:
        """Core words and particles written together (van der Berg -> vanderberg; Xi Jin Ping -> xijinping)."""
        return "".join(self.surname_words)

    @cached_property
    def pinyin(self) -> frozenset[str]:
        """The pinyin a Chinese name in Wade–Giles may stand for, written together (empty for other names)."""
        if self.kind == "organisation" or any(len(w.text) > 6 for w in self.core):
            return frozenset()
        return pinyin_readings(tuple(w.text for w in self.core))

    @cached_property
    def acronym(self) -> str:
        """The initials of an organisation's core words (Islamic Revolutionary Guard Corps -> irgc)."""
        return "".join(w.text[0] for w in self.core) if len(self.core) >= 2 else ""


def latin(form: str) -> list[str]:
    """Latin lower-case words of a name part; a script without transliteration keeps its own letters, so a name
    in Khmer or Mongolian still compares with itself. The Arabic article written onto a word (الأسد) is split off
    as Latin lists write it (al-Assad)."""
    if form.isascii() and form.isalnum():
        return [form.lower()]
    ascii_form = (ascii_text(form) or "").translate(MARKS)
    letters = sum(c.isalnum() for c in ascii_form)
    if not letters or ascii_form.count("?") * 2 > letters:  # mostly unknown letters: keep the script's own
        native = unicodedata.normalize("NFKC", form).casefold()
        return "".join(c if c.isalnum() or unicodedata.category(c).startswith("M") else " " for c in native).split()
    words = "".join(c if c.isalnum() else " " for c in ascii_form.replace("?", "").lower()).split()
    if form.startswith(ARABIC_ARTICLE) and len(words) == 1 and words[0].startswith("al") and len(words[0]) > 4:
        return ["al", words[0][2:]]
    return words


def _role(form: str, tag: NamePartTag, kind: Kind, position: int, count: int) -> Role:
    inner = 0 < position < count - 1
    if tag == NamePartTag.LEGAL and kind != "person":
        return "legal"
    if form.isdigit() or (form in ROMAN and position > 0):
        return "number"
    if inner and form in PATRONYMIC:
        return "patronymic"
    if position < count - 1 and count > 2 and form in ARTICLES:
        return "article"
    if position < count - 1 and count > 1 and form in PARTICLES and (position > 0 or count > 2):
        return "particle"
    if kind != "person" and form in CONNECTORS and count > 1:
        return "connector"
    return "name"


@lru_cache(maxsize=400_000)
def analyse(name: str, kind: Kind = "entity") -> NameForm:
    """Read a name for screening: transliterate, tag each word's role, and attach the table entries (given names,
    nicknames, abbreviations, legal-form classes) that let other spellings of it match."""
    parsed = analyze_names(TYPE_TAGS[kind], [name], phonetics=False)
    if not parsed:
        return NameForm(kind, tuple(Word(w, "name") for w in latin(name)))
    result = max(parsed, key=lambda n: len(n.parts))
    links: dict[int, set[str]] = {}
    legal: dict[int, str] = {}
    for span in result.spans:
        category = span.symbol.category
        if category == SymbolCategory.ORG_CLASS:
            for part in span.parts:
                legal[part.index] = span.symbol.id.lower()
        elif category in LINKING and (kind == "person" or category != SymbolCategory.NICK):
            for part in span.parts:
                links.setdefault(part.index, set()).add(LINKING[category] + span.symbol.id)
    nicknames = nickname_groups() if kind == "person" else {}
    pieces = [(part, text) for part in result.parts for text in latin(part.form)]
    words = []
    for position, (part, text) in enumerate(pieces):
        role = _role(text, part.tag, kind, position, len(pieces))
        if role == "legal":
            words.append(Word(legal.get(part.index, text), role))
            continue
        if role == "number":
            words.append(Word(_number(text), role))
            continue
        found = links.get(part.index, set()) | {"k:" + f for f in nicknames.get(text, ())}
        words.append(Word(text, role, frozenset(found), any(link.startswith("n:") for link in found)))
    return NameForm(kind, tuple(words))


def _number(text: str) -> str:
    return str(int(text)) if text.isdigit() else ROMAN[text]


def kind_of(schema: str) -> Kind:
    """How a listed entity's names are read, from its FtM schema."""
    if schema == "Person":
        return "person"
    if schema in ("Organization", "Company", "PublicBody"):
        return "organisation"
    if schema in ("Vessel", "Airplane"):
        return "object"
    return "entity"
