"""`palermo network`: link analysis of a case on the command line — communities, brokers, paths between two
entities, routes by country, and the chart as GraphML. Commands act as a user (`--as USERNAME`) under the same
policy as the API; protected persons appear by pseudonym."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from palermo.cli.console import JsonOpt, emit, err, out, plain, plain_row
from palermo.cli.context import services
from palermo.services.network import KINDS, ChartAsk, day
from palermo.services.network import Progress as Reading

network_app = typer.Typer(help="Link analysis of a case: communities, brokers, paths, routes, GraphML.",
                          no_args_is_help=True)
AsUser = Annotated[str, typer.Option("--as", help="act as this user (their role and agency apply)")]


@contextmanager
def reading() -> Iterator[Reading]:
    """A progress bar on stderr while the case's entities are read."""
    columns = (TextColumn("{task.description:>10}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task("entities", total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


@network_app.command("communities")
def communities(case: str, as_user: AsUser,
                resolution: Annotated[float, typer.Option(help="higher: smaller groups")] = 1.0,
                as_json: JsonOpt = False) -> None:
    """Groups of the case's chart more tied to each other than to the rest (Leiden), largest first."""
    svc = services()
    with reading() as progress:
        groups = svc.network.communities(svc.accounts.actor(as_user), case, resolution=resolution,
                                         progress=progress)
    if as_json:
        emit(groups)
        return
    table = Table("group", "size", "members")
    for g in groups:
        table.add_row(str(g["community"]), str(g["size"]),
                      plain(", ".join(f"{m['label']} ({m['kind']})" for m in g["members"])))
    out.print(table)


@network_app.command("brokers")
def brokers(case: str, as_user: AsUser, top: Annotated[int, typer.Option(help="how many by betweenness")] = 10,
            as_json: JsonOpt = False) -> None:
    """Who sits on the paths between others (betweenness) and whose removal splits the network."""
    svc = services()
    with reading() as progress:
        found = svc.network.brokers(svc.accounts.actor(as_user), case, top=top, progress=progress)
    if as_json:
        emit(found)
        return
    table = Table("entity", "name", "kind", "betweenness", "splits the network", "ties")
    for b in found:
        table.add_row(*plain_row(b["id"], b["label"], b["kind"], f"{b['betweenness']:.3f}",
                                 "yes" if b["articulation"] else "", b["degree"]))
    out.print(table)


@network_app.command("path")
def path(case: str, source: Annotated[str, typer.Argument(help="entity ID")],
         target: Annotated[str, typer.Argument(help="entity ID")], as_user: AsUser,
         hops: Annotated[int | None, typer.Option(help="all paths of at most this many ties (1-8)")] = None,
         as_json: JsonOpt = False) -> None:
    """The shortest chain of ties between two entities, and every chain of at most --hops ties."""
    svc = services()
    with reading() as progress:
        found = svc.network.path(svc.accounts.actor(as_user), case, source, target, hops=hops, progress=progress)
    if as_json:
        emit(found)
        return
    names = {n["id"]: n["label"] for n in found["nodes"]}
    if not found["shortest"]:
        out.print(f"{plain(source)} and {plain(target)} are not connected in case {plain(case)}")
        return
    for chain in found["paths"] or [found["shortest"]]:
        out.print(f"{len(chain) - 1} ties: " + plain(" → ".join(names.get(n, n) for n in chain)))


@network_app.command("routes")
def routes(case: str, as_user: AsUser, as_json: JsonOpt = False) -> None:
    """Routes by country (origin → transit → destination) from trips and victims'/suspects' records."""
    svc = services()
    with reading() as progress:
        found = svc.network.routes(svc.accounts.actor(as_user), case, progress=progress)
    if as_json:
        emit({k: v for k, v in found.items() if k != "figure"})
        return
    table = Table("route", "from", "entities")
    for r in found["routes"]:
        table.add_row(*plain_row(" → ".join(r["countries"]), r["source"], ", ".join(r["entities"])))
    out.print(table)


@network_app.command("graphml")
def graphml(case: str, as_user: AsUser,
            output: Annotated[Path, typer.Option("-o", help="the GraphML file to write")],
            start: Annotated[str | None, typer.Option(help="ties from this day on (YYYY-MM-DD)")] = None,
            end: Annotated[str | None, typer.Option(help="ties up to this day (YYYY-MM-DD)")] = None,
            kind: Annotated[list[str] | None, typer.Option(help="keep these kinds of node: " + ", ".join(KINDS))]
            = None,
            resolved: Annotated[str | None, typer.Option(help="fold records of one identity of this resolution "
                                                              "dataset into one node")] = None) -> None:
    """Write the case's chart (with each node's community) as GraphML for Gephi, yEd or networkx."""
    ask = ChartAsk(start=day(start, "--start"), end=day(end, "--end"), kinds=kind or (), resolved=resolved)
    svc = services()
    with reading() as progress:
        body = svc.network.graphml(svc.accounts.actor(as_user), case, ask, progress=progress)
    output.write_bytes(body)
    out.print(f"chart of case {plain(case)} written to {plain(output)} ({len(body):,} bytes)")
