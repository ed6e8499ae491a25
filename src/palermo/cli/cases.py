"""`palermo db | agencies | users | cases | audit`: the case store on the command line. Commands that touch
cases act as a user (`--as USERNAME`), under the same policy as the API."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from palermo.cli.console import JsonOpt, emit, err, out, plain
from palermo.cli.context import services
from palermo.errors import InvalidInput
from palermo.model import AGENCY_KINDS, CaseDraft, invalid

db_app = typer.Typer(help="The case database: migrations.", no_args_is_help=True)
agencies_app = typer.Typer(help="Agencies of the deployment.", no_args_is_help=True)
users_app = typer.Typer(help="User accounts and API tokens.", no_args_is_help=True)
cases_app = typer.Typer(help="Cases: create, list, import and export FtM entities.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit trail (auditors).", no_args_is_help=True)
AsUser = Annotated[str, typer.Option("--as", help="act as this user (their role and agency apply)")]


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the case database to the newest schema (SQLite in the data dir, or PALERMO_DATABASE_URL)."""
    svc = services(create=True)
    store = svc.store.store
    out.print(f"database at revision {store.revision()} ({store.engine.dialect.name})")


@agencies_app.command("add")
def agencies_add(agency_id: str, name: Annotated[str, typer.Option(help="full name")],
                 state: Annotated[str, typer.Option(help="ISO 3166 code, e.g. GB")],
                 kind: Annotated[str, typer.Option(help=", ".join(AGENCY_KINDS))]) -> None:
    """Register an agency."""
    services().accounts.add_agency(agency_id, name, state, kind)
    out.print(f"agency {plain(agency_id)} added")


@agencies_app.command("list")
def agencies_list(as_json: JsonOpt = False) -> None:
    """List the agencies."""
    rows = services().accounts.agencies()
    if as_json:
        emit(rows)
        return
    table = Table("id", "name", "state", "kind")
    for r in rows:
        table.add_row(*(plain(r[k]) for k in ("id", "name", "state", "kind")))
    out.print(table)


@users_app.command("add")
def users_add(username: str, agency: Annotated[str, typer.Option(help="agency id")],
              roles: Annotated[str, typer.Option(help="comma-separated roles")] = "",
              admin: Annotated[bool, typer.Option("--admin", help="give the admin role")] = False,
              name: Annotated[str, typer.Option(help="display name")] = "") -> None:
    """Create a user; the generated password is printed once (operator bootstrap, no login needed)."""
    role_list = [r for r in roles.split(",") if r.strip()] + (["admin"] if admin else [])
    user, password = services().accounts.add_user(username, agency, role_list, display_name=name)
    out.print(f"user {plain(user.username)} ({plain(', '.join(user.roles))}) in {plain(user.agency_id)}")
    out.print(f"password (shown once): [bold]{plain(password)}[/]")


@users_app.command("list")
def users_list(agency: Annotated[str | None, typer.Option(help="only this agency")] = None,
               as_json: JsonOpt = False) -> None:
    """List user accounts."""
    users = services().accounts.users(agency)
    if as_json:
        emit([u.__dict__ for u in users])
        return
    table = Table("username", "name", "agency", "roles", "active")
    for u in users:
        table.add_row(*(plain(v) for v in (u.username, u.display_name, u.agency_id, ", ".join(u.roles),
                                            "yes" if u.active else "no")))
    out.print(table)


@users_app.command("disable")
def users_disable(username: str) -> None:
    """Disable an account: its sessions end and its tokens are revoked."""
    services().accounts.set_active(username, False)
    out.print(f"user {plain(username)} disabled")


@users_app.command("token")
def users_token(as_user: AsUser, label: Annotated[str, typer.Option()] = "cli",
                days: Annotated[int, typer.Option(help="lifetime, 1-366 days")] = 30) -> None:
    """Issue an API token for a user (printed once; stored hashed)."""
    svc = services()
    out.print(svc.accounts.issue_token(svc.accounts.actor(as_user), label, days), markup=False)


@cases_app.command("create")
def cases_create(reference: str, title: Annotated[str, typer.Option()], as_user: AsUser,
                 jurisdiction: Annotated[list[str] | None, typer.Option(help="ISO code (repeatable)")] = None,
                 handling: Annotated[str, typer.Option(help="owner | named | agencies")] = "named",
                 summary: Annotated[str, typer.Option()] = "") -> None:
    """Open a case owned by the user's agency."""
    try:
        draft = CaseDraft.model_validate({"reference": reference, "title": title, "summary": summary,
                                          "handling": handling, "jurisdictions": jurisdiction or [],
                                          "offences": ["core_trafficking"]})
    except ValidationError as exc:
        raise invalid(exc) from None
    svc = services()
    case = svc.cases.create(svc.accounts.actor(as_user), draft)
    out.print(f"case {plain(case.reference)} opened ({case.id})")


@cases_app.command("list")
def cases_list(as_user: AsUser, as_json: JsonOpt = False) -> None:
    """List the cases the user can see."""
    svc = services()
    cases = svc.cases.list(svc.accounts.actor(as_user), limit=500)
    if as_json:
        emit(cases)
        return
    table = Table("reference", "title", "owner", "status", "access")
    for c in cases:
        table.add_row(*(plain(v) for v in (c.reference, c.title, c.owner_agency, c.status, c.access)))
    out.print(table)


@cases_app.command("import")
def cases_import(case: str, file: Path, as_user: AsUser) -> None:
    """Import FtM JSON lines into a case. Every line is validated first; a bad line is reported with its number
    and nothing is written."""
    if not file.is_file():
        raise InvalidInput(f"{file}: no such file")
    svc = services()
    actor = svc.accounts.actor(as_user)
    with file.open("rb") as fh:
        total = sum(1 for _ in fh)
    columns = (TextColumn("{task.description:>10}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=False) as bar, file.open(encoding="utf-8") as fh:
        tasks = {"validated": bar.add_task("validated", total=total), "written": bar.add_task("written", total=None)}
        report = svc.transfer.import_entities(actor, case, fh, source=file.name,
                                              progress=lambda phase, n: bar.advance(tasks[phase], n))
        bar.update(tasks["written"], total=report.created + report.merged)
    out.print(f"{report.read} lines read: {report.created} entities created, {report.merged} merged "
              f"into case {plain(report.case_reference)}")


@cases_app.command("export")
def cases_export(case: str, as_user: AsUser,
                 output: Annotated[Path | None, typer.Option("-o", help="file (default stdout)")] = None) -> None:
    """Export a case's entities as FtM JSON lines (protected persons by pseudonym)."""
    svc = services()
    rows = svc.transfer.export_entities(svc.accounts.actor(as_user), case)
    with (output.open("w", encoding="utf-8") if output else sys.stdout) as sink:
        for item in rows:
            sink.write(json.dumps(item, ensure_ascii=False) + "\n")


@audit_app.command("export")
def audit_export(as_user: AsUser, case: Annotated[str | None, typer.Option(help="case reference or ID")] = None,
                 fmt: Annotated[str, typer.Option("--format", help="csv or json")] = "csv",
                 limit: Annotated[int, typer.Option()] = 100000) -> None:
    """Export the audit trail visible to an auditor, as CSV or JSON."""
    if fmt not in ("csv", "json"):
        raise InvalidInput(f"--format: {fmt!r} is not csv or json")
    svc = services()
    records = svc.audit.read(svc.accounts.actor(as_user), case=case, limit=limit)
    from palermo.cases.audit import to_csv

    sys.stdout.write(to_csv(records) if fmt == "csv" else json.dumps(records, indent=2) + "\n")
