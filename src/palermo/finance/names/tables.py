"""Word lists a name is read with: nicknames (a packaged table), particles, articles and patronymic markers.

Where each list comes from is written beside it and in SOURCES.md; nothing here is tuned to a test set.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib.resources import files

PARTICLES = frozenset({"van", "von", "der", "den", "de", "del", "della", "dela", "da", "di", "du", "dos", "das", "do",
                       "la", "le", "ter", "ten", "zu", "vander", "vonder"})
"""Surname particles (van der Berg, von Trapp, de la Cruz): part of the family name, so they are kept and must agree."""

ARTICLES = frozenset({"al", "el", "ad", "ar", "as", "at", "az", "ash", "an", "ul", "ud", "ur", "ut"})
"""The Arabic article in its romanisations (al-Qaddafi, el-Assad, ad-Din): lists write it or leave it out freely."""

PATRONYMIC = frozenset({"bin", "ibn", "bn", "ben", "bint", "binti", "binte", "ould", "walad", "oglu", "ogly", "kyzy",
                        "uulu", "ap"})
"""Markers of a father's name (Mohammed bin Salman: Mohammed, son of Salman): the word after them is the father's."""

CONNECTORS = frozenset({"the", "and", "of", "for", "und", "et", "y", "e", "i", "&"})
"""Words joining an organisation's name (Bank of America); not counted among its initials when read as an acronym."""


@cache
def nickname_groups() -> dict[str, frozenset[str]]:
    """Each given name or nickname of the packaged table with the formal names it stands for (bill -> william)."""
    text = files("palermo.finance.names").joinpath("nicknames.csv").read_text(encoding="utf-8")
    groups: dict[str, set[str]] = {}
    rows = csv.reader(line for line in text.splitlines() if line and not line.startswith("#"))
    next(rows)  # header: name1,relationship,name2
    for formal, relation, nickname in rows:
        if relation != "has_nickname":
            continue
        groups.setdefault(formal, set()).add(formal)
        groups.setdefault(nickname, set()).add(formal)
    return {name: frozenset(formal) for name, formal in groups.items()}
