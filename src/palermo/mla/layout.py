"""The content of a request document, once, in a language: numbered sections of paragraphs, tables, lists and
quotations that the HTML and the DOCX renderers both print. The findings come from the request (computed by the
law engine) with their citations and verification flags; legal quotations stay in the language of their source."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from palermo.law.assess import Assessment
from palermo.mla.checks import check
from palermo.mla.request import Request
from palermo.mla.sources import cite, provision, sources_of
from palermo.mla.templates import Template, template
from palermo.model import STATE_PATTERN, Citation

BlockKind = Literal["text", "quote", "items", "table", "fields", "note", "heading"]


@dataclass(frozen=True)
class Block:
    """One printed element: a paragraph, a sub-heading, a quotation with its citation, a list, a table (first row
    the header) or label/value fields."""

    kind: BlockKind
    text: str = ""
    cite: str = ""
    rows: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class Section:
    """A numbered section (or an annex) with its blocks."""

    title: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Document:
    """A request document in one language: title, banner, header fields, introduction, sections."""

    language: str
    title: str
    banner: str | None
    header: tuple[tuple[str, ...], ...]
    intro: str
    sections: tuple[Section, ...]


def p(text: str) -> Block:
    """A paragraph."""
    return Block("text", text)


def h(text: str) -> Block:
    """A sub-heading inside a section."""
    return Block("heading", text)


def fields(*pairs: tuple[str, str | None], t: Template) -> Block:
    """Label/value lines; a value not given reads 'not given'."""
    return Block("fields", rows=tuple((label, value or t.w("none_given")) for label, value in pairs))


def table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> Block:
    """A table whose first row is the header."""
    return Block("table", rows=(header, *rows))


def items(texts: list[str]) -> Block:
    """A bulleted list."""
    return Block("items", rows=tuple((x,) for x in texts))


def quote(key: str, t: Template) -> Block:
    """A provision's words as read, with its citation and where it was read."""
    c = cite(key)
    where = "; ".join(s.title for s in sources_of(key))
    return Block("quote", provision(key).text or provision(key).summary or "",
                 f"{t.flag(c)} — {t.w('read_in', source=where)}")


def refs(citations: list[Citation], t: Template) -> str:
    """Citations as a person writes them, each with its flag, without repeats."""
    seen = dict.fromkeys(t.flag(c) for c in citations)
    return "; ".join(seen)


# --------------------------------------------------------------------------- sections


def _requesting(r: Request, t: Template) -> Section:
    a = r.requesting
    blocks = [fields((t.w("name"), a.name), (t.w("functions"), a.functions), (t.w("address"), a.address),
                     (t.w("contact"), a.contact), (t.w("state"), t.country(a.state)), t=t)]
    if r.proceedings.authority is not None:
        c = r.proceedings.authority
        blocks += [h(t.w("conducting")), fields((t.w("name"), c.name), (t.w("functions"), c.functions),
                                                 (t.w("state"), t.country(c.state)), t=t)]
    return Section(t.w("s_requesting"), tuple(blocks))


def _basis(r: Request, t: Template) -> Section:
    blocks: list[Block] = []
    for b in r.findings.bases:
        if b.computed:
            state = {True: "basis_established", False: "basis_not_established", None: "basis_undetermined"}
            status = t.w(state[b.established])
        else:
            status = t.w("basis_claimed")
        title = t.bases[b.kind] if b.computed else t.w("claimed_title", kind=t.bases[b.kind], title=b.title)
        blocks += [h(title), p(status), p(t.w("citations_line", refs=refs(b.citations, t)))]
        for c in ([] if b.computed else b.citations):
            if c.text:
                blocks.append(Block("quote", c.text, t.flag(c)))
    rows = [(t.country(x.state), "UNTOC" if x.instrument == "untoc" else "Palermo Protocol", t.answer(x.party),
             t.w("since", date=t.day(x.consent)) if x.consent else t.w("unknown"), t.flag(x.citation))
            for x in r.findings.participation]
    blocks += [h(t.w("participation")),
               table((t.w("state"), t.w("instrument"), t.w("party"), t.w("consent"), t.w("source")), rows)]
    return Section(t.w("s_basis"), tuple(blocks))


def _proceedings(r: Request, t: Template) -> Section:
    stage = t.stages[r.proceedings.stage] if r.proceedings.stage else None
    return Section(t.w("s_proceedings"), (fields((t.w("stage"), stage), (t.w("subject"), r.proceedings.subject),
                                                 t=t),))


def _facts(r: Request, t: Template) -> Section:
    c = r.conduct
    period = " – ".join(t.day(d) for d in (c.date_from, c.date_to) if d) or None
    places = ", ".join(t.country(s) for s in c.places) or None
    return Section(t.w("s_facts"), (p(r.facts or t.w("none_given")),
                                    fields((t.w("period"), period), (t.w("places"), places), t=t)))


def _law(target: str, name: str, t: Template) -> str:
    """A jurisdiction by its name in the document's language; an instrument by its own name."""
    return t.country(target) if re.fullmatch(STATE_PATTERN, target) else name


def _assessment_row(a: Assessment, t: Template) -> tuple[str, ...]:
    met = [o for o in a.offences if o.verdict == "yes"]
    cites = [o.citation for o in met] or [c for f in a.findings for c in f.citations][:3]
    named = ", ".join(o.citation.reference + (f" ({o.title})" if o.title and o.title != a.target_name else "")
                      for o in met)
    return (_law(a.target, a.target_name, t), t.verdicts[a.verdict], named or "—", refs(cites, t))


def _findings(r: Request, t: Template) -> Section:
    f = r.findings
    blocks: list[Block] = [p(t.w("findings_note")), h(t.w("offences_requesting")),
                           items(r.offences) if r.offences else p(t.w("none_given"))]
    serious = {s.state: s for s in f.serious_crime}
    mine = serious.get(f.requesting)
    penalty = f"{t.penalty(mine.max_years, mine.life)} ({refs(mine.citations[:-1], t)})" if mine else r.penalty
    blocks.append(fields((t.w("penalty"), penalty), t=t))
    blocks += [h(t.w("assessment")),
               table((t.w("law"), t.w("verdict"), t.w("offences_met"), t.w("citations")),
                     [_assessment_row(a, t) for a in (f.protocol, *f.assessments)])]
    blocks += [p(t.w("not_profiled", state=t.country(s))) for s in f.unprofiled]
    blocks.append(h(t.w("dual_criminality")))
    dc = f.dual_criminality
    if dc is None:
        blocks.append(p(t.w("dc_not_computed", reason="; ".join(t.w("not_profiled", state=t.country(s))
                                                                 for s in f.unprofiled))))
    else:
        blocks.append(p(t.w("dc_outcome", outcome=t.outcomes[dc.outcome])))
        if dc.kind == "extradition":
            blocks.append(p(t.w("threshold", duration=t.years(dc.threshold_years))))
        rows = [(t.country(s.state), ", ".join(s.offences) or "—",
                 t.penalty(s.penalty.max_years, s.penalty.life) if s.penalty else t.w("penalty_unstated"),
                 t.answer(s.penalty_ok) if dc.kind == "extradition" else "—") for s in dc.states]
        blocks.append(table((t.w("state"), t.w("offences_met"), t.w("max_penalty"), t.w("reaches")), rows))
        blocks.append(p(t.w("citations_line", refs=refs(dc.citations, t))))
    if f.serious_crime:
        blocks += [h(t.w("serious_crime")),
                   table((t.w("state"), t.w("penalty"), t.w("reaches_four"), t.w("citations")),
                         [(t.country(s.state), t.penalty(s.max_years, s.life), t.answer(s.reaches),
                           refs(s.citations, t)) for s in f.serious_crime])]
    j = f.jurisdiction
    claims = [(t.country(s.state), t.jurisdiction.get(c.basis, c.label), t.flag(c.citation))
              for s in j.states for c in s.claims]
    blocks += [h(t.w("jurisdiction")),
               table((t.w("state"), t.w("basis_of_jurisdiction"), t.w("provision")), claims)]
    if j.consult:
        blocks.append(p(t.w("consult", refs=refs([cite_consult(j.citations)], t))))
    blocks.append(Block("note", t.w("verification_note", flag=t.w("flag_unverified"))))
    return Section(t.w("s_findings"), tuple(blocks))


def cite_consult(citations: list[Citation]) -> Citation:
    """The jurisdiction report's UNTOC Art. 15 citation, narrowed to paragraph 5 (consultation)."""
    art15 = next(c for c in citations if c.source == "untoc")
    return art15.model_copy(update={"article": "15(5)"})


def _persons(r: Request, t: Template, names: Mapping[str, str]) -> Section:
    rows = [(x.ref, names.get(x.ref, t.w("name_to_complete")), t.roles[x.role],
             t.country(x.nationality) if x.nationality else "—", t.country(x.location) if x.location else "—",
             x.description or "—") for x in r.persons]
    header = (t.w("ref"), t.w("name"), t.w("role"), t.w("nationality"), t.w("location"), t.w("description"))
    return Section(t.w("s_persons"), (table(header, rows),) if rows else (p(t.w("none_given")),))


def _assistance(r: Request, t: Template) -> Section:
    blocks: list[Block] = []
    for i, a in enumerate(r.assistance, 1):
        pairs = [(t.w("details"), a.details), (t.w("persons_concerned"), ", ".join(a.persons) or None)]
        if a.procedure:
            pairs.append((t.w("procedure"), a.procedure))
        if a.form == "preserving_computer_data":
            pairs += [(t.w("custodian"), a.custodian), (t.w("necessity"), a.necessity)]
        blocks += [h(f"{i}. {t.forms[a.form]}"), fields(*pairs, t=t)]
        if a.form == "preserving_computer_data" and a.mla_to_follow:
            blocks.append(p(t.w("mla_to_follow")))
    return Section(t.w("s_assistance"), tuple(blocks) or (p(t.w("none_given")),))


def _extradition(r: Request, t: Template) -> Section:
    x = r.extradition
    if x is None:
        return Section(t.w("s_extradition"), (p(t.w("none_given")),))
    where = r.person(x.person).location
    blocks = [fields((t.w("person_sought"), x.person), (t.w("location"), t.country(where) if where else None),
                     (t.w("purpose_of_extradition"), t.purposes[x.purpose]), (t.w("warrant"), x.warrant), t=t)]
    if x.provisional_arrest:
        blocks.append(p(t.w("provisional_arrest")))
    return Section(t.w("s_extradition"), tuple(blocks))


def _grounds(r: Request, t: Template) -> Section:
    blocks: list[Block] = []
    for g in r.preempted:
        blocks += [h(t.grounds[g.ground]), p(g.statement)]
    return Section(t.w("s_grounds"), tuple(blocks) or (p(t.w("no_grounds")),))


def _confidentiality(r: Request, t: Template) -> Section:
    c = r.confidentiality
    word = {True: "confidential_yes", False: "confidential_no", None: "confidential_undecided"}[c.required]
    blocks = [p(t.w(word))] + ([fields((t.w("reason"), c.reason), t=t)] if c.reason else [])
    return Section(t.w("s_confidentiality"), tuple(blocks))


def _urgency(r: Request, t: Template) -> Section:
    u = r.urgency
    blocks = [p(t.w("urgent" if u.urgent else "not_urgent"))]
    if u.deadline:
        blocks.append(p(t.w("deadline", date=t.day(u.deadline))))
    if u.reasons:
        blocks.append(fields((t.w("reasons"), u.reasons), t=t))
    return Section(t.w("s_urgency"), tuple(blocks))


def _language(r: Request, t: Template) -> Section:
    blocks = [p(t.w("language_sentence", language=t.language_name(r.language)))]
    if r.requested.languages:
        named = ", ".join(t.language_name(x) for x in r.requested.languages)
        blocks.append(p(t.w("languages_accepted", languages=named)))
    return Section(t.w("s_language"), tuple(blocks))


def _signature(t: Template) -> Section:
    return Section(t.w("s_signature"), (fields((t.w("place_date"), "…"), (t.w("signature_line"), "…"), t=t),))


QUOTED = {"mla": ("untoc.18.3", "untoc.18.14", "untoc.18.15", "untoc.18.15.a", "untoc.18.15.b", "untoc.18.15.c",
                  "untoc.18.15.d", "untoc.18.15.e", "untoc.18.15.f", "untoc.18.17", "untoc.18.20", "untoc.18.21",
                  "untoc.18.24", "untoc.2.b"),
          "extradition": ("untoc.16.1", "untoc.16.4", "untoc.16.7", "untoc.16.9", "untoc.16.10", "untoc.16.14",
                          "untoc.16.15", "untoc.2.b")}
"""The provisions each kind of request quotes in annex A."""


def _quotes(r: Request, t: Template) -> Section:
    keys = list(QUOTED[r.kind])
    if r.kind == "mla" and any(a.form == "preserving_computer_data" for a in r.assistance):
        keys += ["cets185.29.1", "cets185.29.2"]
    if r.kind == "mla" and any(g.ground == "dual_criminality" for g in r.preempted):
        keys.insert(1, "untoc.18.9")
    return Section(t.w("annex_quotes"), (Block("note", t.w("quoted_note")), *(quote(k, t) for k in keys)))


def _completeness(r: Request, t: Template) -> Section:
    found = check(r)
    if not found:
        return Section(t.w("annex_check"), (p(t.w("check_complete")),))
    return Section(t.w("annex_check"), (p(t.w("check_incomplete", count=len(found))),
                                        items([f"{m.field} — {m.problem}" for m in found])))


def _engine(r: Request, t: Template) -> Section:
    f = r.findings
    texts = [b.explanation for b in f.bases if b.computed]
    texts += [f"{f.protocol.target_name}: {f.protocol.explanation}"] if f.protocol.explanation else []
    texts += [f"{a.target_name}: {a.explanation}" for a in f.assessments if a.explanation]
    texts += [f.dual_criminality.explanation] if f.dual_criminality else f.notes
    texts += [f"{s.name}: {s.explanation}" for s in f.serious_crime]
    texts.append(f.jurisdiction.explanation)
    return Section(t.w("annex_engine"), (Block("note", t.w("engine_note")), items(texts)))


def layout(request: Request, language: str | None = None, names: Mapping[str, str] | None = None) -> Document:
    """The request as a document in ``language`` (default: the request's); ``names`` maps persons' references to
    their names for this printing only."""
    t = template(language or request.language)
    r = request
    requesting = r.requesting.name or t.w("the_requesting_authority")
    if r.kind == "mla":
        stage = t.stages_in[r.proceedings.stage or "investigation"]
        intro = t.w("intro_mla", requesting=requesting, requesting_state=t.country(r.requesting.state),
                    requested_state=t.country(r.requested.state), stage=stage)
        middle = [_assistance(r, t), Section(t.w("s_purpose"), (p(r.purpose or t.w("none_given")),))]
    else:
        person = r.extradition.person if r.extradition else "—"
        purpose = t.purposes[r.extradition.purpose if r.extradition else "prosecution"]
        intro = t.w("intro_extradition", requesting=requesting, requesting_state=t.country(r.requesting.state),
                    requested_state=t.country(r.requested.state), person=person, purpose=purpose)
        middle = [_extradition(r, t)]
    numbered = [_requesting(r, t), _basis(r, t), _proceedings(r, t), _facts(r, t), _findings(r, t),
                _persons(r, t, names or {}), *middle, _grounds(r, t), _confidentiality(r, t), _urgency(r, t),
                _language(r, t), _signature(t)]
    sections = [Section(f"{i}. {s.title}", s.blocks) for i, s in enumerate(numbered, 1)]
    sections += [_quotes(r, t), _completeness(r, t), _engine(r, t)]
    header = [(t.w("from"), f"{r.requesting.name or '—'} ({t.country(r.requesting.state)})"),
              (t.w("to"), f"{r.requested.name or '—'} ({t.country(r.requested.state)})"),
              (t.w("our_reference"), r.reference or "—"),
              (t.w("date"), t.day(r.dated) if r.dated else "—"),
              (t.w("status"), t.statuses[r.status])]
    title = t.w("title_mla" if r.kind == "mla" else "title_extradition")
    if r.urgency.urgent:
        title = f"{t.w('urgent_flag')} — {title}"
    return Document(language=t.language, title=title, banner=t.w("draft_banner") if r.status == "draft" else None,
                    header=tuple(header), intro=intro, sections=tuple(sections))
