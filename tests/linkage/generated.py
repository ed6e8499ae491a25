"""Generated persons and the same persons as another agency recorded them, for checking that the person schema and
the threshold rule carry over to data they were not chosen on (neither FEBRL's generator nor its errors).

Persons come from Faker's public per-country name, city and street lists, for countries of origin and destination
in trafficking cases (Romania, Bulgaria, Ukraine, Russia, Poland, Hungary, Vietnam, China, Thailand, the
Philippines, Nigeria, Nepal, Spain, France, the United Kingdom), names in their own scripts. The second agency's
record of a person differs as records of two states do (``recorded_again``): names in the other order, one given
name more or less, typing errors, a name written in Latin letters by a romanisation other than ICU's, a birth date
with day and month swapped, a mistyped digit, the year alone or a year off, another document number, another
address, fields not known. Written for this check; nothing was tuned on it.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from normality import ascii_text

Person = dict[str, str | None]
LOCALES = {"ro_RO": "RO", "bg_BG": "BG", "uk_UA": "UA", "ru_RU": "RU", "pl_PL": "PL", "hu_HU": "HU", "vi_VN": "VN",
           "zh_CN": "CN", "th_TH": "TH", "tl_PH": "PH", "yo_NG": "NG", "ne_NP": "NP", "es_ES": "ES", "fr_FR": "FR",
           "en_GB": "GB"}
FIELDS = ("given_name", "family_name", "birth_date", "sex", "birth_place", "nationality", "id_number", "address")
OTHER_ROMANISATION = (("y", "j"), ("j", "y"), ("kh", "h"), ("ts", "c"), ("sh", "s"), ("ch", "c"), ("yu", "iu"),
                      ("ya", "ia"), ("zh", "j"), ("x", "ks"), ("w", "v"))


def persons(count: int, seed: int) -> list[Person]:
    """``count`` persons, each from one of the countries, with every field known."""
    from faker import Faker

    rng = random.Random(seed)
    fakers = {}
    for n, locale in enumerate(LOCALES):
        fakers[locale] = Faker(locale)
        fakers[locale].seed_instance(seed * 100 + n)
    out: list[Person] = []
    for _ in range(count):
        locale = rng.choice(list(LOCALES))
        fake = fakers[locale]
        female = rng.random() < 0.7  # most identified victims are women and girls (UNODC GLOTIP)
        out.append({
            "given_name": fake.first_name_female() if female else fake.first_name_male(),
            "family_name": fake.last_name_female() if female and hasattr(fake, "last_name_female")
            else fake.last_name(),
            "birth_date": fake.date_of_birth(minimum_age=12, maximum_age=60).isoformat(),
            "sex": "female" if female else "male",
            "birth_place": fake.city(),
            "nationality": LOCALES[locale],
            "id_number": fake.bothify("??#######").upper(),
            "address": " ".join(fake.address().split()),
        })
    return out


def _typo(text: str, rng: random.Random) -> str:
    """One typing error: a letter left out, doubled, replaced by a neighbour's, or two swapped."""
    if len(text) < 3:
        return text
    i = rng.randrange(1, len(text) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        return text[:i] + text[i + 1:]
    if kind == 1:
        return text[:i] + text[i] + text[i:]
    if kind == 2:
        return text[:i] + rng.choice("aeiourstnlm") + text[i + 1:]
    return text[:i - 1] + text[i] + text[i - 1] + text[i + 1:]


def _romanised(text: str, rng: random.Random) -> str:
    """A name in Latin letters as another romanisation writes it (a few of ICU's choices done otherwise)."""
    latin = (ascii_text(text) or text).lower()
    for old, new in rng.sample(OTHER_ROMANISATION, 3):
        latin = latin.replace(old, new)
    return latin.title()


def _date(value: str, rng: random.Random) -> str:
    year, month, day = value.split("-")
    kind = rng.randrange(4)
    if kind == 0 and int(day) <= 12:
        return f"{year}-{day}-{month}"
    if kind == 1:
        digits = list(year + month + day)
        k = rng.randrange(2, 8)
        digits[k] = str((int(digits[k]) + rng.choice((1, 9))) % 10)
        return "".join(digits[:4]) + "-" + "".join(digits[4:6]) + "-" + "".join(digits[6:])
    if kind == 2:
        return year
    return f"{int(year) + rng.choice((-1, 1))}-{month}-{day}"


def recorded_again(person: Person, rng: random.Random, other: Person) -> Person:
    """The person as a second agency recorded them (``other``: a person whose address or number may be taken when
    the person moved or used another document)."""
    p = dict(person)
    given, family = p["given_name"] or "", p["family_name"] or ""
    if not given.isascii() and rng.random() < 0.5:
        given, family = _romanised(given, rng), _romanised(family, rng)
    if rng.random() < 0.1:
        given = f"{given} {other['given_name']}"
    if rng.random() < 0.25:
        given = _typo(given, rng)
    if rng.random() < 0.25:
        family = _typo(family, rng)
    if rng.random() < 0.15:
        given, family = family, given
    p["given_name"], p["family_name"] = given, family
    changes: list[tuple[float, str, Callable[[str], str | None]]] = [
        (0.15, "birth_date", lambda v: _date(v, rng)),
        (0.08, "birth_date", lambda v: None),
        (0.3, "id_number", lambda v: other["id_number"]),
        (0.1, "id_number", lambda v: _typo(v, rng)),
        (0.3, "id_number", lambda v: None),
        (0.3, "address", lambda v: other["address"]),
        (0.2, "address", lambda v: _typo(v, rng)),
        (0.3, "address", lambda v: None),
        (0.3, "birth_place", lambda v: None),
        (0.1, "birth_place", lambda v: _typo(v, rng)),
        (0.2, "sex", lambda v: None),
        (0.2, "nationality", lambda v: None),
    ]
    for chance, field, change in changes:
        value = p[field]
        if value and rng.random() < chance:
            p[field] = change(value)
    return p


def pairs_of_records(count: int, seed: int) -> tuple[list[Person], list[Person]]:
    """``count`` persons as the first agency holds them and, row for row, as the second does."""
    rng = random.Random(seed + 1)
    first = persons(count, seed)
    strangers = persons(count, seed + 7)
    return first, [recorded_again(p, rng, strangers[i]) for i, p in enumerate(first)]


def columns(records: list[Person]) -> dict[str, list[Any]]:
    """The records as the person schema's input columns."""
    return {field: [r.get(field) for r in records] for field in FIELDS}


def reference_rows(schema: Any, records: dict[str, list[Any]]) -> list[tuple[str, ...]]:
    """The records as a partner on the reference tools feeds them to clkhash under a Palermo schema: each feature's
    fields joined by a space (``from``), normalised by the function the schema names, in the schema's order."""
    from palermo.linkage import NORMALISERS

    count = len(next(iter(records.values())))
    rows = []
    for i in range(count):
        row = []
        for feature in schema.features:
            names = getattr(feature, "sources", None) or (feature.identifier,)
            value = " ".join(v for v in (records.get(n, [None] * count)[i] for n in names) if v)
            row.append(NORMALISERS[feature.normalise](value) if feature.normalise else value)
        rows.append(tuple(row))
    return rows
