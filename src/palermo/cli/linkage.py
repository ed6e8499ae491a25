"""`palermo linkage`: privacy-preserving linkage with a partner agency on the command line, carrying the signed
messages as files: start (or join) with a case's persons, receive the partner's messages, confirm, see the
matches."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from palermo.cli.console import JsonOpt, emit, out, plain, read_bytes
from palermo.cli.context import services
from palermo.model import LinkageRun

linkage_app = typer.Typer(help="Privacy-preserving linkage: do we and a partner hold the same people, without "
                               "handing over names?", no_args_is_help=True)
AsUser = Annotated[str, typer.Option("--as", help="act as this user (their role and agency apply)")]
Out = Annotated[Path | None, typer.Option("--out", help="write the message for the partner here")]


def _show(run: LinkageRun, output: Path | None, as_json: bool) -> None:
    if run.outgoing is not None and output is not None:
        output.write_text(run.outgoing, encoding="utf-8")
    if as_json:
        emit(run)
        return
    out.print(f"linkage {run.exchange} with {plain(run.partner)} (case {plain(run.case_reference)}): {run.status}"
              + (f"; {run.matched} match(es) among {run.records[0]} and {run.records[1]} persons"
                 if run.records else ""))
    if run.outgoing is not None:
        out.print(f"message for {plain(run.partner)} " + (f"written to {plain(output)}" if output
                                                          else "not written: give --out FILE"))
    if run.matches:
        table = Table("your person", "partner's reference")
        for m in run.matches:
            table.add_row(plain(m["label"]), plain(m["partner_reference"]))
        out.print(table)


@linkage_app.command("start")
def start(case: str, as_user: AsUser, to: Annotated[str, typer.Option("--to", help="the partner agency")],
          output: Out = None, threshold: Annotated[float | None, typer.Option(
              help="a fixed match threshold (default: chosen from the exchange's own scores)")] = None,
          as_json: JsonOpt = False) -> None:
    """Propose a linkage of CASE's persons with a partner (you match); give the partner the message."""
    svc = services()
    _show(svc.linkages.start(svc.accounts.actor(as_user), case, to, threshold), output, as_json)


@linkage_app.command("join")
def join(case: str, message: Path, as_user: AsUser, output: Out = None, as_json: JsonOpt = False) -> None:
    """Take part, with CASE's persons, in a linkage a partner proposed (its message); give it the reply."""
    svc = services()
    _show(svc.linkages.join(svc.accounts.actor(as_user), case, read_bytes(message)), output, as_json)


@linkage_app.command("receive")
def receive(message: Path, as_user: AsUser, output: Out = None, as_json: JsonOpt = False) -> None:
    """Apply a partner's message of a linkage under way; write the next message for the partner, if any."""
    svc = services()
    _show(svc.linkages.receive(svc.accounts.actor(as_user), read_bytes(message)), output, as_json)


@linkage_app.command("answer")
def answer(exchange: str, as_user: AsUser,
           confirmed: Annotated[bool, typer.Option("--confirm/--decline", help="reveal the matches, or stop")],
           output: Out = None, as_json: JsonOpt = False) -> None:
    """Confirm or decline the summary: nothing is revealed before both agencies confirmed."""
    svc = services()
    _show(svc.linkages.answer(svc.accounts.actor(as_user), exchange, confirmed), output, as_json)


@linkage_app.command("show")
def show(exchange: str, as_user: AsUser, as_json: JsonOpt = False) -> None:
    """Where a linkage stands and, once revealed, your matched persons beside the partner's references."""
    svc = services()
    _show(svc.linkages.get(svc.accounts.actor(as_user), exchange), None, as_json)
