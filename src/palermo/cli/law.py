"""`palermo law`: the law engine on the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from palermo import law
from palermo.cli.console import JsonOpt, emit, out, plain
from palermo.errors import InvalidInput, named_in_input
from palermo.law.gaps import fmt_years
from palermo.law.library import Library
from palermo.law.schema import Instrument, Profile, SourceRef
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


def _show_profile(item: Profile, lib: Library, notes: bool) -> None:
    d = item.definition
    out.print(f"[bold]{plain(item.name)}[/] ({plain(item.id)}) — profile {_verified(item.verified)}; "
              f"as of: {plain(item.as_of)}")
    for o in item.offences:
        out.print(f"  {plain(o.citation)}: {plain(o.title)} ({plain(o.role.replace('_', ' '))}) {_tag(o.verified)}")
    voc = lib.vocabulary
    out.print(f"Acts: {plain(', '.join(voc.label(a) for a in sorted(d.all_acts)))}")
    required = "required for adults" if d.means_required_adults is True else f"required: {d.means_required_adults}"
    out.print(f"Means ({plain(required)}): {plain(', '.join(voc.label(m) for m in sorted(d.all_means)) or 'none')}")
    out.print(f"Purposes: {plain(', '.join(voc.label(p) for p in sorted(d.all_purposes)))}")
    out.print(f"Child: under {d.child.age_below}, means required: {plain(d.child.means_required)} "
              f"({plain(d.child.citation or '-')}) {_tag(d.child.verified)}")
    out.print(f"Consent: {plain(d.consent.scope.replace('_', ' '))} ({plain(d.consent.citation or '-')}) "
              f"{_tag(d.consent.verified)}")
    b = item.penalties.basic
    out.print(f"Penalty: {fmt_years(b.min_years)} to {fmt_years(b.max_years)}{', life' if b.life else ''} "
              f"({plain(b.citation or '-')}) {_tag(item.penalties.verified)}")
    for a in item.penalties.aggravated:
        out.print(f"  aggravated ({plain(', '.join(voc.label(c) for c in a.circumstances))}): up to "
                  f"{'life' if a.life else fmt_years(a.max_years)} ({plain(a.citation or '-')})")
    for basis in item.jurisdiction.bases:
        out.print(f"Jurisdiction: {plain(voc.label(basis.basis))} ({plain(basis.citation or '-')}) "
                  f"{_tag(basis.verified)}")
    research = [f"What was read: {plain(item.verification_notes)}"] if item.verification_notes else []
    research += [f"Open question: {plain(q)}" for q in item.open_questions]
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
    table = Table("element", "finding", "reasoning", "citation")
    for f in findings:
        table.add_row(plain(f.element), _styled(f.status), plain(f.explanation), _cites(f.citations))
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
        table.add_row(_cite(r.instrument_citation) + ("" if r.mandatory else " (optional)"),
                      plain(r.element), _styled(r.status), plain(r.message),
                      _cite(r.national_citation) if r.national_citation else "-")
    names = ", ".join(lib.instruments[i].citation_name if i in lib.instruments else i for i in report.instruments)
    out.print(f"[bold]{plain(report.jurisdiction_name)}[/]: {len(report.gaps)} of {len(report.results)} obligations "
              f"not fully met ({plain(names)})")
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
            out.print(f"\n[bold]{plain(s.name)}[/]: offence {_styled(s.assessment.verdict)}; maximum penalty "
                      f"{plain(s.max_penalty)} ({_cite(s.penalty_citation) if s.penalty_citation else '-'})")
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
    for s in result.states:
        for c in s.claims:
            table.add_row(plain(s.name), plain(c.label), plain(c.facts), _cite(c.citation), plain(c.conditions or ""))
    out.print(table)
    out.print(plain(result.explanation))
    if result.universal:
        out.print("Universal jurisdiction also claimed by: " + ", ".join(
            f"{plain(s.name)} ({_cite(s.claims[0].citation)})" for s in result.universal))
