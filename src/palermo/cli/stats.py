"""`palermo stats`: victim-safe releases with a privacy-budget ledger, and hidden-population estimates."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.table import Table

from palermo.cli.console import JsonOpt, err, out, plain, plain_row
from palermo.cli.context import settings_for
from palermo.settings import Settings

stats_app = typer.Typer(help="Statistics that cannot expose a victim: k-anonymous and differentially private "
                             "releases, privacy-budget ledger, multiple systems estimation.", no_args_is_help=True)
StoreOpt = Annotated[Path | None, typer.Option("--store", help="statistics store (default data/stats.duckdb)")]


def _store(path: Path | None):  # type: ignore[no-untyped-def]
    """The statistics store: --store, PALERMO_STATS_STORE, or stats.duckdb in the deployment's data directory
    (which must then hold a store, so a command run in the wrong folder starts no stray data/ folder)."""
    from palermo.stats.store import StatsStore

    if path is None:
        settings = Settings()
        path = settings.stats_store or settings_for(instead="--store FILE").stats_store_path
    return StatsStore(path)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@stats_app.command("import")
def import_cmd(source: Annotated[Path, typer.Argument(help="victim-level CSV in the CTDC data standard")],
               name: Annotated[str, typer.Option(help="dataset name (lower case, digits, _)")],
               budget: Annotated[float, typer.Option(help="total epsilon all releases may spend")] = 1.0,
               delta_budget: Annotated[float, typer.Option(help="total delta all releases may spend")] = 1e-6,
               store: StoreOpt = None) -> None:
    """Load victim-level records (every row checked first; one bad value and nothing is loaded)."""
    from palermo.stats.victims import parse_ctdc

    with err.status(f"checking {plain(source)} ..."):
        parsed = parse_ctdc(source)
    st = _store(store)
    try:
        ds = st.add_dataset(name, parsed, epsilon_budget=budget, delta_budget=delta_budget, at=_now())
    finally:
        st.close()
    out.print(plain(f"dataset {ds.name}: {ds.rows:,} records, variables {', '.join(ds.columns)}; privacy budget "
                    f"epsilon {ds.epsilon_budget:g}, delta {ds.delta_budget:g}; version {ds.version}"))
    if parsed.ignored:
        out.print(plain(f"not CTDC variables, not loaded: {', '.join(parsed.ignored)}"))


@stats_app.command()
def release(name: Annotated[str, typer.Argument(help="dataset")],
            by: Annotated[str, typer.Option(help="variables to tabulate, comma-separated")],
            by_user: Annotated[str, typer.Option("--as", help="who releases (goes into the ledger)")],
            k: Annotated[int | None, typer.Option(help="k-anonymous table: suppress cells below k (CTDC: 11)")] = None,
            epsilon: Annotated[float | None, typer.Option(help="differentially private counts at this epsilon")] = None,
            mechanism: Annotated[str, typer.Option(help="laplace (pure epsilon) or gaussian (epsilon, delta)")] = "laplace",
            delta: Annotated[float, typer.Option(help="delta of the gaussian mechanism")] = 0.0,
            contributions: Annotated[int, typer.Option(help="most records one person can have")] = 1,
            years: Annotated[str | None, typer.Option(help="public year range, e.g. 2002-2018")] = None,
            output: Annotated[Path | None, typer.Option("--out", help="write the public release as JSON")] = None,
            store: StoreOpt = None) -> None:
    """Release a table: k-anonymous (--k) or differentially private (--epsilon), recorded in the ledger."""
    from palermo.errors import InvalidInput
    from palermo.stats.release import differentially_private, k_anonymous

    fields = [f.strip() for f in by.split(",") if f.strip()]
    if (k is None) == (epsilon is None):
        raise InvalidInput("give either --k (k-anonymous) or --epsilon (differential privacy)")
    span = None
    if years:
        try:
            low, high = (int(y) for y in years.split("-"))
        except ValueError:
            raise InvalidInput("years: write a range such as 2002-2018") from None
        span = (low, high)
    if mechanism not in ("laplace", "gaussian"):
        raise InvalidInput("mechanism: laplace or gaussian")
    chosen: Literal["laplace", "gaussian"] = "gaussian" if mechanism == "gaussian" else "laplace"
    st = _store(store)
    try:
        if k is not None:
            made = k_anonymous(st, name, fields, k=k, released_by=by_user, at=_now())
        else:
            assert epsilon is not None
            made = differentially_private(st, name, fields, epsilon=epsilon, mechanism=chosen, delta=delta,
                                          contributions=contributions, years=span, released_by=by_user, at=_now())
        spent = st.spent(name)
        budget = st.dataset(name)
    finally:
        st.close()
    public = made.public()
    if output:
        output.write_text(json.dumps(public, indent=2, ensure_ascii=False) + "\n")
    table = Table(title=plain(f"{made.kind} release {made.id} of {name} ({made.version})"))
    for col in (*made.by, "count"):
        table.add_column(plain(col))
    shown = sorted(made.cells, key=lambda c: -(c.count or 0))[:40]
    for cell in shown:
        table.add_row(*plain_row(*cell.key, "<" + str(made.k) if cell.count is None else f"{cell.count:,}"))
    out.print(table)
    for note in made.notes:
        out.print(f"- {plain(note)}")
    out.print(f"ledger: epsilon {spent[0]:g} of {budget.epsilon_budget:g} spent, delta {spent[1]:g} of "
              f"{budget.delta_budget:g}")
    err.print(f"[dim]for the data owner only (do not publish): {plain(json.dumps(made.utility))}[/]")


@stats_app.command()
def ledger(name: Annotated[str, typer.Argument(help="dataset")], store: StoreOpt = None,
           as_json: JsonOpt = False) -> None:
    """Every release made from a dataset and the privacy it cost."""
    st = _store(store)
    try:
        entries = st.ledger(name)
        spent = st.spent(name)
        ds = st.dataset(name)
    finally:
        st.close()
    if as_json:
        sys.stdout.write(json.dumps([e.__dict__ for e in entries], indent=2, default=str) + "\n")
        return
    table = Table(title=plain(f"{name}: epsilon {spent[0]:g} of {ds.epsilon_budget:g}, delta {spent[1]:g} of "
                              f"{ds.delta_budget:g} spent"))
    for col in ("release", "when", "by", "kind", "query", "epsilon", "delta"):
        table.add_column(col)
    for e in entries:
        table.add_row(*plain_row(e.id, f"{e.released_at:%Y-%m-%d %H:%M}", e.released_by, e.kind, json.dumps(e.query),
                                 f"{e.epsilon:g}", f"{e.delta:g}"))
    out.print(table)


@stats_app.command()
def datasets(store: StoreOpt = None) -> None:
    """The stored datasets and what is left of their privacy budgets."""
    st = _store(store)
    try:
        rows = [(d, st.spent(d.name)) for d in st.datasets()]
    finally:
        st.close()
    table = Table(title="datasets")
    for col in ("name", "records", "version", "epsilon spent / budget", "delta spent / budget"):
        table.add_column(col)
    for d, (eps, delta) in rows:
        table.add_row(*plain_row(d.name, f"{d.rows:,}", d.version, f"{eps:g} / {d.epsilon_budget:g}",
                                 f"{delta:g} / {d.delta_budget:g}"))
    out.print(table)


@stats_app.command()
def estimate(source: Annotated[Path, typer.Argument(help="CSV of list columns (0/1) and a count column")],
             threshold: Annotated[float, typer.Option(help="p-value a new interaction must reach")] = 0.05,
             bootstrap: Annotated[int, typer.Option(help="bootstrap samples for the interval (0: profile "
                                                         "likelihood)")] = 0,
             seed: Annotated[int, typer.Option()] = 1, as_json: JsonOpt = False) -> None:
    """Estimate how many victims no list saw (multiple systems estimation), with a 95% interval."""
    from palermo.stats.mse import estimate as mse
    from palermo.stats.mse import read_overlap

    with err.status("fitting log-linear models ..."):
        result = mse(read_overlap(source), threshold=threshold, bootstrap=bootstrap, seed=seed)
    if as_json:
        data = {k: v for k, v in result.__dict__.items() if k != "bootstrap_totals"}
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        return
    out.print(plain(f"lists: {', '.join(result.lists)}; known to at least one list: {result.observed:,}"))
    out.print(f"[bold]estimated total: {result.total:,.0f}[/] (95% interval {result.low:,.0f} to "
              f"{result.high:,.0f}; {result.interval}); unseen: {result.unseen:,.0f}")
    out.print(plain(f"model: main effects + {', '.join(result.interactions) or 'no interactions'}; {result.method}"))


@stats_app.command("scorecard")
def scorecard_cmd(code: Annotated[str, typer.Argument(help="ISO 3166 alpha-2 code, e.g. NG")],
                  index_3p: Annotated[Path | None, typer.Option("--index-3p", help="3P index CSV you hold")] = None,
                  as_json: JsonOpt = False) -> None:
    """A country's scorecard: ratification, law engine reading, TIP tier, UNODC counts, each with its source."""
    from palermo import law
    from palermo.stats.countries import read_3p, scorecard

    source_3p = index_3p or Settings().index_3p
    card = scorecard(code, law.load_library(Settings().profile_dirs, strict=True),
                     read_3p(source_3p) if source_3p else None)
    if as_json:
        sys.stdout.write(json.dumps(card.as_dict(), indent=2, default=str) + "\n")
        return
    table = Table(title=plain(f"{card.name} ({card.code})"))
    for col in ("measure", "value", "source", "version", "where"):
        table.add_column(col)
    for i in card.items:
        table.add_row(*plain_row(i.measure, i.value + ("" if i.verified else " [partly unverified]"), i.source,
                                 i.version, i.detail))
    out.print(table)


@stats_app.command("report")
def report_cmd(code: Annotated[str, typer.Argument(help="ISO 3166 alpha-2 code")],
               output: Annotated[Path, typer.Option("--out", help="HTML file to write (self-contained, printable)")]) -> None:
    """Write a printable country report (scorecard, sources, figures; plotly.js inlined, works offline)."""
    from html import escape

    from palermo import law
    from palermo.stats.countries import scorecard, sources
    from palermo.stats.plots import country_figures, report_html

    card = scorecard(code, law.load_library(Settings().profile_dirs, strict=True))
    rows = "".join(f"<tr><td>{escape(i.measure)}</td><td><b>{escape(i.value)}</b></td><td>{escape(i.source)}</td>"
                   f"<td>{escape(i.version)}</td><td>{escape(i.detail)}</td></tr>" for i in card.items)
    table = f"<table><tr><th>measure</th><th>value</th><th>source</th><th>version</th><th>where</th></tr>{rows}</table>"
    cited = "".join(f"<li>{escape(s.title)} — {escape(s.publisher)}; {escape(s.terms)}; {escape(s.version)}</li>"
                    for s in sources().values())
    html = report_html(f"{card.name}: anti-trafficking profile", [("Scorecard", table),
                                                                  ("Sources", f"<ul>{cited}</ul>")],
                       country_figures(card.code))
    output.write_text(html, encoding="utf-8")
    out.print(plain(f"wrote {output} ({len(html):,} bytes)"))


@stats_app.command("flows")
def flows_cmd(name: Annotated[str, typer.Argument(help="dataset with citizenship and CountryOfExploitation")],
              by_user: Annotated[str, typer.Option("--as", help="who releases (goes into the ledger)")],
              output: Annotated[Path, typer.Option("--out", help="HTML file to write")],
              k: Annotated[int | None, typer.Option(help="k-anonymous release (default 11)")] = None,
              epsilon: Annotated[float | None, typer.Option(help="differentially private release instead")] = None,
              store: StoreOpt = None) -> None:
    """Plot citizenship → country of exploitation from a protected release (recorded in the ledger)."""
    from palermo.stats.plots import flows, report_html
    from palermo.stats.release import differentially_private, k_anonymous

    fields = ["citizenship", "CountryOfExploitation"]
    st = _store(store)
    try:
        if epsilon is not None:
            made = differentially_private(st, name, fields, epsilon=epsilon, released_by=by_user, at=_now())
        else:
            made = k_anonymous(st, name, fields, k=k or 11, released_by=by_user, at=_now())
    finally:
        st.close()
    figure = flows(made)
    html = report_html(f"Flows of victims, dataset {name}", [("Release", f"<p>{made.id}: {made.kind}; "
                                                                          f"{'; '.join(made.notes)}</p>")],
                       {"flows": figure} if figure else {})
    output.write_text(html, encoding="utf-8")
    out.print(plain(f"wrote {output}: {made.kind} release {made.id}"))
