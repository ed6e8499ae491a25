"""`palermo law`: the law engine on the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from palermo import law
from palermo.cli.console import JsonOpt, emit, out
from palermo.errors import InvalidInput, named_in_input
from palermo.law.gaps import fmt_years
from palermo.law.library import Library
from palermo.law.schema import Instrument
from palermo.model import Citation, Finding
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
    return f"[{VERDICT_STYLE.get(status, '')}]{status.replace('_', ' ')}[/]"


def _cites(citations: list[Citation]) -> str:
    return "; ".join(c.label for c in citations)


def _verified(flag: object) -> str:
    return "verified" if flag is True else ("partly verified" if flag == "partial" else "[red]UNVERIFIED[/]")


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
        table.add_row(r.id, r.name, _verified(r.verified), consent, r.origin)
    out.print(table)
    out.print("Instruments: " + ", ".join(sorted(lib.instruments)))


@law_app.command()
def show(ctx: typer.Context, key: Annotated[str, typer.Argument(help="jurisdiction or instrument id")],
         as_json: JsonOpt = False) -> None:
    """Show a jurisdiction's profile or an instrument, with citations and verified flags."""
    lib = _library(ctx)
    with named_in_input("KEY"):
        item = lib.instruments.get(key) or lib.profile(key)
    if as_json:
        emit(item)
        return
    if isinstance(item, Instrument):
        out.print(f"[bold]{item.title}[/] ({item.short_title}) — {_verified(item.verified)}")
        for p in item.provisions:
            out.print(f"  Art. {p.article} [dim]{p.key}[/] {p.summary} [{_verified(p.verified)}]")
        return
    d = item.definition
    out.print(f"[bold]{item.name}[/] ({item.id}) — profile {_verified(item.verified)}; as of: {item.as_of}")
    for o in item.offences:
        out.print(f"  {o.citation}: {o.title} [{o.role}] [{_verified(o.verified)}]")
    voc = lib.vocabulary
    out.print(f"Acts: {', '.join(voc.label(a) for a in sorted(d.all_acts))}")
    out.print(f"Means ({'required for adults' if d.means_required_adults is True else 'required: ' + str(d.means_required_adults)}): "
              f"{', '.join(voc.label(m) for m in sorted(d.all_means)) or 'none'}")
    out.print(f"Purposes: {', '.join(voc.label(p) for p in sorted(d.all_purposes))}")
    out.print(f"Child: under {d.child.age_below}, means required: {d.child.means_required} "
              f"({d.child.citation}) [{_verified(d.child.verified)}]")
    out.print(f"Consent: {d.consent.scope.replace('_', ' ')} ({d.consent.citation or '-'}) [{_verified(d.consent.verified)}]")
    b = item.penalties.basic
    out.print(f"Penalty: {fmt_years(b.min_years)} to {fmt_years(b.max_years)}{', life' if b.life else ''} "
              f"({b.citation}) [{_verified(item.penalties.verified)}]")
    for a in item.penalties.aggravated:
        out.print(f"  aggravated ({', '.join(a.circumstances)}): up to "
                  f"{'life' if a.life else fmt_years(a.max_years)} ({a.citation})")
    for basis in item.jurisdiction.bases:
        out.print(f"Jurisdiction: {basis.basis} ({basis.citation}) [{_verified(basis.verified)}]")
    for q in item.open_questions:
        out.print(f"[yellow]Open question:[/] {q}")


def _print_findings(findings: list[Finding]) -> None:
    table = Table("element", "finding", "reasoning", "citation")
    for f in findings:
        table.add_row(f.element, _styled(f.status), f.explanation, _cites(f.citations))
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
            out.print(f"\n[bold]{facts.title}[/] under [bold]{r.target_name}[/]: {_styled(r.verdict)}")
            _print_findings(r.findings)
            if r.missing:
                out.print(f"Missing facts: {', '.join(r.missing)}")
            for c in r.caveats:
                out.print(f"[dim]{c}[/]")
            if r.unverified:
                out.print(f"[red]Relies on unverified facts:[/] {'; '.join(r.unverified)}")
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
    table = Table("instrument", "article", "element", "status", "detail", "national citation")
    for r in report.results if show_all else report.gaps:
        table.add_row(r.instrument, r.instrument_citation.article + ("" if r.mandatory else " (optional)"),
                      r.element, _styled(r.status), r.message,
                      r.national_citation.label if r.national_citation else "-")
    out.print(f"[bold]{report.jurisdiction_name}[/]: {len(report.gaps)} of {len(report.results)} obligations "
              f"not fully met ({', '.join(report.instruments)})")
    out.print(table)
    for n in report.notes:
        out.print(f"[dim]{n}[/]")


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
        table.add_row(f"{row.instrument} {row.article} {row.element}",
                      *[mark[row.cells[i].status] if i in row.cells else "" for i in ids])
    out.print(table)
    pen = Table("jurisdiction", "basic min", "basic max", "aggravated max", "life", "score", "gaps", "unknown")
    for p, s in zip(result.penalties, result.scores, strict=True):
        pen.add_row(p.jurisdiction, fmt_years(p.basic_min_years), "life" if p.basic_life else fmt_years(p.basic_max_years),
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
        out.print(f"[bold]Dual criminality ({result.kind})[/] {result.requesting} → {result.requested}: "
                  f"{_styled(result.outcome)}")
        out.print(result.explanation)
        for s in result.states:
            out.print(f"\n[bold]{s.name}[/]: offence {_styled(s.assessment.verdict)}; maximum penalty {s.max_penalty}"
                      f" ({s.penalty_citation.label if s.penalty_citation else '-'})")
            _print_findings(s.assessment.findings)
        out.print(f"[dim]{_cites(result.citations)}[/]")
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
            table.add_row(s.name, c.label, c.facts, c.citation.label, c.conditions or "")
    out.print(table)
    out.print(result.explanation)
    if result.universal:
        out.print("Universal jurisdiction also claimed by: " + ", ".join(
            f"{s.name} ({s.claims[0].citation.label})" for s in result.universal))
