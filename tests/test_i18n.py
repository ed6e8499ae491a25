"""The pages' languages: every message the pages show is translated in French and Spanish, with the same
placeholders; a page comes in the language asked for (?lang=, then remembered), else the browser's, else English."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

from palermo.protection import load_indicators
from palermo.settings import Settings
from palermo.web import create_app
from palermo.web.i18n import catalogue_path
from palermo.web.messages import extract, untranslated

LANGS = ("fr", "es")


def test_the_messages_include_the_indicator_questions_and_the_pages() -> None:
    ids = {m.id for m in extract() if m.id}
    assert "Language of the questions" in ids and "Finish the screening" in ids
    for indicator_set in load_indicators().sets.values():
        assert set(indicator_set.questions().values()) <= ids, indicator_set.id


@pytest.mark.parametrize("lang", LANGS)
def test_every_message_is_translated_with_the_same_placeholders(lang: str) -> None:
    assert untranslated(lang) == [], f"run `make messages` and translate the new entries of {lang}"
    with catalogue_path(lang).open("rb") as f:
        catalog = read_po(f, locale=lang)
    problems = [(m.id, errors) for m, errors in catalog.check()]
    assert problems == []


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    return TestClient(create_app(Settings(data_dir=tmp_path)))


def test_the_language_asked_for_is_remembered_else_the_browsers_else_english(client: TestClient) -> None:
    def heading(**kwargs: object) -> str:
        page = client.get("/login", **kwargs)  # type: ignore[arg-type]
        assert page.status_code == 200
        return page.text

    assert '<html lang="en">' in heading()
    assert '<html lang="es">' in heading(headers={"accept-language": "es-ES,es;q=0.9,en;q=0.5"})
    assert '<html lang="en">' in heading(headers={"accept-language": "tlh"})
    chosen = client.get("/login?lang=fr")
    assert '<html lang="fr">' in chosen.text and chosen.cookies.get("palermo_lang") == "fr"
    assert '<html lang="fr">' in heading(headers={"accept-language": "es"})  # the choice outranks the browser
    assert '<html lang="fr">' in heading(params={"lang": "xx"})  # an unknown language changes nothing
