"""A request as a Word document (python-docx) that a central authority edits and signs: the same content as the
HTML page, in Word's own styles (headings, tables, quotations), with the document's language set for proofing."""

from __future__ import annotations

import io
from collections.abc import Mapping

from docx import Document as new_document
from docx.document import Document as WordDocument
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt

from palermo.mla.layout import Block, Document, layout
from palermo.mla.request import Request

PROOFING = {"en": "en-GB", "fr": "fr-FR"}


def _language(word: WordDocument, language: str) -> None:
    """Set the proofing language of the document's default style."""
    rpr = word.styles["Normal"].element.get_or_add_rPr()
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), PROOFING.get(language, language))


def _table(word: WordDocument, rows: tuple[tuple[str, ...], ...], header: bool) -> None:
    table = word.add_table(rows=len(rows), cols=len(rows[0]))
    table.style = "Table Grid"
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            cell = table.cell(i, j)
            cell.text = value
            if (header and i == 0) or (not header and j == 0):
                for run in cell.paragraphs[0].runs:
                    run.bold = header
                    run.italic = not header


def _block(word: WordDocument, b: Block) -> None:
    if b.kind in ("text", "note"):
        para = word.add_paragraph(b.text)
        if b.kind == "note":
            for run in para.runs:
                run.italic = True
    elif b.kind == "heading":
        word.add_heading(b.text, level=2)
    elif b.kind == "quote":
        word.add_paragraph(f"“{b.text}”", style="Quote")
        for run in word.add_paragraph(b.cite).runs:
            run.font.size = Pt(9)
    elif b.kind == "items":
        for (text,) in b.rows:
            word.add_paragraph(text, style="List Bullet")
    else:
        _table(word, b.rows, header=b.kind == "table")


def to_docx(doc: Document) -> bytes:
    """A laid-out document as DOCX bytes."""
    word = new_document()
    _language(word, doc.language)
    word.core_properties.title = doc.title
    word.core_properties.language = PROOFING.get(doc.language, doc.language)
    word.add_heading(doc.title, level=0)
    if doc.banner:
        word.add_paragraph().add_run(doc.banner).bold = True
    _table(word, doc.header, header=False)
    word.add_paragraph(doc.intro)
    for s in doc.sections:
        heading = word.add_heading(s.title, level=1)
        heading.paragraph_format.page_break_before = not s.title[:1].isdigit()
        for b in s.blocks:
            _block(word, b)
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


def render_docx(request: Request, language: str | None = None, names: Mapping[str, str] | None = None) -> bytes:
    """The request as a DOCX document in ``language`` (default: the request's); ``names`` gives persons' names by
    reference for this document only."""
    return to_docx(layout(request, language, names))
