"""`palermo resolve`: entity resolution on the command line — run it over cases, work through the review queue
(each pair with the weight every compared feature gave it), record judgements, list identities."""

from __future__ import annotations

import dataclasses
from typing import Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from palermo.cli.console import JsonOpt, emit, err, out, plain, plain_row
from palermo.cli.context import services
from palermo.errors import InvalidInput

resolve_app = typer.Typer(help="Entity resolution: which records of your cases are the same person, organisation, "
                               "account or address; review and judge the pairs.", no_args_is_help=True)
AsUser = Annotated[str, typer.Option("--as", help="act as this user (their role and agency apply)")]
Dataset = Annotated[str, typer.Argument(help="the dataset (by default a run names it after its cases: A+B)")]
Kind = Annotated[str, typer.Option("--kind", help="person, organization, account or address")]


@resolve_app.command("run")
def run(cases: Annotated[list[str], typer.Argument(help="case references")], as_user: AsUser,
        dataset: Annotated[str | None, typer.Option(help="the dataset's name (default: the cases joined by +)")]
        = None, kind: Kind = "person",
        retrain: Annotated[bool, typer.Option(help="train the dataset's model again")] = False,
        engine: Annotated[str, typer.Option(help="duckdb, or spark for large jobs (local Spark)")] = "duckdb",
        as_json: JsonOpt = False) -> None:
    """Resolve the records of one kind in the cases: train the dataset's model the first time, score the
    candidate pairs, cluster them with the judgements so far, keep canonical IDs stable."""
    if engine not in ("duckdb", "spark"):
        raise InvalidInput(f"engine {engine!r}: duckdb or spark")
    svc = services()
    spark = None
    if engine == "spark":
        from palermo.analytics.resolution import spark_config
        from palermo.finance.spark import SparkEngine

        spark = SparkEngine({}, app="palermo-resolve", config=spark_config()).session
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task("resolving", total=None)
        summary = svc.resolution.run(svc.accounts.actor(as_user), cases, dataset=dataset, kind=kind,
                                     retrain=retrain, engine="spark" if engine == "spark" else "duckdb",
                                     spark=spark, progress=lambda step: bar.update(task, description=step))
    if as_json:
        emit(dataclasses.asdict(summary))
        return
    out.print(f"{plain(summary.dataset)} ({summary.kind}): {summary.records} records, {summary.candidates} "
              f"candidate pairs, {summary.linked} linked by the model, {summary.identities} identities of more than "
              f"one record; model {'trained now' if summary.trained else 'reused'}")
    for note in summary.notes:
        out.print(f"note: {plain(note)}")


@resolve_app.command("queue")
def queue(dataset: Dataset, as_user: AsUser, kind: Kind = "person",
          limit: Annotated[int, typer.Option(min=1, max=500)] = 10,
          why: Annotated[bool, typer.Option("--why", help="show each pair's weights by feature")] = False,
          as_json: JsonOpt = False) -> None:
    """The open pairs, most instructive first (the model least sure, the most records at stake)."""
    svc = services()
    actor = svc.accounts.actor(as_user)
    questions = svc.resolution.queue(actor, dataset, kind, limit)
    records = svc.resolution.describe(actor, [r for q in questions for r in (q.candidate.left, q.candidate.right)])
    if as_json:
        emit([{"priority": q.priority, **dataclasses.asdict(q.candidate)} for q in questions])
        return
    table = Table("left", "right", "probability", "priority", title=f"{len(questions)} open pair(s)")
    for q in questions:
        left, right = (records.get(r, {"caption": r, "case": ""}) for r in (q.candidate.left, q.candidate.right))
        table.add_row(plain(f"{left['caption']} ({left['case']})\n{q.candidate.left}"),
                      plain(f"{right['caption']} ({right['case']})\n{q.candidate.right}"),
                      f"{q.candidate.probability:.3f}", f"{q.priority:.2f}")
        if why:
            for reason in q.candidate.reasons:
                table.add_row(*plain_row(f"  {reason.feature}: {reason.left or '—'}", reason.right or "—",
                                         f"{reason.weight:+.2f}", reason.level))
    out.print(table)


@resolve_app.command("judge")
def judge(left: str, right: str, verdict: Annotated[str, typer.Argument(help="same, different or unsure")],
          as_user: AsUser, as_json: JsonOpt = False) -> None:
    """Record a judgement of two records (CASE_ID:ENTITY_ID); it wins over the model from now on."""
    svc = services()
    judged = svc.resolution.judge(svc.accounts.actor(as_user), left, right, verdict)
    if as_json:
        emit(dataclasses.asdict(judged))
        return
    out.print(f"{plain(judged.left)} and {plain(judged.right)}: {judged.verdict.value}")


@resolve_app.command("clusters")
def clusters(dataset: Dataset, as_user: AsUser, kind: Kind = "person", as_json: JsonOpt = False) -> None:
    """The identities of more than one record, with their canonical IDs and records."""
    svc = services()
    found = svc.resolution.identities(svc.accounts.actor(as_user), dataset, kind)
    if as_json:
        emit([dataclasses.asdict(i) for i in found])
        return
    table = Table("canonical ID", "records", title=f"{len(found)} identities")
    for identity in found:
        table.add_row(plain(identity.canonical_id), plain("\n".join(f"{r['caption']} ({r['case']}) {r['record']}"
                                                                   for r in identity.records)))
    out.print(table)
