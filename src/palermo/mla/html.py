"""A request as one HTML page that prints well: its own CSS for paper (A4, page breaks kept out of tables and
quotations), no script, no font or style from elsewhere, every value escaped."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

from palermo.mla.layout import Block, Document, layout
from palermo.mla.request import Request

CSS = """
@page { size: A4; margin: 22mm 20mm 22mm 20mm; }
body { font-family: "Times New Roman", Times, serif; font-size: 11.5pt; line-height: 1.4; color: #000;
       max-width: 48em; margin: 2em auto; padding: 0 1em; }
h1 { font-size: 16pt; text-align: center; margin: 0.5em 0 1em; }
h2 { font-size: 13pt; margin: 1.4em 0 0.4em; border-bottom: 1px solid #000; page-break-after: avoid; }
h3 { font-size: 11.5pt; margin: 1em 0 0.3em; page-break-after: avoid; }
p.banner { border: 2px solid #000; padding: 0.4em 0.6em; font-weight: bold; text-align: center; }
p.note { font-size: 10pt; font-style: italic; }
table { border-collapse: collapse; width: 100%; margin: 0.4em 0 0.8em; page-break-inside: avoid; }
th, td { border: 1px solid #555; padding: 0.25em 0.4em; vertical-align: top; text-align: left; font-size: 10.5pt; }
th { background: #eee; }
table.fields th { width: 32%; background: none; font-weight: normal; font-style: italic; }
table.header td, table.header th { border: none; padding: 0.1em 0.4em; }
blockquote { margin: 0.5em 1.5em; padding-left: 0.8em; border-left: 3px solid #999; page-break-inside: avoid; }
blockquote footer { font-size: 9.5pt; margin-top: 0.2em; }
section { page-break-inside: auto; }
section.annex { page-break-before: always; }
@media print { body { margin: 0; max-width: none; } th { background: none; } }
"""


def _block(b: Block) -> str:
    if b.kind == "text":
        return f"<p>{escape(b.text)}</p>"
    if b.kind == "note":
        return f'<p class="note">{escape(b.text)}</p>'
    if b.kind == "heading":
        return f"<h3>{escape(b.text)}</h3>"
    if b.kind == "quote":
        return f"<blockquote><p>“{escape(b.text)}”</p><footer>{escape(b.cite)}</footer></blockquote>"
    if b.kind == "items":
        return "<ul>" + "".join(f"<li>{escape(r[0])}</li>" for r in b.rows) + "</ul>"
    if b.kind == "fields":
        return '<table class="fields">' + "".join(
            f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in b.rows) + "</table>"
    head, *rows = b.rows
    return ("<table><thead><tr>" + "".join(f"<th>{escape(c)}</th>" for c in head) + "</tr></thead><tbody>"
            + "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in r) + "</tr>" for r in rows)
            + "</tbody></table>")


def to_html(doc: Document) -> str:
    """A laid-out document as a complete HTML page."""
    parts = [f'<!DOCTYPE html>\n<html lang="{doc.language}">\n<head>\n<meta charset="utf-8">\n'
             f"<title>{escape(doc.title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
             f"<h1>{escape(doc.title)}</h1>\n"]
    if doc.banner:
        parts.append(f'<p class="banner">{escape(doc.banner)}</p>\n')
    parts.append('<table class="header">' + "".join(
        f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in doc.header) + "</table>\n")
    parts.append(f"<p>{escape(doc.intro)}</p>\n")
    for s in doc.sections:
        annex = not s.title[:1].isdigit()
        parts.append(f'<section{" class=annex" if annex else ""}>\n<h2>{escape(s.title)}</h2>\n'
                     + "\n".join(_block(b) for b in s.blocks) + "\n</section>\n")
    parts.append("</body>\n</html>\n")
    return "".join(parts)


def render_html(request: Request, language: str | None = None, names: Mapping[str, str] | None = None) -> str:
    """The request as a printable HTML page in ``language`` (default: the request's); ``names`` gives persons' names
    by reference for this printing only."""
    return to_html(layout(request, language, names))
