"""The message catalogues' upkeep: every string the pages translate (marked in the templates, and the texts of the
packaged indicator sets, rights and recommendations that reach the pages as data), the update of each language's
.po file from them, and the list of what a language still lacks."""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from palermo.protection import RECOMMENDATIONS, load_indicators
from palermo.protection.rights import TITLES
from palermo.web.i18n import DEFAULT, LANGUAGES, catalogue_path

TEMPLATES = Path(__file__).parent / "templates"
METHODS = [("**.html", "jinja2.ext:babel_extract")]
OPTIONS = {"**.html": {"extensions": "jinja2.ext.i18n", "newstyle_gettext": "true"}}


def extract() -> Catalog:
    """Every message the pages translate, with where it comes from."""
    catalog = Catalog(project="Palermo", domain="messages")
    for filename, line, message, comments, context in extract_from_dir(TEMPLATES, METHODS, OPTIONS):
        catalog.add(message, locations=[(f"templates/{filename}", line)], auto_comments=comments, context=context)
    for s in load_indicators().sets.values():
        where = [(f"indicators/{s.id}", 0)]
        for text in (s.title, s.summary, *(d.label for d in s.dimensions), *(i.question for i in s.indicators)):
            catalog.add(text, locations=where)
    for text in (*TITLES.values(), *RECOMMENDATIONS.values()):
        catalog.add(text, locations=[("protection", 0)])
    return catalog


def update(languages: list[str] | None = None) -> dict[str, int]:
    """Bring each language's catalogue up to date with the messages (new ones empty, gone ones dropped, changed
    ones marked fuzzy); returns how many each still lacks."""
    template = extract()
    lacking: dict[str, int] = {}
    for language in languages or [code for code in LANGUAGES if code != DEFAULT]:
        path = catalogue_path(language)
        if path.exists():
            with path.open("rb") as f:
                catalog = read_po(f, locale=language, domain="messages")
        else:
            catalog = Catalog(locale=language, domain="messages", project="Palermo", version="0.1",
                              copyright_holder="the Palermo contributors", fuzzy=False,
                              language_team=f"{LANGUAGES[language]} <translators of Palermo>")
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as f:
            write_po(f, catalog, width=120, ignore_obsolete=True, include_lineno=False)
        lacking[language] = len(untranslated(language, template))
    return lacking


def untranslated(language: str, template: Catalog | None = None) -> list[str]:
    """The messages a language's catalogue lacks (missing, empty or fuzzy)."""
    path = catalogue_path(language)
    found: Catalog | None = None
    if path.exists():
        with path.open("rb") as f:
            found = read_po(f, locale=language, domain="messages")
    out: list[str] = []
    for message in template or extract():
        if not message.id:
            continue
        have = found.get(message.id, message.context) if found is not None else None
        strings = have.string if have is not None else None
        complete = bool(strings) and (all(strings) if isinstance(strings, tuple) else True)
        if have is None or have.fuzzy or not complete:
            out.append(message.id if isinstance(message.id, str) else message.id[0])
    return out
