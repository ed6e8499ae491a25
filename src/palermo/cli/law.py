"""`palermo law`: the law engine on the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from palermo import law
from palermo.cli.console import JsonOpt, emit, out, plain
from palermo.errors import InvalidInput, named_in_input
from palermo.law.library import Library
from palermo.law.penalties import describe, fmt_years
from palermo.law.schema import Instrument, Offence, Profile, SourceRef
from palermo.law.terms import KINDS, terms
from palermo.law.validation import suggest
from palermo.model import Citation, Finding, article_ref
from palermo.settings import Settings

law_app = typer.Typer(help="The law engine: instruments, national profiles, assessment, gaps, cooperation.",
                      no_args_is_help=True)
VERDICT_STYLE = {"yes": "bold green", "no": "bold red", "undetermined": "bold yellow", "met": "green",
                 "not_met": "red", "not_required": "cyan", "gap": "red", "partial": "yellow", "unknown": "magenta"}


@law_app.callback()
def _law(ctx: typer.Context, profiles: Annotated[list[Path] | None, typer.Option(
        "--profiles", help="folder of extra or overriding jurisdiction profiles (repeatable)")] = None) -> None:
    ctx.obj = list(profiles or []) + Settings().profile_dirs


def _library(ctx: typer.Context) -> Library:
    return law.load_library(ctx.obj or [], strict=True)


def _styled(status: str) -> str:
    return f"[{VERDICT_STYLE.get(status, '')}]{plain(status.replace('_', ' '))}[/]"


def _cites(citations: list[Citation]) -> str:
    """Citations as markup: their labels as text, an unverified one in red."""
    return "; ".join(_cite(c) for c in citations)


def _cite(c: Citation) -> str:
    if c.verified is True:
        return plain(c.reference)
    return f"{plain(c.reference)} {_tag(c.verified)}"


def _verified(flag: object) -> str:
    return "verified" if flag is True else ("partly verified" if flag == "partial" else "[red]UNVERIFIED[/]")


def _tag(flag: object) -> str:
    """A verified flag in brackets, as markup (the opening bracket escaped so rich prints it)."""
    text = f"\\[{_verified(flag)}]"
    return text if flag in (True, "partial") else f"[red]{text}[/]"


def _source(ref: SourceRef) -> str:
    """A source as a reader needs it: title and URL or repository; a local research path is never shown."""
    where = ref.url or (f"{ref.repo}" + (f": {ref.path}" if ref.path else "") if ref.repo else "")
    return plain(ref.title + (f" <{where}>" if where else "") + (f"; caveat: {ref.caveat}" if ref.caveat else ""))


# --------------------------------------------------------------------------- commands


@law_app.command("list")
def list_(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """List the jurisdictions with their verification status and Palermo Protocol consent date."""
    lib = _library(ctx)
    rows = lib.summaries()
    if as_json:
        emit([r.__dict__ for r in rows])
        return
    table = Table("id", "name", "profile", "Protocol consent (UNTC, as of)", "source")
    for r in rows:
        consent = f"{r.palermo_consent or '-'} ({r.status_as_of or 'n/a'})"
        table.add_row(plain(r.id), plain(r.name), _verified(r.verified), consent, plain(r.origin))
    out.print(table)
    out.print("Instruments: " + ", ".join(f"{plain(k)} ({plain(i.citation_name)})"
                                          for k, i in sorted(lib.instruments.items())))


@law_app.command()
def show(ctx: typer.Context, key: Annotated[str, typer.Argument(help="jurisdiction or instrument id")],
         notes: Annotated[bool, typer.Option("--notes", help="also show the research notes (what was read, open "
                                                             "questions, sources): for legal drafters")] = False,
         as_json: JsonOpt = False) -> None:
    """Show a jurisdiction's profile or an instrument, with citations and verified flags."""
    lib = _library(ctx)
    with named_in_input("KEY"):
        item = lib.instruments.get(key) or lib.profile(key)
    if as_json:
        emit(item)
        return
    if isinstance(item, Instrument):
        _show_instrument(item, notes)
    else:
        _show_profile(item, lib, notes)


def _show_instrument(item: Instrument, notes: bool) -> None:
    out.print(f"[bold]{plain(item.title)}[/] ({plain(item.short_title)}) — {_verified(item.verified)}")
    for p in item.provisions:
        out.print(f"  {plain(article_ref(p.article))} [dim]{plain(p.key)}[/] {plain(p.summary)} "
                  f"{_tag(p.verified)}")
    research = [f"Note: {plain(item.note)}"] if item.note else []
    _research(research + [f"Source: {_source(ref)}" for ref in item.sources.values()], notes, item.id)


def _show_offence(o: Offence, lib: Library) -> None:
    voc = lib.vocabulary
    out.print(f"\n[bold]{plain(o.citation)}[/]: {plain(o.title)} ({plain(o.role.replace('_', ' '))}) {_tag(o.verified)}")
    e = o.elements
    if e is not None:
        out.print(f"  Acts: {plain(', '.join(voc.label(a) for a in e.acts))}")
        required = ("required for adults" if e.means_required_adults is True else "not required"
                    if e.means_required_adults is False else "requirement not known"
                    if e.means_required_adults is None else "required in part of the offence")
        out.print(f"  Means ({plain(required)}): {plain(', '.join(voc.label(m) for m in e.means) or 'none')}")
        out.print(f"  Purposes: {plain(', '.join(voc.label(p) for p in e.purposes))}"
                  + (" (open-ended)" if e.purposes_open_ended else ""))
        if e.victim_under:
            out.print(f"  Only for victims under {e.victim_under}")
        out.print(f"  Child: under {e.child.age_below}, means required: {plain(_yes_no(e.child.means_required))}"
                  f" ({plain(e.child.citation or '-')}) {_tag(e.child.verified)}")
        if e.child.notes:
            out.print(f"    {plain(e.child.notes)}")
        out.print(f"  Consent: {plain(e.consent.scope.replace('_', ' '))} ({plain(e.consent.citation or '-')}) "
                  f"{_tag(e.consent.verified)}")
        out.print(f"  Elements {_tag(e.verified)}")
    for t in o.penalties:
        when = f" if {', '.join(voc.label(c) for c in t.circumstances)}" if t.circumstances else ""
        when += f" and {', '.join(voc.label(c) for c in t.also)}" if t.also else ""
        out.print(f"  Penalty ({plain(t.tier)}{plain(when)}): {plain(describe(t))} ({plain(t.citation or '-')}) "
                  f"{_tag(t.verified)}")
    for r in o.reductions:
        out.print(f"  Reduced ({plain(r.applies_to.replace('_', ' '))}): {plain(r.effect or describe(r))} "
                  f"({plain(r.citation or '-')}) {_tag(r.verified)}")
    if o.notes:
        out.print(f"  [dim]{plain(o.notes)}[/]")


def _show_profile(item: Profile, lib: Library, notes: bool) -> None:
    out.print(f"[bold]{plain(item.name)}[/] ({plain(item.id)}) — profile {_verified(item.verified)}; "
              f"as of: {plain(item.as_of)}")
    assessed = item.assessed()
    out.print(f"Offences assessed as trafficking: {plain('; '.join(o.citation for o in assessed) or 'none')}")
    for o in assessed + [o for o in item.offences if o.elements is None]:
        _show_offence(o, lib)
    voc = lib.vocabulary
    if item.equivalences:
        out.print("")
    for q in item.equivalences:
        out.print(f"Equivalence: {plain(voc.label(q.term))} is covered as "
                  f"{plain(', '.join(voc.label(k) for k in q.covered_by))} ({plain(q.citation or '-')}) "
                  f"{_tag(q.verified)}")
    out.print("")
    for basis in item.jurisdiction.bases:
        out.print(f"Jurisdiction: {plain(voc.label(basis.basis))} ({plain(basis.citation or '-')}) "
                  f"{_tag(basis.verified)}")
    np = item.non_punishment
    out.print(f"Non-punishment: {plain(np.form.replace('_', ' '))} ({plain(np.citation or '-')}) {_tag(np.verified)}")
    research = [f"What was read: {plain(item.verification_notes)}"] if item.verification_notes else []
    research += [f"Open question: {plain(q)}" for q in item.open_questions]
    research += [f"Derivation: {plain(n)}" for n in item.migration_notes]
    _research(research + [f"Source: {_source(ref)}" for ref in item.sources.values()], notes, item.id)


def _research(lines: list[str], notes: bool, key: str) -> None:
    """Research notes are for legal drafters: shown with --notes, otherwise only pointed at."""
    if not lines:
        return
    if not notes:
        out.print(f"[dim]Research notes (for legal drafters): palermo law show {plain(key)} --notes[/]")
        return
    out.print("\n[bold]Research notes (for legal drafters)[/]")
    for line in lines:
        out.print(f"  {line}")


def _print_findings(findings: list[Finding]) -> None:
    several = len({f.offence for f in findings}) > 1
    table = Table(*(["offence"] if several else []), "element", "finding", "reasoning", "citation")
    for f in findings:
        table.add_row(*([plain(f.offence or "")] if several else []), plain(f.element), _styled(f.status),
                      plain(f.explanation), _cites(f.citations))
    out.print(table)


@law_app.command()
def assess(ctx: typer.Context,
           conduct: Annotated[Path, typer.Argument(help="conduct file (YAML or JSON, see docs/conduct.md)")],
           against: Annotated[list[str] | None, typer.Option(
               "--against", "-a", help="instrument or jurisdiction id (repeatable; default: palermo_protocol)")] = None,
           as_json: JsonOpt = False) -> None:
    """Does this conduct amount to trafficking under the Protocol or a national law? Exit 1 if any answer is no."""
    lib = _library(ctx)
    facts = law.load_conduct(conduct, lib.vocabulary)
    with named_in_input("--against"):
        results = [law.assess(facts, t, lib) for t in (against or ["palermo_protocol"])]
    if as_json:
        emit(results)
    else:
        for r in results:
            out.print(f"\n[bold]{plain(facts.title)}[/] under [bold]{plain(r.target_name)}[/]: {_styled(r.verdict)}")
            out.print(plain(r.explanation))
            _print_findings(r.findings)
            if r.missing:
                out.print(f"Missing facts: {plain(', '.join(r.missing))}")
            for c in r.caveats:
                out.print(f"[dim]{plain(c)}[/]")
            if r.unverified:
                out.print(f"[red]Relies on unverified facts:[/] {plain('; '.join(r.unverified))}")
    if any(r.verdict == "no" for r in results):
        raise typer.Exit(1)


@law_app.command()
def gaps(ctx: typer.Context, key: Annotated[str, typer.Argument(help="jurisdiction id")],
         instrument: Annotated[list[str] | None, typer.Option(
             "--instrument", "-i", help="instrument id (repeatable; default: those binding the state)")] = None,
         show_all: Annotated[bool, typer.Option("--all", help="also list the obligations that are met")] = False,
         as_json: JsonOpt = False) -> None:
    """Where does a jurisdiction's law fall short of the Protocol, UNTOC, CETS 197 or the EU Directive?"""
    lib = _library(ctx)
    with named_in_input("KEY / --instrument"):
        report = law.gaps(lib.profile(key), lib, instrument)
    if as_json:
        emit({**report.model_dump(mode="json"), "gaps": [g.model_dump(mode="json") for g in report.gaps]})
        return
    table = Table("obligation", "element", "status", "detail", "national citation")
    for r in report.results if show_all else report.gaps:
        table.add_row(_cite(r.instrument_citation) + ("" if r.mandatory else f" ({r.kind})"),
                      plain(r.element), _styled(r.status), plain(r.message),
                      _cite(r.national_citation) if r.national_citation else "-")
    names = ", ".join(lib.instruments[i].citation_name if i in lib.instruments else i for i in report.instruments)
    advice = ", ".join(lib.instruments[i].citation_name for i in report.recommendations)
    out.print(f"[bold]{plain(report.jurisdiction_name)}[/]: {len(report.gaps)} of {len(report.results)} obligations "
              f"not fully met ({plain(names)}{plain('; recommendations: ' + advice) if advice else ''})")
    out.print(table)
    for n in report.notes:
        out.print(f"[dim]{plain(n)}[/]")


@law_app.command()
def compare(ctx: typer.Context, keys: Annotated[list[str] | None, typer.Argument(
        help="jurisdiction ids (default: all)")] = None, as_json: JsonOpt = False) -> None:
    """Compare jurisdictions: coverage matrix, penalties in years, harmonisation score."""
    lib = _library(ctx)
    with named_in_input("KEYS"):
        result = law.compare([lib.profile(k) for k in (keys or sorted(lib.profiles))], lib)
    if as_json:
        emit(result)
        return
    ids = result.jurisdictions
    table = Table("element", *ids)
    mark = {"met": "[green]●[/]", "partial": "[yellow]◐[/]", "gap": "[red]○[/]", "unknown": "[magenta]?[/]"}
    for row in result.rows:
        where = lib.instruments[row.instrument].cite(row.article).reference if row.instrument in lib.instruments \
            else f"{row.instrument} {row.article}"
        table.add_row(plain(f"{where}: {row.element}"),
                      *[mark[row.cells[i].status] if i in row.cells else "" for i in ids])
    out.print(table)
    pen = Table("jurisdiction", "basic min", "basic max", "aggravated max", "life", "score", "gaps", "unknown")
    for p, s in zip(result.penalties, result.scores, strict=True):
        pen.add_row(plain(p.jurisdiction), fmt_years(p.basic_min_years), "life" if p.basic_life else fmt_years(p.basic_max_years),
                    fmt_years(p.aggravated_max_years), "yes" if p.life_available else "no", f"{s.score:.1f}",
                    str(s.gaps), str(s.unknown))
    out.print(pen)
    out.print("[dim]Score: share of mandatory Protocol and UNTOC obligations met (partial = ½, unknown = 0).[/]")


@law_app.command("dual-criminality")
def dual_criminality(
    ctx: typer.Context, conduct: Annotated[Path, typer.Argument(help="conduct file")],
    requesting: Annotated[str, typer.Option(help="requesting state")],
    requested: Annotated[str, typer.Option(help="requested state")],
    kind: Annotated[str, typer.Option(help="extradition or mla")] = "extradition",
    threshold: Annotated[float, typer.Option(help="minimum maximum penalty in years (per treaty)")] = 1.0,
    as_json: JsonOpt = False,
) -> None:
    """Is the conduct an offence in both states (conduct-based)? Exit 1 if dual criminality is not met."""
    lib = _library(ctx)
    if kind not in ("extradition", "mla"):
        raise InvalidInput(f"--kind: must be 'extradition' or 'mla', not {kind!r}")
    facts = law.load_conduct(conduct, lib.vocabulary)
    with named_in_input("--requesting / --requested"):
        result = law.dual_criminality(facts, requesting, requested, lib, kind=kind,  # type: ignore[arg-type]
                                      threshold_years=threshold)
    if as_json:
        emit(result)
    else:
        out.print(f"[bold]Dual criminality ({plain(result.kind)})[/] {plain(result.requesting)} → "
                  f"{plain(result.requested)}: {_styled(result.outcome)}")
        out.print(plain(result.explanation))
        for s in result.states:
            offences = f" under {plain(', '.join(s.offences))}" if s.offences else ""
            out.print(f"\n[bold]{plain(s.name)}[/]: offence {_styled(s.assessment.verdict)}{offences}; penalty "
                      f"{plain(s.max_penalty)}" + "".join(f" {_tag(c.verified)}" for c in
                                                          (s.penalty.citations if s.penalty else [])
                                                          if c.verified is not True))
            if s.penalty and s.penalty.explanation:
                out.print(f"  [dim]{plain(s.penalty.explanation)}[/]")
            if s.penalty and s.penalty.may_also_apply:
                out.print(f"  [dim]may also apply: {plain('; '.join(s.penalty.may_also_apply))}[/]")
            _print_findings(s.assessment.findings)
        out.print(f"Cited: {_cites(result.citations)}")
    if result.outcome == "not_met":
        raise typer.Exit(1)


@law_app.command("jurisdiction")
def jurisdiction_(ctx: typer.Context, conduct: Annotated[Path, typer.Argument(help="conduct file")],
                  as_json: JsonOpt = False) -> None:
    """Which states may establish jurisdiction over the conduct, and on which basis (UNTOC Art. 15)?"""
    lib = _library(ctx)
    result = law.jurisdiction(law.load_conduct(conduct, lib.vocabulary), lib)
    if as_json:
        emit(result)
        return
    table = Table("state", "basis", "facts", "citation", "conditions")
    for st in result.states:
        for c in st.claims:
            table.add_row(plain(st.name), plain(c.label), plain(c.facts), _cite(c.citation), plain(c.conditions or ""))
        for u in st.unclaimed:
            table.add_row(plain(st.name), f"[yellow]no basis in its profile[/]: {plain(u.label)}", plain(u.facts),
                          _cite(u.citation) if u.citation else "-", plain(f"needed: {u.needed}"))
    out.print(table)
    for st in result.states:
        for f in st.found:
            out.print(f"[bold]{plain(st.name)}[/]: {plain(f.consequence)} {_cites(f.citations)}")
    out.print(plain(result.explanation))
    if result.universal:
        out.print("Universal jurisdiction also claimed by: " + ", ".join(
            f"{plain(s.name)} ({_cite(s.claims[0].citation)})" for s in result.universal))


@law_app.command()
def vocabulary(ctx: typer.Context, kind: Annotated[str | None, typer.Argument(
        help="acts, means, purposes, jurisdiction_bases or aggravating_circumstances (default: all)")] = None,
        as_json: JsonOpt = False) -> None:
    """The keys a conduct or profile may use: each with its label, whether it is a Palermo Protocol term, and the
    jurisdictions whose offences use it."""
    lib = _library(ctx)
    if kind is not None and kind not in KINDS:
        raise InvalidInput(f"KIND: unknown kind {kind!r}{suggest(kind, KINDS)}", hint=f"kinds: {', '.join(KINDS)}")
    found = terms(lib, kind)
    if as_json:
        emit(found)
        return
    table = Table("kind", "key", "label", "Protocol", "used by")
    for t in found:
        table.add_row(plain(t.kind), plain(t.key), plain(t.label), "yes" if t.protocol else "",
                      plain(", ".join(t.used_by) if len(t.used_by) < 8 else f"{len(t.used_by)} jurisdictions"))
    out.print(table)
    out.print("[dim]Protocol: one of Art. 3(a)'s own terms; the others are found in national laws. A conduct uses "
              "these keys (docs/conduct.md).[/]")


def _yes_no(value: object) -> str:
    return "yes" if value is True else "no" if value is False else "not known" if value is None else str(value)
