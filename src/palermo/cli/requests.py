"""`palermo requests`: mutual legal assistance and extradition requests on the command line: draft from a request
file about a case, check, move through the statuses, write the document (HTML to print, DOCX to edit), record
replies, and the agency's register."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from palermo.cli.console import JsonOpt, emit, out, plain, read_text
from palermo.cli.context import services
from palermo.cli.exchange import show_entry
from palermo.errors import InvalidInput
from palermo.mla import STATUSES, allowed

requests_app = typer.Typer(help="Requests abroad: mutual legal assistance and extradition, drafted with the law "
                                "engine's findings, checked, tracked.", no_args_is_help=True)
AsUser = Annotated[str, typer.Option("--as", help="act as this user (their role and agency apply)")]


def _day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{option}: {text!r} is not a date such as 2026-03-02") from None


@requests_app.command("draft")
def draft(case: str, file: Path, as_user: AsUser, as_json: JsonOpt = False) -> None:
    """Draft a request about CASE from a request file (see examples/requests/): the legal basis, dual criminality
    and jurisdiction are computed by the law engine; every problem in the file is named with its line."""
    text = read_text(file)
    svc = services()
    filed = svc.requests.draft(svc.accounts.actor(as_user), case, text, str(file))
    if as_json:
        emit({"id": filed.id, "request": filed.request.model_dump(mode="json")})
        return
    r = filed.request
    out.print(f"request {filed.id} drafted: {r.kind} from {r.requesting.state} to {r.requested.state} "
              f"(case {plain(filed.case_reference)})")
    missing = svc.requests.check(svc.accounts.actor(as_user), filed.id)
    out.print("complete: it can be sent" if not missing else f"{len(missing)} field(s) to complete before sending:")
    for m in missing:
        out.print(f"  {m.field}: {plain(m.problem)}")


@requests_app.command("template")
def template(case: str, as_user: AsUser, linkage: Annotated[str | None, typer.Option(
        help="a revealed linkage of the case: its partner is the requested state, its references are cited")] = None,
             output: Annotated[Path | None, typer.Option("--out", help="write the file here instead of printing")] = None,
             ) -> None:
    """A request file about CASE to complete: every field with a comment, filled with what the case's records tell
    (victims, suspects, places, period, persons by reference); then `palermo requests draft CASE FILE`."""
    from palermo.web.requests import starting_file  # the web layer (jinja, fastapi) loads for this command only

    svc = services()
    text = starting_file(svc, svc.accounts.actor(as_user), case, linkage=linkage)
    if output is None:
        typer.echo(text)
        return
    output.write_text(text, encoding="utf-8")
    out.print(f"request file written to {plain(str(output))}: complete it, then `palermo requests draft {case} "
              f"{plain(str(output))} --as {as_user}`")


@requests_app.command("send-abroad")
def send_abroad(request: str, as_user: AsUser, agreement: Annotated[str, typer.Option(help="the agreement's id")],
                to: Annotated[str, typer.Option("--to", help="the partner agency in the requested state")],
                purpose: Annotated[str, typer.Option(help="one of the agreement's purposes")] = "prosecution",
                as_json: JsonOpt = False) -> None:
    """Prepare a complete draft to travel through the exchange: its document (DOCX) and the records of the persons
    it names, under the agreement's rules. Nothing leaves before `palermo exchange approve` and `send`."""
    svc = services()
    entry = svc.requests.send_abroad(svc.accounts.actor(as_user), request, agreement=agreement, recipient=to,
                                     purpose=purpose)
    show_entry(entry, as_json)
    if not as_json:
        out.print(f"files: {', '.join(plain(a) for a in entry.attachments)}")
        out.print(f"next: palermo exchange approve {entry.id} --as {as_user}, then palermo exchange send "
                  f"{entry.id} --as {as_user}; once it went, palermo requests status {request} sent --as {as_user}")


@requests_app.command("check")
def check(request: str, as_user: AsUser, as_json: JsonOpt = False) -> None:
    """What the request lacks before it can be sent (exit 1 if anything)."""
    svc = services()
    missing = svc.requests.check(svc.accounts.actor(as_user), request)
    if as_json:
        emit([m.model_dump(mode="json") for m in missing])
    else:
        for m in missing:
            out.print(f"{m.field} ({m.severity}): {plain(m.problem)}\n  why: {plain(m.why)}")
        if not missing:
            out.print("complete: it can be sent")
    if missing:
        raise typer.Exit(1)


@requests_app.command("status")
def status(request: str, to: Annotated[str, typer.Argument(help=", ".join(STATUSES))], as_user: AsUser,
           note: Annotated[str | None, typer.Option(help="what happened")] = None,
           on: Annotated[str | None, typer.Option(help="the day it happened (default today)")] = None) -> None:
    """Move a request to another status; sending is refused while a required field is missing."""
    svc = services()
    filed = svc.requests.move(svc.accounts.actor(as_user), request, to, note=note, on=_day(on, "--on"))
    nexts = ", ".join(allowed(filed.request.status)) or "none: final"
    out.print(f"request {filed.id} is now {filed.request.status} (next: {nexts})")


@requests_app.command("document")
def document(request: str, as_user: AsUser, out_file: Annotated[Path, typer.Option("--out", help="file to write")],
             fmt: Annotated[str, typer.Option("--format", help="html or docx")] = "html",
             language: Annotated[str | None, typer.Option(help="en or fr (default: the request's)")] = None) -> None:
    """Write the request as a printable HTML page or an editable DOCX."""
    if fmt not in ("html", "docx"):
        raise InvalidInput(f"--format: {fmt!r} is not html or docx")
    svc = services()
    data = svc.requests.document(svc.accounts.actor(as_user), request, "docx" if fmt == "docx" else "html", language)
    out_file.write_bytes(data)
    out.print(f"request {request} written to {plain(out_file)} ({len(data):,} bytes)")


@requests_app.command("reply")
def reply(request: str, as_user: AsUser, summary: Annotated[str, typer.Option(help="what the reply contains")],
          received: Annotated[str | None, typer.Option(help="the day it arrived (default today)")] = None) -> None:
    """Record a reply to a request (register returned evidence with `palermo evidence register`, or over the API
    with the reply)."""
    svc = services()
    day = _day(received, "--received") or date.today()
    svc.requests.reply(svc.accounts.actor(as_user), request, day, summary)
    out.print(f"reply to request {request} recorded ({day})")


@requests_app.command("list")
def list_(as_user: AsUser, status_: Annotated[str | None, typer.Option("--status", help="only this status")] = None,
          case: Annotated[str | None, typer.Option(help="only this case")] = None, as_json: JsonOpt = False) -> None:
    """The agency's register of requests, newest first; overdue ones marked."""
    svc = services()
    rows = svc.requests.register(svc.accounts.actor(as_user), status=status_, case=case)
    if as_json:
        emit(rows)
        return
    table = Table("id", "case", "kind", "to", "reference", "status", "sent", "deadline")
    for r in rows:
        table.add_row(*(plain(v) for v in (r["id"], r["case_reference"], r["kind"],
                                           f"{r['requested_state']} {r['requested_name']}", r["reference"] or "",
                                           r["status"], r["sent_on"] or "",
                                           (r["deadline"] or "") + (" OVERDUE" if r["overdue"] else ""))))
    out.print(table)
