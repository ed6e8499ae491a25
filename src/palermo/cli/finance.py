"""`palermo finance`: load transactions, run the trafficking red-flag pack, review alerts, file goAML reports."""

from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from palermo.cli.console import JsonOpt, err, out, plain, plain_row
from palermo.cli.context import settings_for
from palermo.finance.desk import Desk, Format
from palermo.finance.rules import load_pack
from palermo.settings import Settings

finance_app = typer.Typer(help="Financial intelligence: trafficking red flags on transactions, goAML reports.",
                          no_args_is_help=True)

LedgerOpt = Annotated[Path | None, typer.Option(
    "--ledger", help="a DuckDB ledger file of your own (default: the agency's, data/finance/AGENCY.duckdb)")]
TypologiesOpt = Annotated[list[Path] | None, typer.Option(
    "--typologies", help="folder or file of extra or overriding rules (repeatable)")]
CHOSEN: dict[str, str | None] = {"agency": None}
"""The agency named with `palermo finance --agency` for this command."""


@finance_app.callback()
def _agency(agency: Annotated[str | None, typer.Option(
        "--agency", help="the agency whose ledger to use (each agency has its own); needed when several have one")]
            = None) -> None:
    """Financial intelligence: trafficking red flags on transactions, goAML reports."""
    CHOSEN["agency"] = agency


def _desk(ledger: Path | None, typologies: list[Path] | None = None, *, write: bool = True) -> Desk:
    """The finance desk (the operator's tool: no user account needed) on --ledger, or on the ledger of the agency
    given with `palermo finance --agency`, in the deployment's data directory, which must then hold a store (the
    same one `palermo serve` uses), so a command run in the wrong folder never starts a stray data/ folder. A
    command that only reads never creates a ledger: with none yet, it reads an empty one."""
    settings = Settings()
    path = ledger
    if path is None:
        from palermo.cli.ledgers import agency_ledger

        path = agency_ledger(settings_for(instead="--ledger FILE"), CHOSEN["agency"], write=write)
    return Desk(path, list(typologies or []) + settings.typology_dirs, goaml_profile=settings.goaml_profile,
                goaml_xsd=settings.goaml_xsd, watchlist=settings.watchlist)


@finance_app.command()
def ingest(source: Annotated[Path, typer.Argument(help="CSV or Parquet file, FtM JSON lines, or AMLSim folder")],
           fmt: Annotated[str, typer.Option("--format", help="auto, csv, parquet, ftm or amlsim")] = "auto",
           mapping: Annotated[Path | None, typer.Option(help="YAML column mapping (docs/finance.md)")] = None,
           currency: Annotated[str | None, typer.Option(help="currency of every row when the file has none")] = None,
           ledger: LedgerOpt = None) -> None:
    """Load transactions (or parties): every row is checked first; one bad row and nothing is loaded."""
    if fmt not in ("auto", "csv", "parquet", "ftm", "amlsim"):
        raise typer.BadParameter("choose auto, csv, parquet, ftm or amlsim", param_hint="--format")
    desk = _desk(ledger)
    try:
        chosen: Format = fmt  # type: ignore[assignment]  # checked just above
        with err.status(f"checking every row of {plain(source)}, then loading it in one transaction ..."):
            reports = desk.ingest(source, chosen, mapping, currency)
        for report in reports:
            out.print(plain(f"loaded {report.rows:,} {report.table} from {report.source}"))
    finally:
        desk.close()


@finance_app.command("generate")
def generate_cmd(transactions: Annotated[int, typer.Option(min=1000, help="about how many transactions")] = 200_000,
                 seed: Annotated[int, typer.Option(help="same seed, same data")] = 7,
                 labels: Annotated[Path | None, typer.Option(help="write the planted typologies as JSON lines")] = None,
                 ledger: LedgerOpt = None) -> None:
    """Fill a new ledger with a year of synthetic banking and labelled trafficking typologies (for tests, demos)."""
    desk = _desk(ledger)
    try:
        with _progress() as bar:
            task = bar.add_task("generating", total=3)
            planted = desk.generate(transactions, seed, lambda phase, n: bar.update(
                task, advance=1, description=f"{phase}: {n:,} rows"))
        out.print(f"{desk.ledger.count('transactions'):,} transactions, {desk.ledger.count('parties'):,} parties, "
                  f"{len(planted)} planted typology instances")
        if labels:
            labels.write_text("".join(json.dumps({"typology": p.typology, "tx_ids": list(p.tx_ids),
                                                  "accounts": list(p.accounts)}) + "\n" for p in planted))
    finally:
        desk.close()


@finance_app.command()
def rules(typologies: TypologiesOpt = None, as_json: JsonOpt = False) -> None:
    """List the red-flag rules in force, with their sources."""
    pack = load_pack(list(typologies or []) + Settings().typology_dirs)  # reads no ledger, creates none
    if as_json:
        sys.stdout.write(json.dumps([r.model_dump(mode="json") for r in pack.rules], indent=2) + "\n")
        return
    table = Table(title=plain(f"Typology pack {pack.version}"))
    for col in ("rule", "weight", "what it looks for", "source"):
        table.add_column(col)
    for rule in pack.rules:
        cites = "; ".join(c.label for c in pack.citations(rule))
        table.add_row(*plain_row(rule.id, f"{rule.weight:.2f}", rule.explanation, cites))
    out.print(table)


@finance_app.command("monitor")
def monitor_cmd(engine: Annotated[str, typer.Option(help="duckdb (here) or spark")] = "duckdb",
                master: Annotated[str | None, typer.Option(help="Spark master: local[*] or spark://host:7077")] = None,
                rule: Annotated[list[str] | None, typer.Option("--rule", help="only these rules (repeatable)")] = None,
                typologies: TypologiesOpt = None, ledger: LedgerOpt = None, as_json: JsonOpt = False) -> None:
    """Run the red-flag pack over the ledger and keep the alerts for review."""
    if engine not in ("duckdb", "spark"):
        raise typer.BadParameter("choose duckdb or spark", param_hint="--engine")
    desk = _desk(ledger, typologies)
    chosen: Literal["duckdb", "spark"] = "spark" if engine == "spark" else "duckdb"
    try:
        pack = desk.pack(rule or [])
        with _progress() as bar:
            task = bar.add_task("monitoring", total=len(pack.rules))
            run, new = desk.monitor(engine=chosen, master=master or Settings().spark_master, only=rule or [],
                                    progress=lambda rid, done, total: bar.update(task, completed=done,
                                                                                  description=rid))
    finally:
        desk.close()
    if as_json:
        sys.stdout.write(json.dumps({"engine": run.engine, "seconds": run.seconds, "new": new,
                                     "alerts": [a.model_dump(mode="json") for a in run.alerts]}, indent=2) + "\n")
        return
    counts: dict[str, int] = {}
    for alert in run.alerts:
        counts[alert.rule] = counts.get(alert.rule, 0) + 1
    table = Table(title=plain(f"{len(run.alerts)} alerts ({new} new) on {run.engine}"))
    for col in ("rule", "alerts", "seconds"):
        table.add_column(col)
    for rid, secs in run.seconds.items():
        table.add_row(*plain_row(rid, counts.get(rid, 0), f"{secs:.2f}"))
    out.print(table)
    top = Table(title="Highest combined scores")
    for col in ("account", "score", "rules"):
        top.add_column(col)
    for risk in run.risks[:10]:
        top.add_row(*plain_row(risk.subject, f"{risk.score:.2f}", ", ".join(risk.rules)))
    out.print(top)


@finance_app.command("alerts")
def alerts_cmd(rule: Annotated[str | None, typer.Option(help="only this rule")] = None,
               subject: Annotated[str | None, typer.Option(help="only this account")] = None,
               limit: Annotated[int, typer.Option(min=1, max=10000)] = 50,
               ledger: LedgerOpt = None, as_json: JsonOpt = False) -> None:
    """List kept alerts, strongest rules first."""
    desk = _desk(ledger, write=False)
    try:
        found = desk.alerts(rule=rule, subject=subject, limit=limit)
    finally:
        desk.close()
    if as_json:
        sys.stdout.write(json.dumps([a.model_dump(mode="json") for a in found], indent=2) + "\n")
        return
    table = Table(title=f"{len(found)} alerts")
    for col in ("id", "rule", "subject", "from", "to", "transactions"):
        table.add_column(col)
    for a in found:
        table.add_row(*plain_row(a.id, a.rule, a.subject, f"{a.first_at:%Y-%m-%d}" if a.first_at else "",
                                 f"{a.last_at:%Y-%m-%d}" if a.last_at else "", len(a.transactions)))
    out.print(table)


@finance_app.command()
def report(alert: Annotated[list[str], typer.Argument(help="alert ids to report together")],
           reference: Annotated[str, typer.Option(help="your reference for this report")],
           output: Annotated[Path, typer.Option("--out", help="where to write the goAML XML")],
           xsd: Annotated[Path | None, typer.Option(help="the FIU's goAMLSchema.xsd (or PALERMO_GOAML_XSD)")] = None,
           profile: Annotated[Path | None, typer.Option(help="YAML of the FIU's goAML codes")] = None,
           reason: Annotated[str | None, typer.Option(help="your own words, put before the red flags")] = None,
           action: Annotated[str | None, typer.Option(help="action taken (goAML 'action')")] = None,
           by: Annotated[str | None, typer.Option(help="who reports (the alerts' review names them; default: "
                                                       "your login name)")] = None,
           ledger: LedgerOpt = None) -> None:
    """Write a goAML STR of the alerts, validated against the FIU's schema first; nothing is written if invalid.
    The reported alerts are marked escalated, as when reporting from the API or the pages."""
    desk = _desk(ledger)
    try:
        xml = desk.report(alert, reference=reference, by=by or getpass.getuser(), reason=reason, action=action,
                          xsd=xsd, profile=profile)
    finally:
        desk.close()
    output.write_bytes(xml)
    out.print(plain(f"wrote {output} ({len(xml):,} bytes), valid against the goAML schema"))


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                    TimeElapsedColumn(), console=err, transient=True)


@finance_app.command("screen")
def screen_cmd(names: Annotated[list[str] | None, typer.Argument(help="names to screen")] = None,
               watchlist: Annotated[Path | None, typer.Option("--list", help="FtM / OpenSanctions JSON lines")] = None,
               parties: Annotated[bool, typer.Option("--parties", help="screen every party in the ledger")] = False,
               threshold: Annotated[float, typer.Option(help="lowest score that counts as a hit")] = 0.8,
               ledger: LedgerOpt = None, as_json: JsonOpt = False) -> None:
    """Screen names or the ledger's parties against a watchlist; hits are kept for review (confirm or clear)."""
    desk = _desk(ledger)
    try:
        listed, results, new = desk.screen(names=names or [], parties=parties, watchlist=watchlist,
                                           threshold=threshold)
    finally:
        desk.close()
    if as_json:
        sys.stdout.write(json.dumps({"list": listed.name, "version": listed.version, "new_hits": new, "results": [
            {"query": q.name, "ref": q.ref, "matches": [
                {"entity": m.entity.id, "caption": m.entity.caption, "score": m.score, "matched_name": m.matched_name,
                 "features": [f.__dict__ for f in m.features]} for m in ms]} for q, ms in results]},
            indent=2, ensure_ascii=False) + "\n")
        return
    table = Table(title=plain(f"{len(results)} screened against {listed.version} ({len(listed.entities):,} "
                              f"entities); {new} new hits"))
    for col in ("query", "match", "score", "why"):
        table.add_column(col)
    for query, matches in results:
        for m in matches:
            why = "; ".join(f"{f.name} {f.value:.2f}" for f in m.features)
            table.add_row(*plain_row(query.name, f"{m.entity.caption} ({m.entity.id})", f"{m.score:.2f}", why))
    out.print(table)


@finance_app.command("hits")
def hits_cmd(pending: Annotated[bool, typer.Option(help="only hits nobody has decided")] = False,
             ledger: LedgerOpt = None) -> None:
    """List screening hits kept for review."""
    desk = _desk(ledger, write=False)
    try:
        rows = desk.hits(pending=pending)
    finally:
        desk.close()
    table = Table(title=f"{len(rows)} screening hits")
    for col in ("hit", "query", "listed", "score", "decision"):
        table.add_column(col, no_wrap=col == "hit")
    for r in rows:
        table.add_row(*plain_row(r["id"], r["query_name"], r["entity_caption"], f"{r['score']:.2f}",
                                 f"{r['decision']} by {r['decided_by']}" if r["decision"] else "pending"))
    out.print(table)


@finance_app.command("decide")
def decide_cmd(hit: Annotated[str, typer.Argument(help="hit id")],
               decision: Annotated[str, typer.Argument(help="confirmed or cleared")],
               by: Annotated[str, typer.Option(help="who decides (goes into the audit trail)")],
               reason: Annotated[str, typer.Option(help="why")],
               ledger: LedgerOpt = None) -> None:
    """Confirm or clear a screening hit."""
    desk = _desk(ledger)
    try:
        desk.decide(hit, decision, by=by, reason=reason)
    finally:
        desk.close()
    out.print(plain(f"{hit}: {decision} by {by}"))


@finance_app.command("decisions")
def decisions_cmd(fmt: Annotated[str, typer.Option("--format", help="csv or json")] = "csv",
                  ledger: LedgerOpt = None) -> None:
    """Export the screening audit trail: list version, query, match, scores, decision, who, when, why."""
    if fmt not in ("csv", "json"):
        raise typer.BadParameter("choose csv or json", param_hint="--format")
    desk = _desk(ledger, write=False)
    try:
        sys.stdout.write(desk.decisions("json" if fmt == "json" else "csv"))
    finally:
        desk.close()


LabelledOpt = Annotated[list[Path], typer.Argument(
    help="labelled AMLSim graph export folders (nodes.csv, transactions.csv), read as published")]
StartOpt = Annotated[str, typer.Option(help="the date of simulation step 0 (YYYY-MM-DD); steps are days")]


@finance_app.command("evaluate")
def evaluate_cmd(folders: LabelledOpt,
                 model: Annotated[Path | None, typer.Option(help="also score this learned model file")] = None,
                 start: StartOpt = "2017-01-01", typologies: TypologiesOpt = None,
                 rule: Annotated[list[str] | None, typer.Option("--rule", help="only these rules (repeatable)")] = None,
                 as_json: JsonOpt = False) -> None:
    """Measure the red-flag pack (and a learned model) on labelled runs: recall and precision per typology, in
    accounts, for the whole pack, each rule that fired, and the model. Reads no deployment data."""
    from rich.progress import TaskID

    from palermo.finance.amlsim import step_zero
    from palermo.finance.learned import load as load_model
    from palermo.finance.measure import measure_folder
    from palermo.finance.rules import load_pack

    pack = load_pack(list(typologies or []) + Settings().typology_dirs, only=rule or [])
    learned = load_model(model) if model else None
    results = []
    for folder in folders:
        with _progress() as bar:
            task = bar.add_task(folder.name, total=len(pack.rules))

            def shown(rid: str, done: int, total: int, task: TaskID = task) -> None:
                bar.update(task, completed=done, description=rid)

            found = measure_folder(folder, pack, learned, start=step_zero(start), progress=shown)
        results.append((folder, found))
    if as_json:
        sys.stdout.write(json.dumps([{"folder": str(f), "seconds": m.seconds, "layers": [
            {"layer": q.layer, "typology": q.typology, "labelled": q.labelled, "flagged": q.flagged,
             "found": q.found, "recall": q.recall, "precision": q.precision} for q in m.quality]}
            for f, m in results], indent=2) + "\n")
        return
    for folder, found in results:
        table = Table(title=plain(f"{folder}: {len(found.run.labels.typology)} laundering accounts of "
                                  f"{len(found.run.labels.accounts)}"))
        for col in ("layer", "typology", "flagged", "found", "recall", "precision"):
            table.add_column(col)
        for q in found.quality:
            table.add_row(*plain_row(q.layer, q.typology, str(q.flagged), f"{q.found}/{q.labelled}",
                                     f"{q.recall:.3f}", f"{q.precision:.3f}"))
        out.print(table)


@finance_app.command("learn")
def learn_cmd(folder: Annotated[Path, typer.Argument(help="a labelled AMLSim graph export folder to learn from")],
              output: Annotated[Path, typer.Option("--out", help="the model file to write (JSON)")],
              start: StartOpt = "2017-01-01",
              target_precision: Annotated[float, typer.Option(
                  min=0.05, max=1.0, help="flag from the lowest score at which this share of the training accounts "
                                          "flagged is laundering")] = 0.8) -> None:
    """Train the learned layer on a labelled run and save it; `palermo finance evaluate --model` measures it."""
    from palermo.finance.amlsim import read_graph, step_zero
    from palermo.finance.features import account_features
    from palermo.finance.learned import save, train
    from palermo.finance.ledger import Ledger

    scratch = Ledger()
    try:
        run = read_graph(scratch, folder, start=step_zero(start))
        trained = train(account_features(scratch), run.labels.laundering(), trained_on=str(folder),
                        target_precision=target_precision)
    finally:
        scratch.close()
    save(trained, output)
    out.print(plain(f"{output}: trained on {trained.accounts} accounts ({trained.laundering} laundering); "
                    f"flags from probability {trained.threshold:.3f}"))


@finance_app.command("score")
def score_cmd(model: Annotated[Path, typer.Option(help="a model file written by palermo finance learn")],
              ledger: Annotated[Path, typer.Option("--ledger", help="the DuckDB ledger file to score")],
              top: Annotated[int, typer.Option(min=1, max=100000, help="at most this many accounts")] = 50,
              as_json: JsonOpt = False) -> None:
    """The learned layer on a ledger: the accounts the model flags, highest first, each with the features that
    drove it (the account's value beside the median account's). For an analyst to look at; rules explain."""
    from palermo.errors import InvalidInput
    from palermo.finance.features import account_features
    from palermo.finance.learned import load as load_model
    from palermo.finance.learned import score
    from palermo.finance.ledger import Ledger

    trained = load_model(model)
    if not ledger.is_file():
        raise InvalidInput(f"{ledger}: no such ledger file")
    book = Ledger(ledger)
    try:
        flagged = score(trained, account_features(book))[:top]
    finally:
        book.close()
    if as_json:
        sys.stdout.write(json.dumps([{"account": a.account, "probability": a.probability, "reasons": [
            {"feature": r.feature, "description": r.description, "value": r.value, "typical": r.typical,
             "push": r.push} for r in a.reasons]} for a in flagged], indent=2) + "\n")
        return
    table = Table(title=plain(f"{len(flagged)} accounts flagged by the model trained on {trained.trained_on}"))
    for col in ("account", "probability", "what drove it (this account / the median account)"):
        table.add_column(col)
    for a in flagged:
        why = "; ".join(f"{r.description}: {r.value:.3g} / {r.typical:.3g}" for r in a.reasons)
        table.add_row(*plain_row(a.account, f"{a.probability:.3f}", why))
    out.print(table)
