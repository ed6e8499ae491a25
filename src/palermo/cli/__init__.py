"""The `palermo` command. Every command is a thin shell over the same functions the API and the pages use."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from palermo.cli.cases import agencies_app, audit_app, cases_app, db_app, users_app
from palermo.cli.finance import finance_app
from palermo.cli.law import err, law_app
from palermo.cli.stats import stats_app
from palermo.errors import PalermoError
from palermo.settings import Settings

app = typer.Typer(help="Palermo: the international legal system against human trafficking, as software.",
                  no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)
app.add_typer(law_app, name="law")
app.add_typer(db_app, name="db")
app.add_typer(agencies_app, name="agencies")
app.add_typer(users_app, name="users")
app.add_typer(cases_app, name="cases")
app.add_typer(audit_app, name="audit")
app.add_typer(finance_app, name="finance")
app.add_typer(stats_app, name="stats")


@app.command()
def serve(host: Annotated[str | None, typer.Option(help="default PALERMO_HOST or 127.0.0.1")] = None,
          port: Annotated[int | None, typer.Option(help="default PALERMO_PORT or 8000")] = None) -> None:
    """Serve the web UI and the REST API (docs at /api/docs)."""
    import uvicorn

    from palermo.cases.demo import DEMO_AGENCY, DEMO_CASE, create_demo, needs_demo
    from palermo.web import create_app

    settings = Settings()
    settings = settings.model_copy(update={"host": host or settings.host, "port": port or settings.port})
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    application = create_app(settings)
    cs = application.state.cases
    if needs_demo(cs.accounts):
        username, password = create_demo(cs)
        err.print(f"[bold]First start: demo workspace created[/] (agency {DEMO_AGENCY}, case {DEMO_CASE}).\n"
                  f"  Log in at http://{settings.host}:{settings.port}/login as [bold]{username}[/] with password "
                  f"[bold]{password}[/]\n  This password is shown only now; keep it or add users with "
                  "`palermo users add`.", soft_wrap=True)
        _demo_ledger(settings)
    library = application.state.library
    err.print(f"Palermo: {len(library.profiles)} jurisdictions, {len(library.instruments)} instruments loaded")
    for problem in library.problems:
        err.print(f"[red]problem:[/] {problem.error.message}")
    err.print(f"Serving on http://{settings.host}:{settings.port}/ (API docs: /api/docs)")
    uvicorn.run(application, host=settings.host, port=settings.port, log_level="warning")


def _demo_ledger(settings: Settings) -> None:
    """On first start, a synthetic year of banking with planted red flags, so the Alerts page has something."""
    from palermo.finance.desk import Desk

    desk = Desk(**settings.desk_options())
    try:
        if desk.ledger.count("transactions") == 0:
            desk.generate(100_000, seed=2019)
            run, _ = desk.monitor()
            err.print(f"Demo ledger: {desk.ledger.count('transactions'):,} synthetic transactions, "
                      f"{len(run.alerts)} alerts (Alerts page; `palermo finance --help`)")
    finally:
        desk.close()


def main() -> None:
    """Entry point: run the app, turning PalermoError into one line, a hint and an exit code."""
    try:
        code = app(standalone_mode=False)
    except PalermoError as exc:
        err.print(f"[red]error:[/] {exc.message}", soft_wrap=True)
        for detail in exc.details[1:]:
            err.print(f"  {detail}", soft_wrap=True)
        if exc.hint:
            err.print(f"hint: {exc.hint}", soft_wrap=True)
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        err.print("aborted")
        sys.exit(130)
    except Exception as exc:  # click usage errors carry their own exit code
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        raise
    sys.exit(code if isinstance(code, int) else 0)
