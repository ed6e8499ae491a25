"""Request documents: a DOCX that python-docx opens and that holds the findings with their citations and flags, an
HTML page that prints on its own (no script, nothing fetched), French and English from the packaged templates,
legal quotations in the language of their source, persons' names given only to the printing."""

from __future__ import annotations

import io
import re

import docx
import pytest
from docx.oxml.ns import qn

from palermo.errors import InvalidInput
from palermo.law import Library
from palermo.mla import LANGUAGES, render_docx, render_html, template
from palermo.mla.sources import provision

from .helpers import extradition, mla

ART_18_20 = "The requesting State Party may require that the requested State Party keeps confidential"


def docx_text(data: bytes) -> str:
    """Every paragraph and table cell of a DOCX, one per line."""
    document = docx.Document(io.BytesIO(data))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_the_docx_opens_with_python_docx_and_holds_the_findings(library: Library) -> None:
    request = mla(library)
    data = render_docx(request)
    document = docx.Document(io.BytesIO(data))
    assert document.core_properties.title == "URGENT — Request for mutual legal assistance in a criminal matter"
    text = docx_text(data)
    for finding in ("Modern Slavery Act 2015 s.2", "UNTOC, Art. 18; Palermo Protocol, Art. 1; UNTOC, Art. 18(3)",
                    "UN Treaty Collection, chapter XVIII-12", "MSA 2015 s.5(1); UNTOC, Art. 2(b)",
                    "UNTOC, Art. 15(1)(a)", "up to life imprisonment", "Poland: no law profile",
                    "The law engine could not evaluate dual criminality"):
        assert finding in text, finding
    assert str(provision("untoc.18.3").text)[:60] in text
    assert f"“{ART_18_20}" in text
    assert "Every field the request needs is given." in text
    assert "(identity to be completed from the case file)" in text
    lang = document.styles["Normal"].element.rPr.find(qn("w:lang"))
    assert lang is not None and lang.get(qn("w:val")) == "en-GB"


def test_a_french_document_translates_the_template_and_keeps_quotations_in_english(library: Library) -> None:
    request = mla(library, bases=[{"kind": "bilateral_treaty", "title": "Traité d'entraide judiciaire (démo)",
                                   "article": "3", "text": "Les Parties s'accordent l'entraide la plus large."}])
    page = render_html(request, "fr")
    assert '<html lang="fr">' in page
    for words in ("Demande d&#x27;entraide judiciaire en matière pénale", "Base juridique", "Exposé des faits",
                  "Double incrimination", "Recueil de témoignages ou de dépositions (UNTOC Art. 18(3)(a))",
                  "depuis le 12 novembre 2001", "Pologne", "jusqu&#x27;à l&#x27;emprisonnement à perpétuité",
                  "Dispositions : UNTOC, Art. 18", "[NON VÉRIFIÉ]", "La demande est urgente.",
                  "L&#x27;exécution est demandée avant le 1 juin 2026."):
        assert words in page, words
    assert ART_18_20 in page  # the Convention's words stay in the language they were read in
    assert "Request for mutual legal assistance" not in page and "not given" not in page
    data = docx_text(render_docx(request, "fr"))
    assert "Infractions et constatations juridiques" in data and ART_18_20 in data
    assert "Traité bilatéral : Traité d'entraide judiciaire (démo)" in data


def test_an_extradition_request_prints_its_dual_criminality_finding(library: Library) -> None:
    request = extradition(library)
    assert request.language == "fr"
    text = docx_text(render_docx(request))
    assert "Demande d'extradition" in text and "Double incrimination : établie." in text
    assert "Peine minimale retenue pour l'extradition : 1 an." in text
    assert "Code pénal art. 225-4-1" in text and "StGB §232" in text and "UNTOC, Art. 16" in text
    assert "Vu l'urgence" in text  # provisional arrest (UNTOC Art. 16(9))
    english = render_html(request, "en")
    assert "Dual criminality: established." in english and "punishable under the domestic law of both" in english


def test_the_html_page_prints_on_its_own_and_names_persons_only_when_given(library: Library) -> None:
    request = mla(library)
    page = render_html(request, names={"W-0007": "Jan <Kowalski>"})
    assert "<script" not in page.lower() and not re.search(r"""(src|href)\s*=""", page)
    assert "@page" in page and "page-break-inside: avoid" in page
    assert "Jan &lt;Kowalski&gt;" in page and "Kowalski" not in request.model_dump_json()
    assert "DRAFT — not sent" in page


def test_templates_are_complete_in_every_language(library: Library) -> None:
    english = template("en")
    for language in LANGUAGES:
        t = template(language)
        assert set(t.words) == set(english.words)
        assert set(t.jurisdiction) >= library.vocabulary.keys("jurisdiction_bases")
        placeholders = {k: set(re.findall(r"{(\w+)}", v)) for k, v in t.words.items()}
        assert placeholders == {k: set(re.findall(r"{(\w+)}", v)) for k, v in english.words.items()}
    with pytest.raises(InvalidInput, match="no request template in 'de'"):
        template("de")
