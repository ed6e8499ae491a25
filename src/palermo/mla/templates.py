"""The language templates of request documents (packaged data: ``data/templates/<language>.yaml``): every template
has the English template's words and a label for every term, so a document never falls back to another language.
Legal quotations are not templates: they stay in the language of their source."""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Any, Literal

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal
from pydantic import model_validator

from palermo import yamlfile
from palermo.errors import InvalidInput
from palermo.mla.request import PersonRole
from palermo.mla.sources import DATA
from palermo.mla.terms import LANGUAGES, Form, Ground, Language, Stage, Status
from palermo.mla.terms import BasisKind as Kinds
from palermo.model import Citation, Frozen

LOCALES: dict[Language, str] = {"en": "en_GB", "fr": "fr_FR"}
"""The locale dates and numbers are written in: British English (2 March 2026), French of France."""
Outcome = Literal["met", "not_met", "undetermined"]
Verdict = Literal["yes", "no", "undetermined"]


class Template(Frozen):
    """The words of request documents in one language."""

    version: Literal[1]
    language: Language
    words: dict[str, str]
    forms: dict[Form, str]
    grounds: dict[Ground, str]
    stages: dict[Stage, str]
    stages_in: dict[Stage, str]
    statuses: dict[Status, str]
    bases: dict[Kinds, str]
    roles: dict[PersonRole, str]
    outcomes: dict[Outcome, str]
    verdicts: dict[Verdict, str]
    purposes: dict[Literal["prosecution", "enforcement"], str]
    jurisdiction: dict[str, str]

    @model_validator(mode="after")
    def _complete(self) -> Template:
        for name, field in type(self).model_fields.items():
            args: tuple[Any, ...] = getattr(field.annotation, "__args__", ())
            keys: tuple[Any, ...] = getattr(args[0], "__args__", ()) if len(args) == 2 else ()
            value = getattr(self, name)
            lacking = [k for k in keys if k not in value]
            if lacking:
                raise ValueError(f"{name}: no label for {', '.join(map(str, lacking))}")
        return self

    def w(self, key: str, **values: Any) -> str:
        """A word or sentence of the template, with ``values`` put in its {placeholders}."""
        try:
            return self.words[key].format(**values)
        except KeyError as exc:
            raise InvalidInput(f"template {self.language}: no word {exc} (in {key!r})") from None

    def country(self, code: str) -> str:
        """A state's name in this language ('PL' -> 'Pologne'); a profile id keeps its sub-division ('GB-EAW')."""
        name = Locale.parse(self.language).territories.get(code[:2].upper(), code)
        return f"{name} ({code})" if "-" in code else name

    def day(self, when: date) -> str:
        """A date written out in this language ('12 janvier 2026')."""
        return format_date(when, format="long", locale=LOCALES[self.language])

    def language_name(self, code: str) -> str:
        """A language's name in this language ('en' -> 'anglais')."""
        return str(Locale.parse(self.language).languages.get(code, code))

    def flag(self, citation: Citation) -> str:
        """A citation as a person writes it, with its verification flag in this language."""
        if citation.verified is True:
            return citation.reference
        word = self.w("flag_partial") if citation.verified == "partial" else self.w("flag_unverified")
        return f"{citation.reference} [{word}]"

    def penalty(self, max_years: float | None, life: bool) -> str:
        """The highest penalty in words: 'up to 10 years', 'up to life imprisonment', or that none is stated."""
        if life:
            return self.w("penalty_life")
        return self.w("penalty_max", duration=self.years(max_years)) if max_years is not None \
            else self.w("penalty_unstated")

    def years(self, years: float) -> str:
        """A number of years in this language ('1 year', '1,5 an', '10 ans'): singular below two in French, for one
        in English."""
        one = years < 2 if self.language == "fr" else years == 1
        number = format_decimal(years, locale=LOCALES[self.language])
        return self.w("year_one" if one else "year_many", years=number)

    def answer(self, value: bool | None) -> str:
        """Yes, no, or not recorded."""
        return self.w("unknown") if value is None else self.w("yes" if value else "no")


@cache
def template(language: str) -> Template:
    """The packaged template of a language (en, fr); every one has the English one's words."""
    if language not in LANGUAGES:
        raise InvalidInput(f"language: no request template in {language!r}", hint=f"one of: {', '.join(LANGUAGES)}")
    loaded = yamlfile.load_file(Template, DATA / "templates" / f"{language}.yaml")
    if language != "en":
        english = set(template("en").words)
        lacking, extra = sorted(english - set(loaded.words)), sorted(set(loaded.words) - english)
        if lacking or extra:
            raise InvalidInput(f"template {language}: words differ from the English template "
                               f"(lacking: {', '.join(lacking) or 'none'}; unknown: {', '.join(extra) or 'none'})")
    return loaded
