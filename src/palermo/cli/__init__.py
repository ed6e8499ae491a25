"""The `palermo` command. Every command is a thin shell over the same services the API and the pages use; every
failure ends as one line, a hint and an exit code (2 for a usage mistake or bad input)."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Annotated

import typer
from typer import TyperException

from palermo.cli import server
from palermo.cli.cases import agencies_app, audit_app, cases_app, db_app, users_app
from palermo.cli.console import err, fail, plain
from palermo.cli.evidence import evidence_app
from palermo.cli.exchange import exchange_app
from palermo.cli.finance import finance_app
from palermo.cli.law import law_app
from palermo.cli.linkage import linkage_app
from palermo.cli.network import network_app
from palermo.cli.requests import requests_app
from palermo.cli.resolve import resolve_app
from palermo.cli.stats import stats_app
from palermo.cli.victims import victims_app
from palermo.errors import PalermoError
from palermo.settings import Settings

if TYPE_CHECKING:
    from palermo.services import Services

app = typer.Typer(help="Palermo: the international legal system against human trafficking, as software.",
                  no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)
app.add_typer(law_app, name="law")
app.add_typer(db_app, name="db")
app.add_typer(agencies_app, name="agencies")
app.add_typer(users_app, name="users")
app.add_typer(cases_app, name="cases")
app.add_typer(audit_app, name="audit")
app.add_typer(evidence_app, name="evidence")
app.add_typer(exchange_app, name="exchange")
app.add_typer(requests_app, name="requests")
app.add_typer(linkage_app, name="linkage")
app.add_typer(network_app, name="network")
app.add_typer(resolve_app, name="resolve")
app.add_typer(finance_app, name="finance")
app.add_typer(stats_app, name="stats")
app.add_typer(victims_app, name="victims")
USAGE = 2


@app.command()
def serve(host: Annotated[str | None, typer.Option(help="default PALERMO_HOST or 127.0.0.1")] = None,
          port: Annotated[int | None, typer.Option(help="default PALERMO_PORT or 8000")] = None,
          workers: Annotated[int | None, typer.Option(min=1, max=64, help="server processes (default "
                                                      "PALERMO_WORKERS or 1); see docs/cases.md")] = None) -> None:
    """Serve the web UI and the REST API (docs at /api/docs)."""
    from palermo.cases.demo import DEMO_AGENCY, DEMO_CASE, create_demo, needs_demo
    from palermo.cli.context import services

    settings = Settings()
    settings = settings.model_copy(update={"host": host or settings.host, "port": port or settings.port,
                                           "workers": workers or settings.workers})
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    svc = services(create=True)
    if needs_demo(svc.accounts):
        username, password = create_demo(svc.store)
        err.print(f"[bold]First start: demo workspace created[/] (agency {DEMO_AGENCY}, case {DEMO_CASE}).\n"
                  f"  Log in at http://{settings.host}:{settings.port}/login as [bold]{username}[/] with password "
                  f"[bold]{plain(password)}[/]\n  This password is shown only now; keep it or add users with "
                  "`palermo users add`.", soft_wrap=True)
        _demo_ledger(svc)
    library = svc.library
    err.print(f"Palermo: {len(library.profiles)} jurisdictions, {len(library.instruments)} instruments loaded; "
              f"data in {plain(settings.data_dir.resolve())}")
    for problem in library.problems:
        err.print(f"[red]problem:[/] {plain(problem.error.message)}")
    err.print(f"Serving on http://{settings.host}:{settings.port}/ (API docs: /api/docs) with "
              f"{settings.workers} worker{'s' if settings.workers > 1 else ''}")
    svc.close()
    # The workers resolve the same data directory whatever their working directory.
    os.environ["PALERMO_DATA_DIR"] = str(settings.data_dir.resolve())
    server.serve("palermo.web:create_app", factory=True, host=settings.host, port=settings.port,
                 workers=settings.workers)


def _demo_ledger(svc: Services) -> None:
    """On first start, a synthetic year of banking with planted red flags in the demo agency's own ledger, so its
    Alerts page has something."""
    from palermo.cases.demo import DEMO_AGENCY

    with svc.finance.desk(DEMO_AGENCY, create=True) as desk:
        if desk.ledger.count("transactions") == 0:
            desk.generate(100_000, seed=2019)
            run, _ = desk.monitor()
            err.print(f"Demo ledger: {desk.ledger.count('transactions'):,} synthetic transactions, "
                      f"{len(run.alerts)} alerts (Alerts page; `palermo finance --help`)")


def main() -> None:
    """Entry point: run the app, turning PalermoError and usage mistakes into one line, a hint and an exit code."""
    try:
        code = app(standalone_mode=False)
    except PalermoError as exc:
        fail(exc.message, exc.hint, exc.details[1:])
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        err.print("aborted")
        sys.exit(130)
    except TyperException as exc:  # typer's own usage errors: a missing argument, an unknown option ...
        context = getattr(exc, "ctx", None)
        command = context.command_path if context is not None else _command_path(sys.argv[1:])
        if type(exc).__name__ == "NoArgsIsHelpError":  # the help is already printed; its text is no message
            message = "missing command"
        else:
            message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        fail(" ".join(message.split()) or "usage mistake", f"see `{command} --help`")
        sys.exit(USAGE)
    sys.exit(code if isinstance(code, int) else 0)


def _command_path(args: list[str]) -> str:
    """The (sub)command the arguments name, for errors raised before typer knew it (an option missing its value)."""
    import typer.main

    command = typer.main.get_command(app)
    path = ["palermo"]
    for arg in args:
        commands = getattr(command, "commands", None)
        if arg.startswith("-") or not commands:
            continue
        if arg not in commands:
            break
        command = commands[arg]
        path.append(arg)
    return " ".join(path)
