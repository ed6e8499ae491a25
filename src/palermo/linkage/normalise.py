"""Palermo's normalisers: the same person written by two agencies ("Müller-Lüdenscheidt", "MULLER LUDENSCHEIDT")
should give the same tokens, so values are normalised before they are encoded (clkhash's maintainers: inconsistent
formatting between the parties is the first cause of missed matches).

A feature names its normaliser in the schema (``"normalise": "name"``); clkhash ignores that key, so a partner
using the reference tools feeds it values normalised the same way (the functions below are the definition).
Each returns the normalised text ("" for nothing left) or raises ``ValueError`` with a reason that never repeats
the value (it may be a person's name).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from normality import ascii_text

from palermo.linkage.schema import Normaliser

_APOSTROPHES = re.compile(r"['’`´ʼ]")
_NOT_ALNUM_LOWER = re.compile(r"[^a-z0-9]+")
_NOT_ALNUM_UPPER = re.compile(r"[^A-Z0-9]+")
_DATE = re.compile(r"^(\d{4})(?:[-/.]?(\d{2})(?:[-/.]?(\d{2}))?)?$")


def name(value: str) -> str:
    """A name or place: transliterated to ASCII (ICU, through normality), lower case, apostrophes dropped, every
    other run of non-alphanumerics one space ('Jean-Pierre O’Neil' -> 'jean pierre oneil')."""
    text = _APOSTROPHES.sub("", ascii_text(value) or "").lower()
    return _NOT_ALNUM_LOWER.sub(" ", text).strip()


def code(value: str) -> str:
    """A document number or country code: transliterated, upper case, only letters and digits ('ab 12-34' ->
    'AB1234')."""
    return _NOT_ALNUM_UPPER.sub("", (ascii_text(value) or "").upper())


def date(value: str) -> str:
    """A date, year first, whole or partial (FollowTheMoney's dates): '1985-03-07', '19850307', '1985-03' or
    '1985' -> '19850307', '198503', '1985'; any time of day is dropped. Day-first forms are refused (ambiguous);
    an impossible date (a typo's month 13) is kept, since its other digits still match."""
    text = value.strip().split("T", 1)[0]
    if not text:
        return ""
    found = _DATE.match(text)
    if found is None:
        raise ValueError("not a date written year first (YYYY-MM-DD, YYYY-MM, YYYY or YYYYMMDD)")
    year, month, day = found.groups()
    return year + (month or "") + (day or "")


_SEXES = {"f": "female", "female": "female", "w": "female", "woman": "female",
          "m": "male", "male": "male", "man": "male",
          "x": "other", "other": "other", "diverse": "other", "d": "other",
          "": "", "u": "", "unknown": "", "?": ""}


def sex(value: str) -> str:
    """Sex or gender as FollowTheMoney writes it: 'female', 'male', 'other', or '' when unknown (F/M/X, W, D and
    the words accepted, any case)."""
    try:
        return _SEXES[value.strip().casefold()]
    except KeyError:
        raise ValueError("not one of female, male, other, unknown (or F, M, X, U)") from None


NORMALISERS: dict[Normaliser, Callable[[str], str]] = {"name": name, "code": code, "date": date, "sex": sex}
