"""The pages' languages: message catalogues (gettext .po files, read with Babel and compiled in memory when first
used) and the choice of language for a request: `?lang=` (remembered in a cookie), else the cookie, else the
browser's Accept-Language, else English. Strings are marked in templates with `_()` or `{% trans %}`; the
catalogues are brought up to date with `make messages` (tools/messages.py)."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from babel import Locale, UnknownLocaleError, negotiate_locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from fastapi import Request

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
DEFAULT = "en"
LANGUAGES = {"en": "English", "fr": "Français", "es": "Español"}
"""The languages the pages are offered in (each but English has a catalogue under web/locale)."""
COOKIE = "palermo_lang"


def catalogue_path(language: str) -> Path:
    """Where a language's message catalogue lies."""
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(language: str) -> NullTranslations:
    """The compiled translations of a language (English, or a language without a catalogue: the marked strings)."""
    path = catalogue_path(language)
    if language == DEFAULT or not path.is_file():
        return NullTranslations()
    with path.open("rb") as f:
        catalog = read_po(f, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def choose(request: Request) -> str:
    """The language of this request's page."""
    for asked in (request.query_params.get("lang"), request.cookies.get(COOKIE)):
        if asked in LANGUAGES:
            return asked
    header = request.headers.get("accept-language", "")
    preferred = [part.split(";")[0].strip().replace("-", "_") for part in header.split(",") if part.strip()]
    return negotiate_locale(preferred, list(LANGUAGES)) or DEFAULT


def language_name(code: str, in_language: str = DEFAULT) -> str:
    """A language's name in another language (the code itself if Babel does not know it)."""
    try:
        return Locale.parse(code).get_display_name(in_language) or code
    except (UnknownLocaleError, ValueError):
        return code
